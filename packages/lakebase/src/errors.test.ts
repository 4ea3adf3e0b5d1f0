import { inspect } from 'node:util';
import { DatabricksApiError, LakechainError } from '@lakechain/core';
import { describe, expect, it } from 'vitest';
import {
  isAuthenticationFailure,
  LakebaseConnectionError,
  LakebaseError,
  LakebaseInstanceNotAvailableError,
  LakebaseInstanceNotFoundError,
  LakebasePermissionError,
  LakebasePgvectorMissingError,
  toLakebaseError,
} from './errors.js';

/** The shape of a `pg` DatabaseError or Node socket error. */
function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

const context = {
  instanceName: 'agent-memory',
  user: 'ada@example.com',
  host: 'db.example',
  port: 5432,
};

describe('toLakebaseError', () => {
  it('maps privileges, pgvector, logins, outages and TLS to typed errors', () => {
    const denied = toLakebaseError(pgError('permission denied for schema app', '42501'), context);
    expect(LakebasePermissionError.isInstance(denied)).toBe(true);
    expect((denied as LakebasePermissionError).user).toBe('ada@example.com');

    const vector = toLakebaseError(
      pgError('extension "vector" is not available', '0A000'),
      context,
    );
    expect(LakebasePgvectorMissingError.isInstance(vector)).toBe(true);

    const login = toLakebaseError(
      pgError('RADIUS authentication failed for user "ada"', '28000'),
      context,
    );
    expect(LakebaseConnectionError.isInstance(login)).toBe(true);
    expect(login).toMatchObject({ code: '28000', retryable: false });

    for (const [message, code] of [
      ['connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'],
      ['terminating connection due to administrator command', '57P01'],
      ['Connection terminated unexpectedly', undefined],
    ] as const) {
      const down = toLakebaseError(pgError(message, code), context);
      expect(LakebaseConnectionError.isInstance(down), message).toBe(true);
      expect((down as LakebaseConnectionError).retryable).toBe(true);
      expect((down as Error).message).toContain('at db.example:5432');
    }

    const tls = toLakebaseError(
      pgError('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
      context,
    );
    expect((tls as Error).message).toContain('tls: { ca }');
  });

  it('leaves SQL errors and core errors as they are', () => {
    const syntax = pgError('syntax error at or near "SELEC"', '42601');
    expect(toLakebaseError(syntax, context)).toBe(syntax);
    const api = new DatabricksApiError('boom', { statusCode: 500 });
    expect(toLakebaseError(api, context)).toBe(api);
    const typed = new LakebaseInstanceNotFoundError('x');
    expect(toLakebaseError(typed, context)).toBe(typed);
  });

  it('recognises refused logins by SQLSTATE class 28', () => {
    expect(isAuthenticationFailure(pgError('password authentication failed', '28P01'))).toBe(true);
    expect(isAuthenticationFailure(pgError('RADIUS authentication failed', '28000'))).toBe(true);
    expect(isAuthenticationFailure(pgError('nope', '42501'))).toBe(false);
  });
});

describe('error classes', () => {
  it('are recognised across copies through their markers, and say what to do', () => {
    const stopped = new LakebaseInstanceNotAvailableError('agent-memory', 'STOPPED');
    expect(LakebaseError.isInstance(stopped)).toBe(true);
    expect(LakechainError.isInstance(stopped)).toBe(true);
    expect(LakebaseInstanceNotFoundError.isInstance(stopped)).toBe(false);
    expect(stopped.message).toContain('"stopped": false');
    expect(new LakebaseInstanceNotAvailableError('db', 'STARTING').message).toContain('Wait until');
    // A plain object with the marker (another copy of the package) passes too.
    const foreign = { [Symbol.for('lakechain.error.lakebase.instance-not-available')]: true };
    expect(LakebaseInstanceNotAvailableError.isInstance(foreign)).toBe(true);
    expect(stopped.toJSON()).toEqual({
      name: 'LakebaseInstanceNotAvailableError',
      message: stopped.message,
      instanceName: 'agent-memory',
      state: 'STOPPED',
    });
    expect(inspect(new LakebasePgvectorMissingError())).toContain('CREATE EXTENSION vector');
  });
});
