/**
 * What the scripted Responses and ChatAgent handlers share: the agent's own tool runs
 * (`AgentStepScript`), and the ids of output items, messages and tool calls. Call ids are derived
 * from the tool's name and position, so a test can predict them; item ids count up per process.
 */
import { createHash } from 'node:crypto';

/** A tool the agent ran itself: its call and its output are part of the answer. */
export interface AgentStepScript {
  name: string;
  arguments: string | Record<string, unknown>;
  output: string;
}

let sequence = 0;
/** A fresh id for an output item, message or response (`msg_local00000001`, ...). */
export const nextId = (prefix: string) =>
  `${prefix}_local${(++sequence).toString().padStart(8, '0')}`;

/** Tool-call arguments as the JSON text the wire formats carry. */
export function argumentsText(value: string | Record<string, unknown>): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A deterministic call id: the prefix, the call's position and a hash of the tool's name. */
export function callId(name: string, index: number, prefix: string): string {
  return `${prefix}_${index}_${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
}
