import { describe, expect, it } from 'vitest';
import {
  classifyNetworkError,
  classifyStatus,
  mayReplay,
  REPLAY_CLASS,
  replayClassOfMethod,
} from './replay.js';

describe('what a failure proves', () => {
  it.each([
    [429, 'refused'],
    [503, 'refused'],
    [408, 'refused'],
    [500, 'interrupted'],
    [502, 'interrupted'],
    [504, 'interrupted'],
    [501, 'final'],
    [400, 'final'],
    [401, 'final'],
    [404, 'final'],
    [409, 'final'],
  ] as const)('HTTP %i: %s', (status, failure) => {
    expect(classifyStatus(status)).toBe(failure);
  });

  it.each([
    ['ECONNREFUSED', '', 'not-sent'],
    ['UND_ERR_CONNECT_TIMEOUT', '', 'not-sent'],
    ['EAI_AGAIN', '', 'not-sent'],
    ['ECONNRESET', '', 'interrupted'],
    ['EPIPE', '', 'interrupted'],
    ['UND_ERR_SOCKET', '', 'interrupted'],
    ['ETIMEDOUT', '', 'interrupted'],
    [undefined, 'socket hang up', 'interrupted'],
    [undefined, 'Premature close', 'interrupted'],
    [undefined, 'other side closed', 'interrupted'],
    ['ENOTFOUND', '', 'final'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', '', 'final'],
    [undefined, 'something else', 'final'],
  ] as const)('%s %s: %s', (code, message, failure) => {
    expect(classifyNetworkError(code, message)).toBe(failure);
  });
});

describe('the replay rule', () => {
  it('replays what was not sent or was refused, whatever the request', () => {
    for (const replay of ['safe', 'unsafe'] as const) {
      expect(mayReplay('not-sent', replay)).toBe(true);
      expect(mayReplay('refused', replay)).toBe(true);
      expect(mayReplay('final', replay)).toBe(false);
    }
  });

  it('replays what may have been processed only when a replay is safe', () => {
    expect(mayReplay('interrupted', 'safe')).toBe(true);
    expect(mayReplay('interrupted', 'unsafe')).toBe(false);
  });

  it("classifies lakechain's requests once: model invocations and reads are safe, writes and creates are not", () => {
    expect(REPLAY_CLASS).toEqual({
      modelInvocation: 'safe',
      readOnlyStatement: 'safe',
      writeStatement: 'unsafe',
      create: 'unsafe',
    });
    expect(['GET', 'HEAD', 'PUT', 'DELETE', 'get'].map(replayClassOfMethod)).toEqual([
      'safe',
      'safe',
      'safe',
      'safe',
      'safe',
    ]);
    expect(['POST', 'PATCH'].map(replayClassOfMethod)).toEqual(['unsafe', 'unsafe']);
  });
});
