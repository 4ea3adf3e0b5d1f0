import { LakechainError } from '@lakechain/core';
import { describe, expect, it } from 'vitest';
import {
  DatabricksSqlError,
  isSessionGoneError,
  parseDatabricksMessage,
  toDatabricksSqlError,
} from './errors.js';
import { FakeStatusError } from './testing/fake_driver.js';

const NOT_FOUND =
  '[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. Verify the spelling and correctness of the schema and catalog. SQLSTATE: 42P01; line 1 pos 14';

describe('toDatabricksSqlError', () => {
  it('turns a StatusError-shaped object (not an Error) into a real Error', () => {
    const raw = new FakeStatusError(NOT_FOUND);
    expect(raw instanceof Error).toBe(false);
    expect(`${raw}`).toBe('[object Object]');
    const e = toDatabricksSqlError(raw, { statement: 'SELECT * FROM nope' }) as DatabricksSqlError;
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(LakechainError);
    expect(DatabricksSqlError.isInstance(e)).toBe(true);
    expect(e.errorClass).toBe('TABLE_OR_VIEW_NOT_FOUND');
    expect(e.sqlState).toBe('42P01');
    expect(e.kind).toBe('sql');
    expect(e.statement).toBe('SELECT * FROM nope');
    expect(`${e}`).toContain('[TABLE_OR_VIEW_NOT_FOUND]');
    expect(e.message).toMatch(/Hint: Use only the tables listed/);
  });

  it('reads OperationStateError responses (displayMessage, sqlState)', () => {
    const opError = Object.assign(new Error('The operation failed due to an error'), {
      errorCode: 'ERROR',
      response: {
        displayMessage: '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `x` cannot be resolved.',
        sqlState: '42703',
      },
    });
    const e = toDatabricksSqlError(opError) as DatabricksSqlError;
    expect(e.errorClass).toBe('UNRESOLVED_COLUMN.WITH_SUGGESTION');
    expect(e.sqlState).toBe('42703');
    expect(e.message).toContain('SQLSTATE: 42703');
    expect(e.message).toMatch(/Use only the columns shown/);
  });

  it('maps cancel and timeout states', () => {
    const canceled = toDatabricksSqlError(
      Object.assign(new Error('canceled'), { errorCode: 'CANCELED' }),
    );
    expect((canceled as DatabricksSqlError).kind).toBe('canceled');
    const timeout = toDatabricksSqlError(Object.assign(new Error('x'), { errorCode: 'TIMEOUT' }));
    expect((timeout as DatabricksSqlError).kind).toBe('timeout');
    expect(timeout.message).toMatch(/timed out/i);
  });

  it('explains RetryError', () => {
    const retry = Object.assign(new Error('retries'), {
      errorCode: 'ATTEMPTS_EXCEEDED',
      payload: { status: 503, statusText: 'Service Unavailable' },
    });
    const e = toDatabricksSqlError(retry) as DatabricksSqlError;
    expect(e.kind).toBe('connection');
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('HTTP 503');
  });

  it('handles network errors, strings and plain objects', () => {
    const net = toDatabricksSqlError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    expect((net as DatabricksSqlError).kind).toBe('connection');
    expect(toDatabricksSqlError('boom').message).toContain('boom');
    expect(toDatabricksSqlError({ weird: true }).message).toContain('{"weird":true}');
  });

  it('explains HTTP statuses from the Thrift transport', () => {
    const e401 = toDatabricksSqlError(
      new Error('Received a response with a bad HTTP status code: 401'),
    );
    expect((e401 as DatabricksSqlError).kind).toBe('auth');
    expect(e401.message).toMatch(/rejected the credentials \(HTTP 401\)/);
    const e404 = toDatabricksSqlError(Object.assign(new Error('x'), { statusCode: 404 }));
    expect(e404.message).toMatch(/warehouseId, clusterId or httpPath/);
    const e503 = toDatabricksSqlError(
      new Error('Received a response with a bad HTTP status code: 503'),
    );
    expect((e503 as DatabricksSqlError).retryable).toBe(true);
  });

  it('passes lakechain errors through', () => {
    const original = new DatabricksSqlError('x');
    expect(toDatabricksSqlError(original)).toBe(original);
  });
});

describe('helpers', () => {
  it('parses error class and SQLSTATE anywhere in the message', () => {
    expect(parseDatabricksMessage(`org.apache.spark.sql.AnalysisException: ${NOT_FOUND}`)).toEqual({
      errorClass: 'TABLE_OR_VIEW_NOT_FOUND',
      sqlState: '42P01',
    });
    expect(parseDatabricksMessage('plain')).toEqual({ errorClass: undefined, sqlState: undefined });
  });
  it('recognises session-gone errors', () => {
    expect(isSessionGoneError(new FakeStatusError('Invalid SessionHandle: abc'))).toBe(true);
    expect(isSessionGoneError({ message: '[INVALID_HANDLE.SESSION_NOT_FOUND] gone' })).toBe(true);
    expect(isSessionGoneError(new FakeStatusError(NOT_FOUND))).toBe(false);
  });
});
