import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { Role } from '../../shared/protocol/roles';
import type { Auth } from '../auth/types';
import type { Task, User } from '../storage/types';
import { withdrawnAccess, type OpenSocket } from './accessSweep';

/** An Auth over a table of tokens and roles; `fail` makes the store stop answering. */
function tableAuth(tokens: Record<string, string | 'expired'>, roles: Record<string, Role>, calls: string[], fail = false): Auth {
  const user = (id: string) => ({ id, name: id, isAdmin: false }) as unknown as User;
  return {
    async authenticate(token) {
      calls.push(`token ${token}`);
      if (fail) throw new Error('connection refused');
      const id = tokens[token ?? ''];
      if (id === 'expired') throw new TandemError(ErrorCode.TokenExpired, 'token expired');
      if (!id) throw new TandemError(ErrorCode.Unauthorized, 'unknown token');
      return user(id);
    },
    async signIn() {
      throw new Error('not used');
    },
    async projectRole() {
      throw new Error('not used');
    },
    async taskAccess(u, taskId) {
      calls.push(`access ${u.id} ${taskId}`);
      if (taskId === 'gone') throw new TandemError(ErrorCode.NotFound, 'task not found');
      const role = roles[u.id];
      if (!role) throw new TandemError(ErrorCode.Forbidden, 'not a member');
      return { task: { id: taskId } as unknown as Task, role };
    },
  };
}

describe('withdrawnAccess', () => {
  const sock = (token: string, userId: string, taskId: string, role: Role): OpenSocket => ({ token, userId, taskId, role });

  it('gives each socket whose access went its close code, and leaves the others', async () => {
    const calls: string[] = [];
    const auth = tableAuth({ a: 'ann', b: 'bob', c: 'cat', old: 'expired' }, { ann: 'annotator', bob: 'viewer' }, calls);
    const same = sock('a', 'ann', 't1', 'annotator');
    const sameOtherRoom = sock('a', 'ann', 't1', 'annotator');
    const demoted = sock('b', 'bob', 't1', 'reviewer');
    const removed = sock('c', 'cat', 't1', 'annotator');
    const expired = sock('old', 'ann', 't1', 'annotator');
    const revoked = sock('zzz', 'ann', 't1', 'annotator');
    const deleted = sock('a', 'ann', 'gone', 'annotator');
    const out = await withdrawnAccess([same, sameOtherRoom, demoted, removed, expired, revoked, deleted], auth);
    expect(out.has(same)).toBe(false);
    expect(out.has(sameOtherRoom)).toBe(false);
    expect(out.get(demoted)?.code).toBe(CloseCode.Reconnect);
    expect(out.get(removed)?.code).toBe(CloseCode.Forbidden);
    expect(out.get(expired)).toEqual({ code: CloseCode.Unauthorized, reason: 'token_expired: token expired' });
    expect(out.get(revoked)?.code).toBe(CloseCode.Unauthorized);
    expect(out.get(deleted)?.code).toBe(CloseCode.UnknownRoom);
    // One lookup per token and per (user, task), however many sockets share them.
    expect(calls.filter((c) => c === 'token a')).toHaveLength(1);
    expect(calls.filter((c) => c === 'access ann t1')).toHaveLength(1);
  });

  it('closes nothing when the store does not answer: it throws, and the next sweep tries again', async () => {
    const auth = tableAuth({ a: 'ann' }, { ann: 'annotator' }, [], true);
    await expect(withdrawnAccess([sock('a', 'ann', 't1', 'annotator')], auth)).rejects.toThrow('connection refused');
  });
});
