/** Constructor-time validation shared by the models: the error names the option at fault. */
import { DatabricksConfigError } from '@lakechain/core';
import type { z } from 'zod';

export function validateOptions<T>(className: string, schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const option = issue?.path.map(String).join('.') || undefined;
  const message = option
    ? `${className}: invalid option "${option}": ${issue?.message}`
    : `${className}: ${issue?.message ?? 'invalid options'}`;
  throw new DatabricksConfigError(message, { option });
}

export function optionError(
  className: string,
  option: string,
  message: string,
): DatabricksConfigError {
  return new DatabricksConfigError(`${className}: ${message}`, { option });
}

/** Drops undefined values so unset parameters never reach the wire (Anthropic rejects `stop: null`). */
export function compact<T extends Record<string, unknown>>(record: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out as Partial<T>;
}
