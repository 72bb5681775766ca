import { describe, expect, it } from 'vitest';
import { PartFailed, sendInParts } from './sendInParts';

const ids = Array.from({ length: 7 }, (_, i) => `t${i}`);

describe('sending a bulk action in parts', () => {
  it('sends every task once, in order, in parts of the size, and says how far it got after each', async () => {
    const parts: string[][] = [];
    const progress: Array<[number, number]> = [];
    await sendInParts(ids, 3, async (p) => void parts.push(p), (done, of) => progress.push([done, of]));
    expect(parts).toEqual([['t0', 't1', 't2'], ['t3', 't4', 't5'], ['t6']]);
    expect(progress).toEqual([[3, 7], [6, 7], [7, 7]]);
  });

  it('stops at the first part that fails, saying how many were done before it, and sends nothing after', async () => {
    const parts: string[][] = [];
    const failure = new Error('the server said no');
    const run = sendInParts(ids, 3, async (p) => {
      if (p[0] === 't3') throw failure;
      parts.push(p);
    });
    await expect(run).rejects.toBeInstanceOf(PartFailed);
    const e = (await run.catch((x: unknown) => x)) as PartFailed;
    expect([e.sent, e.of, e.message, e.failure]).toEqual([3, 7, 'the server said no', failure]);
    expect(parts).toEqual([['t0', 't1', 't2']]);
  });

  it('sends nothing for no tasks and refuses a part size under one', async () => {
    let calls = 0;
    await sendInParts([], 3, async () => void calls++);
    expect(calls).toBe(0);
    await expect(sendInParts(ids, 0, async () => void calls++)).rejects.toThrow(RangeError);
    expect(calls).toBe(0);
  });
});
