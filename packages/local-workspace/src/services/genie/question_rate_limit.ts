/**
 * Genie's question rate limit: a sliding window over the questions (new conversations and
 * follow-ups) of the whole workspace, five a minute by default, as Databricks documents it. A
 * question over the limit is refused with 429 `REQUEST_LIMIT_EXCEEDED` and a `Retry-After` of
 * the seconds until the oldest question in the window leaves it.
 */
import { ApiError } from '../../platform/errors.js';
import type { GenieRateLimit } from './types.js';

export interface QuestionRateLimit {
  /** Counts a question, or throws the 429 that refuses it. */
  admit(): void;
  /** Replaces the limit (`false`: none) and empties the window. */
  setLimit(limit: GenieRateLimit | false): void;
  /** Empties the window; the counts stay. */
  clearWindow(): void;
  readonly questionCount: number;
  readonly rejectedQuestionCount: number;
}

function withDefaults(limit: GenieRateLimit | false | undefined): Required<GenieRateLimit> | false {
  return limit === false
    ? false
    : {
        questionsPerMinute: limit?.questionsPerMinute ?? 5,
        windowMs: limit?.windowMs ?? 60_000,
      };
}

export function createQuestionRateLimit(
  now: () => number,
  initial: GenieRateLimit | false | undefined,
): QuestionRateLimit {
  let rateLimit = withDefaults(initial);
  let admitted: number[] = [];
  let questionCount = 0;
  let rejectedQuestionCount = 0;
  return {
    admit() {
      if (rateLimit) {
        const cutoff = now() - rateLimit.windowMs;
        admitted = admitted.filter((time) => time > cutoff);
        if (admitted.length >= rateLimit.questionsPerMinute) {
          rejectedQuestionCount += 1;
          const waitMs = (admitted[0] ?? now()) + rateLimit.windowMs - now();
          const seconds = Math.max(1, Math.ceil(waitMs / 1000));
          throw new ApiError(
            429,
            'REQUEST_LIMIT_EXCEEDED',
            `Genie accepts ${rateLimit.questionsPerMinute} questions per ${rateLimit.windowMs / 1000} seconds in this workspace; retry after ${seconds} seconds.`,
            { headers: { 'retry-after': String(seconds) } },
          );
        }
        admitted.push(now());
      }
      questionCount += 1;
    },
    setLimit(limit) {
      rateLimit = withDefaults(limit);
      admitted = [];
    },
    clearWindow() {
      admitted = [];
    },
    get questionCount() {
      return questionCount;
    },
    get rejectedQuestionCount() {
      return rejectedQuestionCount;
    },
  };
}
