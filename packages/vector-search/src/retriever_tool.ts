/**
 * `VectorSearchRetrieverTool`: a Databricks Vector Search index as a LangChain tool for agents,
 * like Python's `databricks_langchain.VectorSearchRetrieverTool`. The search runs through the
 * store's retriever under the tool's run, so a tracer (e.g. `@lakechain/mlflow-tracking`) records a
 * RETRIEVER span with the documents in MLflow's format inside the TOOL span.
 */
import type { CallbackManagerForToolRun } from '@langchain/core/callbacks/manager';
import type { DocumentInterface } from '@langchain/core/documents';
import { StructuredTool } from '@langchain/core/tools';
import { z } from 'zod';
import type { TableColumn } from './client.js';
import { VectorSearchValidationError } from './errors.js';
import {
  FILTER_OPERATORS,
  type VectorSearchFilter,
  type VectorSearchFilterDict,
  type VectorSearchFilterValue,
} from './filters.js';
import { DatabricksVectorSearch, type DatabricksVectorSearchInput } from './vector_store.js';

export interface VectorSearchRetrieverToolInput extends DatabricksVectorSearchInput {
  /** Results per call (default 5). */
  numResults?: number;
  /** Filters applied to every search. Not combinable with `dynamicFilter`. */
  filters?: VectorSearchFilter;
  /** Let the model pass filters (`[{key, value}]`), described from the index's columns. */
  dynamicFilter?: boolean;
  /** Default: the index name with `.` → `__` (its last 64 characters). */
  toolName?: string;
  /** Default: a generic description plus the source table and columns of the index. */
  toolDescription?: string;
  /** A store to reuse instead of building one from the options above. */
  vectorStore?: DatabricksVectorSearch;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const DEFAULT_DESCRIPTION = 'A vector search-based retrieval tool for querying indexed embeddings.';

/** The tool name Python derives from an index name: dots become `__`, last 64 characters kept. */
export function toolNameOfIndex(indexName: string): string {
  return indexName.replace(/\./g, '__').slice(-64);
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

function basicSchema() {
  return z.object({
    query: z.string().describe('The string used to query the index; relevant text is retrieved.'),
  });
}

function describeColumns(columns: readonly TableColumn[]): string {
  return columns
    .map((column) => `${column.name} (${column.type_text ?? column.type_name ?? 'unknown'})`)
    .join(', ');
}

function filterSchema(columns: readonly TableColumn[] | undefined) {
  const columnList = columns?.length
    ? ` Columns you can filter on: ${describeColumns(columns)}.`
    : '';
  return z.object({
    query: z.string().describe('The string used to query the index; relevant text is retrieved.'),
    filters: z
      .array(
        z.object({
          key: z
            .string()
            .describe(
              `A column name, optionally followed by an operator (${FILTER_OPERATORS.join(', ')}), e.g. "price <" or "title LIKE". "col1 OR col2" with a list of two values matches either.${columnList}`,
            ),
          value: z
            .union([scalar, z.array(scalar)])
            .describe(
              'The value to compare with: a string, number or boolean; a list means any of them (IN).',
            ),
        }),
      )
      .optional()
      .describe(
        `Optional filters that restrict the search; several are combined with AND.${columnList}`,
      ),
  });
}

type ToolArguments = {
  query: string;
  filters?: { key: string; value: VectorSearchFilterValue }[];
};

/**
 * A retrieval tool over a Vector Search index. The tool returns the documents as JSON
 * (`[{page_content, metadata: {doc_uri, chunk_id, ...}, id}]`) so the model can cite them, and the
 * `Document` objects as the tool message's artifact.
 *
 * @example
 * ```ts
 * const tool = await VectorSearchRetrieverTool.create({
 *   indexName: 'main.docs.chunks_index', columns: ['title', 'url'], docUri: 'url', dynamicFilter: true,
 * });
 * const agent = createAgent({ model, tools: [tool] });
 * ```
 */
export class VectorSearchRetrieverTool extends StructuredTool {
  override name: string;
  override description: string;
  // biome-ignore lint/suspicious/noExplicitAny: the schema depends on `dynamicFilter`.
  override schema: any;
  override responseFormat = 'content_and_artifact' as const;

  readonly vectorStore: DatabricksVectorSearch;
  readonly numResults: number;
  readonly filters?: VectorSearchFilter;
  readonly dynamicFilter: boolean;

  static override lc_name(): string {
    return 'VectorSearchRetrieverTool';
  }

  /**
   * Builds the tool after reading the index's Unity Catalog entry, so the description names the
   * source table and columns and the dynamic-filter schema lists the columns (as Python does).
   * If the workspace does not answer, the tool keeps the generic description.
   */
  static async create(input: VectorSearchRetrieverToolInput): Promise<VectorSearchRetrieverTool> {
    const tool = new VectorSearchRetrieverTool(input);
    const spec = await tool.vectorStore.initialize();
    const table = await tool.vectorStore.client
      .getTable(tool.vectorStore.indexName)
      .catch(() => undefined);
    const columns =
      table?.columns ??
      spec.columns?.map((name) => ({ name, type_text: spec.columnTypes?.[name] }));
    if (!input.toolDescription) {
      const parts = [DEFAULT_DESCRIPTION];
      if (spec.sourceTable)
        parts.push(`The queried index uses the source table ${spec.sourceTable}.`);
      if (columns?.length) parts.push(`The table has the columns: ${describeColumns(columns)}.`);
      tool.description = parts.join(' ');
    }
    if (tool.dynamicFilter) tool.schema = filterSchema(columns);
    return tool;
  }

  constructor(input: VectorSearchRetrieverToolInput) {
    const {
      numResults,
      filters,
      dynamicFilter,
      toolName,
      toolDescription,
      vectorStore,
      ...storeOptions
    } = input;
    super();
    if (dynamicFilter && filters !== undefined)
      throw new VectorSearchValidationError(
        'VectorSearchRetrieverTool: pass either filters (fixed) or dynamicFilter (chosen by the model), not both.',
        { parameter: 'dynamicFilter', indexName: input.indexName },
      );
    if (numResults !== undefined && (!Number.isInteger(numResults) || numResults < 1))
      throw new VectorSearchValidationError(
        `VectorSearchRetrieverTool: numResults must be a positive integer, not ${numResults}.`,
        { parameter: 'numResults', indexName: input.indexName },
      );
    this.vectorStore = vectorStore ?? new DatabricksVectorSearch(storeOptions);
    const name = toolName ?? toolNameOfIndex(this.vectorStore.indexName);
    if (!TOOL_NAME.test(name))
      throw new VectorSearchValidationError(
        `VectorSearchRetrieverTool: tool name "${name}" must match ${TOOL_NAME} (letters, digits, _ and -, at most 64).`,
        { parameter: 'toolName', indexName: input.indexName },
      );
    this.name = name;
    this.description = toolDescription ?? DEFAULT_DESCRIPTION;
    this.numResults = numResults ?? 5;
    this.filters = filters;
    this.dynamicFilter = dynamicFilter ?? false;
    this.schema = this.dynamicFilter ? filterSchema(undefined) : basicSchema();
  }

  /** Runs are named after the tool (as Python's spans are), not after the class. */
  // biome-ignore lint/suspicious/noExplicitAny: mirrors StructuredTool.invoke's generic signature.
  override invoke(input: any, config?: any): Promise<any> {
    return super.invoke(input, { ...config, runName: config?.runName ?? this.name });
  }

  /** The filter of one call: the model's (dynamic) merged under the fixed ones, which win. */
  #filterOf(argumentsFromModel: ToolArguments): VectorSearchFilter | undefined {
    if (typeof this.filters === 'string') return this.filters;
    const fromModel: VectorSearchFilterDict = {};
    for (const item of argumentsFromModel.filters ?? []) fromModel[item.key] = item.value;
    const combined = { ...fromModel, ...(this.filters ?? {}) };
    return Object.keys(combined).length > 0 ? combined : undefined;
  }

  protected override async _call(
    argumentsFromModel: ToolArguments,
    runManager?: CallbackManagerForToolRun,
  ): Promise<[string, DocumentInterface[]]> {
    // The store checks the filter against the index's columns before sending it, so a bad
    // filter from the model comes back as a clear tool error.
    const filter = this.#filterOf(argumentsFromModel);
    const retriever = this.vectorStore.asRetriever({ k: this.numResults, filter });
    const documents = await retriever.invoke(argumentsFromModel.query, {
      callbacks: runManager?.getChild('retriever'),
    });
    const content = JSON.stringify(
      documents.map((document) => ({
        page_content: document.pageContent,
        metadata: document.metadata,
        id: document.id ?? null,
      })),
    );
    return [content, documents];
  }
}
