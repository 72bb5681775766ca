import { describe, expect, it } from 'vitest';
import { encodeRle, rleCounts } from '../codecs/rle';
import { connectedComponents } from './components';
import { rleParts } from './rleParts';
import { createPrng } from '../schema/prng';

const partsOf = (mask: Uint8Array, w: number, h: number) => rleParts(rleCounts(encodeRle(mask, w, h)), h).sort((a, b) => a - b);

describe('rleParts', () => {
  it('joins parts that touch at a corner, splits those a gap apart, and follows a run wrapping into the next column', () => {
    const w = 6;
    const h = 4;
    const m = new Uint8Array(w * h);
    m[0 * w + 0] = 1; // (0,0)
    m[1 * w + 1] = 1; // (1,1): a corner away, the same part
    m[3 * w + 4] = 1; // (4,3) bottom of column 4 ...
    m[0 * w + 5] = 1; // ... and (5,0) top of column 5: one COCO run, two parts
    expect(partsOf(m, w, h)).toEqual([1, 1, 2]);
  });

  it('agrees with connectedComponents (8-connected) on random masks', () => {
    const prng = createPrng(7);
    const rand = () => prng.next();
    for (let t = 0; t < 200; t++) {
      const w = 1 + Math.floor(rand() * 20);
      const h = 1 + Math.floor(rand() * 20);
      const density = rand();
      const m = new Uint8Array(w * h);
      for (let i = 0; i < m.length; i++) m[i] = rand() < density ? 1 : 0;
      const c = connectedComponents(m, w, h, 8);
      expect(partsOf(m, w, h)).toEqual(c.areas.slice(1).sort((a, b) => a - b));
    }
  });
});
