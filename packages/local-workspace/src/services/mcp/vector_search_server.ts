/**
 * The managed Vector Search MCP server (`/api/2.0/mcp/vector-search/{catalog}/{schema}[/{index}]`,
 * also at Databricks' newer `/api/2.0/mcp/ai-search/...` prefix): one tool per index with
 * Databricks-managed embeddings, named `catalog__schema__index` (the name `databricks-mcp` maps
 * back to the index), taking `query`. Retrieval settings come from the call's `_meta`, as
 * Databricks documents them: `num_results` (default 5), `filters` (a JSON string),
 * `query_type` (`ANN` or `HYBRID`), `columns` (comma-separated), `include_score`,
 * `score_threshold`. Each call answers a JSON list of rows.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ApiError } from '../../platform/errors.js';
import type { VectorSearchStore } from '../vector_search/state.js';
import {
  badRequest,
  errorResult,
  jsonResult,
  type ManagedServerKind,
  requireArguments,
  toolNamed,
} from './managed_server.js';

type Json = Record<string, unknown>;

/** The text the index embeds itself, when Databricks computes its embeddings. */
function managedSource(index: Json): string | undefined {
  for (const key of ['delta_sync_index_spec', 'direct_access_index_spec']) {
    const spec = index[key] as Json | undefined;
    const sources = spec?.embedding_source_columns as Json[] | undefined;
    const name = sources?.[0]?.name;
    if (typeof name === 'string') return name;
  }
  return undefined;
}

function truthy(value: unknown): boolean {
  return value === true || value === 'true';
}

export function vectorSearchServerKind(): ManagedServerKind<undefined> {
  return {
    kind: 'vector-search',
    paths: [
      '/api/2.0/mcp/vector-search/:catalog/:schema{/:index}',
      '/api/2.0/mcp/ai-search/:catalog/:schema{/:index}',
    ],
    shared: () => undefined,
    open(context, params) {
      const store = context.service<VectorSearchStore>('vectorSearch');
      const prefix = `${params.catalog}.${params.schema}.`;
      const names = params.index
        ? [`${prefix}${params.index}`]
        : store
            .indexes()
            .map((index) => index.name)
            .filter((name) => name.startsWith(prefix));
      const indexes: { name: string; tool: Tool; columns: string[] }[] = [];
      for (const name of names) {
        let description: Json;
        try {
          description = store.getIndex(name);
        } catch (error) {
          if (error instanceof ApiError && error.status === 404)
            throw badRequest(`Vector Search index ${name} not found.`);
          throw error;
        }
        const source = managedSource(description);
        if (!source) {
          // Databricks serves only indexes whose embeddings it computes (it embeds `query`).
          if (params.index)
            throw badRequest(
              `Vector Search index ${name} has self-managed embeddings; the managed MCP server supports only indexes with Databricks-managed embeddings.`,
            );
          continue;
        }
        const table = store.describeTable(name);
        const columns = ((table.columns as Json[]) ?? [])
          .filter((column) => !String(column.type_text).toUpperCase().startsWith('ARRAY'))
          .map((column) => String(column.name));
        indexes.push({
          name,
          columns,
          tool: {
            name: name.replace(/\./g, '__'),
            description: `Search the Vector Search index ${name} (text column ${source}; columns ${columns.join(', ')}) for the rows most relevant to a query.`,
            inputSchema: {
              type: 'object',
              properties: { query: { type: 'string', description: 'What to search for.' } },
              required: ['query'],
            },
            annotations: { readOnlyHint: true },
          },
        });
      }
      if (indexes.length === 0 && !params.index)
        throw badRequest(
          `No Vector Search index with Databricks-managed embeddings found in ${params.catalog}.${params.schema}.`,
        );
      const tools = indexes.map((index) => index.tool);
      return {
        name: `vector-search-${params.catalog}-${params.schema}${params.index ? `-${params.index}` : ''}`,
        tools: async () => tools,
        async call(call) {
          const tool = toolNamed(tools, call.name);
          requireArguments(tool, call.arguments);
          const index = indexes.find((candidate) => candidate.tool === tool);
          if (!index) throw badRequest(`Tool ${call.name} has no index.`);
          const meta = call.meta;
          const columns =
            typeof meta.columns === 'string' && meta.columns.trim()
              ? meta.columns
                  .split(',')
                  .map((column) => column.trim())
                  .filter(Boolean)
              : index.columns;
          const body: Json = {
            query_text: call.arguments.query,
            columns,
            num_results: meta.num_results === undefined ? 5 : Number(meta.num_results),
            ...(meta.query_type ? { query_type: String(meta.query_type).toUpperCase() } : {}),
            ...(meta.filters ? { filters_json: String(meta.filters) } : {}),
            ...(meta.score_threshold !== undefined
              ? { score_threshold: Number(meta.score_threshold) }
              : {}),
          };
          let response: Json;
          try {
            response = await store.query(index.name, body, call.signal);
          } catch (error) {
            if (error instanceof ApiError)
              return errorResult(`${error.errorCode}: ${error.message}`);
            throw error;
          }
          const names = (((response.manifest as Json)?.columns as Json[]) ?? []).map((column) =>
            String(column.name),
          );
          const rows = (((response.result as Json)?.data_array as unknown[][]) ?? []).map(
            (values) => {
              const row: Json = {};
              names.forEach((name, position) => {
                if (name === 'score' && !truthy(meta.include_score)) return;
                row[name] = values[position];
              });
              return row;
            },
          );
          return jsonResult(rows);
        },
      };
    },
  };
}
