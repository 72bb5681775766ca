import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyedQueue';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('KeyedQueue', () => {
  it('runs the calls of one key one after another, other keys alongside, and forgets idle keys', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([q.run('p1', job('a')), q.run('p1', job('b')), q.run('p2', job('c'))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log.indexOf('a end')).toBeLessThan(log.indexOf('b start'));
    expect(log.indexOf('c start')).toBeLessThan(log.indexOf('a end'));
    await tick();
    expect(q.size).toBe(0);
  });

  it('a failed call rejects its caller only; the next one still runs', async () => {
    const q = new KeyedQueue();
    const failed = q.run('p1', async () => {
      throw new Error('boom');
    });
    const next = q.run('p1', async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });
});
