import { describe, expect, it } from 'vitest';
import {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksConfigError,
  DatabricksConnectionError,
  LakechainError,
} from './errors.js';

describe('error classes', () => {
  it('are recognised by marker, not by prototype, so duplicated package copies still match', () => {
    const foreign = Object.assign(new Error('from another copy'), {
      [Symbol.for('lakechain.error')]: true,
      [Symbol.for('lakechain.error.api')]: true,
    });
    expect(DatabricksApiError.isInstance(foreign)).toBe(true);
    expect(LakechainError.isInstance(foreign)).toBe(true);
    expect(DatabricksConfigError.isInstance(foreign)).toBe(false);
  });

  it('keep subclass markers distinct', () => {
    const api = new DatabricksApiError('nope', { statusCode: 404, errorCode: 'NOT_FOUND' });
    expect(DatabricksApiError.isInstance(api)).toBe(true);
    expect(DatabricksAuthError.isInstance(api)).toBe(false);
    expect(DatabricksConnectionError.isInstance(api)).toBe(false);
    expect(LakechainError.isInstance(api)).toBe(true);
    expect(api).toBeInstanceOf(Error);
    expect(LakechainError.isInstance(new Error('plain'))).toBe(false);
    expect(LakechainError.isInstance(null)).toBe(false);
  });

  it('derive retryable from the status when not given', () => {
    expect(new DatabricksApiError('x', { statusCode: 429 }).retryable).toBe(true);
    expect(new DatabricksApiError('x', { statusCode: 503 }).retryable).toBe(true);
    expect(new DatabricksApiError('x', { statusCode: 400 }).retryable).toBe(false);
    expect(new DatabricksApiError('x', { statusCode: 500 }).retryable).toBe(false);
  });

  it('serialise only their public fields', () => {
    const error = new DatabricksConfigError('No host', { option: 'host', file: '/x', line: 3 });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'DatabricksConfigError',
      message: 'No host',
      option: 'host',
      file: '/x',
      line: 3,
    });
  });
});
