import { describe, expect, it } from 'vitest';
import { MaskPool, freshBuffers } from './maskBuffers';

const MB = 1 << 20;

describe('MaskPool', () => {
  it('lends a given-back buffer again, zeroed', () => {
    const pool = new MaskPool(8 * MB, MB);
    const a = pool.take(2 * MB);
    a.fill(7, 100, 5000);
    a[a.length - 1] = 1;
    pool.give(a);
    const b = pool.take(2 * MB);
    expect(b.buffer).toBe(a.buffer); // recycled, not a fresh array
    expect(b.length).toBe(2 * MB);
    expect(b.every((v) => v === 0)).toBe(true);
  });

  it('lends the smallest free buffer that holds the request, as a view of its size', () => {
    const pool = new MaskPool(16 * MB, MB);
    const big = pool.take(4 * MB);
    const small = pool.take(2 * MB);
    pool.give(big);
    pool.give(small);
    const c = pool.take(MB + 5);
    expect(c.buffer).toBe(small.buffer);
    expect(c.length).toBe(MB + 5);
    expect(pool.take(3 * MB).buffer).toBe(big.buffer);
    expect(pool.take(3 * MB).buffer).not.toBe(big.buffer); // none left: a fresh one
  });

  it('never lends one buffer twice: a second give, or a foreign array, is ignored', () => {
    const pool = new MaskPool(16 * MB, MB);
    const a = pool.take(2 * MB);
    pool.give(a);
    pool.give(a);
    pool.give(new Uint8Array(2 * MB)); // not the pool's
    const x = pool.take(2 * MB);
    const y = pool.take(2 * MB);
    expect(x.buffer).toBe(a.buffer);
    expect(y.buffer).not.toBe(a.buffer);
    expect(pool.keptBytes).toBe(0);
  });

  it('keeps at most maxBytes; small masks are plain arrays', () => {
    const pool = new MaskPool(5 * MB, MB);
    const bufs = [pool.take(2 * MB), pool.take(2 * MB), pool.take(2 * MB)];
    for (const b of bufs) pool.give(b);
    expect(pool.keptBytes).toBe(4 * MB); // the oldest given back was dropped
    expect(pool.take(2 * MB).buffer).not.toBe(bufs[0].buffer);
    const tiny = pool.take(1000);
    pool.give(tiny);
    expect(pool.take(1000).buffer).not.toBe(tiny.buffer);
  });

  it('reserve keeps buffers ready for a photo size, within maxBytes, and lends them zeroed', async () => {
    const pool = new MaskPool(7 * MB, MB);
    const held = pool.take(3 * MB); // on loan: not counted as ready
    await pool.reserve(2 * MB, 3);
    expect(pool.keptBytes).toBe(6 * MB); // a fourth 2 MB buffer would pass the cap
    const a = pool.take(2 * MB);
    const b = pool.take(2 * MB);
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.every((v) => v === 0) && b.every((v) => v === 0)).toBe(true);
    pool.give(a);
    pool.give(held);
    await pool.reserve(2 * MB, 3); // three free buffers hold 2 MB already: nothing more
    expect(pool.keptBytes).toBe(7 * MB);
    await pool.reserve(1000, 3); // too small to pool
    expect(pool.keptBytes).toBe(7 * MB);
  });

  it('freshBuffers hands out zeroed arrays and keeps nothing', () => {
    const a = freshBuffers.take(10);
    a.fill(1);
    freshBuffers.give(a);
    expect([...freshBuffers.take(10)]).toEqual(new Array(10).fill(0));
  });
});
