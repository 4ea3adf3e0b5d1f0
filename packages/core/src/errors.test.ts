import { describe, expect, it } from 'vitest';
import {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksConfigError,
  DatabricksConnectionError,
  DatabricksServiceError,
  isAbortError,
  LakechainError,
  serviceErrorFieldsOf,
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

describe('DatabricksServiceError', () => {
  it('carries what core said about the failed call, whichever core error it was', () => {
    const api = new DatabricksApiError('HTTP 429', {
      statusCode: 429,
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      requestId: 'r-1',
      retryAfterMs: 2_000,
    });
    const fromApi = new DatabricksServiceError('busy', serviceErrorFieldsOf(api));
    expect(fromApi).toMatchObject({
      statusCode: 429,
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      requestId: 'r-1',
      retryable: true,
      retryAfterMs: 2_000,
      cause: api,
    });
    const auth = new DatabricksAuthError('refused', {
      authType: 'oauth-m2m',
      statusCode: 401,
      errorCode: 'invalid_client',
    });
    expect(serviceErrorFieldsOf(auth)).toEqual({
      statusCode: 401,
      errorCode: 'invalid_client',
      retryable: false,
      cause: auth,
    });
    const reset = new DatabricksConnectionError('reset', { code: 'ECONNRESET' });
    expect(serviceErrorFieldsOf(reset)).toEqual({ retryable: true, cause: reset });
    const other = new Error('other');
    expect(serviceErrorFieldsOf(other)).toEqual({ cause: other });
    expect(new DatabricksServiceError('x').retryable).toBe(false);
  });

  it('is a LakechainError recognised by marker, and serialises only its public fields', () => {
    const error = new DatabricksServiceError('busy', {
      statusCode: 503,
      errorCode: 'TEMPORARILY_UNAVAILABLE',
      retryable: true,
      cause: new Error('Authorization: Bearer dapi-secret'),
    });
    expect(DatabricksServiceError.isInstance(error)).toBe(true);
    expect(LakechainError.isInstance(error)).toBe(true);
    expect(DatabricksApiError.isInstance(error)).toBe(false);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'DatabricksServiceError',
      message: 'busy',
      statusCode: 503,
      errorCode: 'TEMPORARILY_UNAVAILABLE',
      retryable: true,
    });
  });
});

describe('isAbortError', () => {
  it('is true for cancellations and signal timeouts only', () => {
    const controller = new AbortController();
    controller.abort();
    expect(isAbortError(controller.signal.reason)).toBe(true);
    expect(isAbortError(new DOMException('The operation timed out.', 'TimeoutError'))).toBe(true);
    expect(isAbortError(new Error('AbortError'))).toBe(false);
    expect(isAbortError('AbortError')).toBe(false);
    expect(isAbortError(null)).toBe(false);
  });
});
