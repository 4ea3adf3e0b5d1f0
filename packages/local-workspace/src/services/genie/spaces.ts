/**
 * Genie spaces: checked definitions (from the options or `ws.genie.createSpace`), and the
 * `serialized_space` JSON (version 2, as the Genie UI exports it) that the Spaces API reads and
 * answers.
 */
import { ApiError } from '../../platform/errors.js';
import { type GenieScope, hexId, invalid, type Json, type SpaceRecord } from './records.js';
import type { GenieSpaceDefinition, GenieSpaceView } from './types.js';

const TABLE_NAME = /^[^.\s]+\.[^.\s]+\.[^.\s]+$/;

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw invalid(`${field} must be a list of strings.`);
  return value as string[];
}

/** `serialized_space` (version 2, as the Genie UI exports it) → a space definition. */
export function parseSerializedSpace(serialized: unknown): Omit<GenieSpaceDefinition, 'title'> {
  if (typeof serialized !== 'string') throw invalid('serialized_space must be a JSON string.');
  let parsed: Json;
  try {
    parsed = JSON.parse(serialized) as Json;
  } catch {
    throw invalid('serialized_space is not valid JSON.');
  }
  const dataSources = (parsed.data_sources ?? {}) as { tables?: { identifier?: unknown }[] };
  const tables = (dataSources.tables ?? []).map((table) => table.identifier);
  if (tables.some((table) => typeof table !== 'string'))
    throw invalid('serialized_space.data_sources.tables[].identifier must be table names.');
  const instructions = (parsed.instructions ?? {}) as {
    text_instructions?: { content?: unknown }[];
    example_question_sqls?: { question?: unknown; sql?: unknown }[];
  };
  const joined = (value: unknown) =>
    Array.isArray(value) ? value.join('') : typeof value === 'string' ? value : '';
  const config = (parsed.config ?? {}) as { sample_questions?: { question?: unknown }[] };
  return {
    tables: tables as string[],
    instructions:
      (instructions.text_instructions ?? [])
        .map((instruction) => joined(instruction.content))
        .join('\n') || undefined,
    exampleSql: (instructions.example_question_sqls ?? []).map((example) => ({
      question: joined(example.question),
      sql: joined(example.sql),
    })),
    sampleQuestions: (config.sample_questions ?? []).map((sample) => joined(sample.question)),
  };
}

function serializeSpace(record: SpaceRecord): string {
  const { view } = record;
  return JSON.stringify({
    version: 2,
    config: {
      sample_questions: view.sampleQuestions.map((question, index) => ({
        id: `${index}`.padStart(32, '0'),
        question: [question],
      })),
    },
    data_sources: { tables: view.tables.map((identifier) => ({ identifier })) },
    instructions: {
      text_instructions: view.instructions
        ? [{ id: '1'.padStart(32, '0'), content: [view.instructions] }]
        : [],
      example_question_sqls: record.exampleSql.map((example, index) => ({
        id: `${index + 1}`.padStart(32, '0'),
        question: [example.question],
        sql: [example.sql],
      })),
    },
  });
}

/** A space as the Spaces API answers it; `serialized_space` only where Databricks includes it. */
export function spaceJson(record: SpaceRecord, includeSerialized: boolean): Json {
  return {
    space_id: record.view.id,
    title: record.view.title,
    ...(record.view.description ? { description: record.view.description } : {}),
    warehouse_id: record.view.warehouseId,
    create_time: new Date(record.created).toISOString(),
    update_time: new Date(record.updated).toISOString(),
    etag: `${record.updated}`,
    ...(includeSerialized ? { serialized_space: serializeSpace(record) } : {}),
  };
}

/** Adds a space from a definition, checked as the Spaces API checks one. */
export function createSpace(scope: GenieScope, definition: GenieSpaceDefinition): GenieSpaceView {
  if (!definition || typeof definition.title !== 'string' || definition.title.trim() === '')
    throw invalid('A Genie space needs a title.');
  const tables = stringList(definition.tables, 'tables');
  if (tables.length === 0) throw invalid('A Genie space needs at least one table.');
  const bad = tables.find((table) => !TABLE_NAME.test(table));
  if (bad) throw invalid(`Table ${bad} is not a full name (catalog.schema.table).`);
  const id = definition.id ?? hexId();
  if (scope.spaces.has(id))
    throw new ApiError(409, 'RESOURCE_ALREADY_EXISTS', `Genie space ${id} already exists.`);
  const view: GenieSpaceView = {
    id,
    title: definition.title,
    description: definition.description,
    tables,
    instructions: definition.instructions,
    sampleQuestions: stringList(definition.sampleQuestions, 'sampleQuestions'),
    servingEndpoint: definition.servingEndpoint ?? scope.settings.defaultEndpoint,
    warehouseId: definition.warehouseId ?? scope.context.ids.warehouseId,
  };
  scope.spaces.set(id, {
    view,
    exampleSql: definition.exampleSql ?? [],
    created: scope.settings.now(),
    updated: scope.settings.now(),
  });
  return view;
}
