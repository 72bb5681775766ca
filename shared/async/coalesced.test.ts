import { describe, expect, it } from 'vitest';
import { coalesced } from './coalesced';

describe('coalesced', () => {
  it('runs once more after the run going on however often it was asked meanwhile, never beside itself', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    let release = () => {};
    const run = coalesced(async () => {
      runs++;
      most = Math.max(most, ++active);
      if (runs === 1) await new Promise<void>((r) => (release = r));
      active--;
    }, () => {});
    void run();
    void run();
    void run();
    expect(runs).toBe(1);
    release();
    await run.idle();
    expect([runs, most]).toEqual([2, 1]);
  });

  it('hands a failure to onError and runs again when asked', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const run = coalesced(async () => {
      if (++n === 1) throw new Error('database blinked');
    }, (e) => errors.push(e));
    await run();
    await run();
    expect([n, (errors[0] as Error).message, errors.length]).toEqual([2, 'database blinked', 1]);
  });

  it('runs no more once stopped', async () => {
    let stopped = false;
    let n = 0;
    let release = () => {};
    const run = coalesced(async () => {
      if (++n === 1) await new Promise<void>((r) => (release = r));
    }, () => {}, () => stopped);
    void run();
    void run();
    stopped = true;
    release();
    await run.idle();
    expect(n).toBe(1);
  });
});
