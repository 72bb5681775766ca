import { describe, expect, it } from 'vitest';
import { grid, show } from '../../../../tests/helpers/asciiMask';
import { BOX_MARGIN, clearOutside, keepSeededComponents } from './components';

describe('keepSeededComponents', () => {
  const rows = [
    '##......##', //
    '##.......#',
    '..#.......',
    '...#....##',
    '........##',
  ];

  it('drops the blobs no positive click reaches and keeps a diagonal chain whole', () => {
    const { mask, w, h } = grid(rows);
    keepSeededComponents(mask, w, h, [{ x: 0.5, y: 0.5, positive: true }], 0);
    expect(show(mask, w)).toEqual(['##........', '##........', '..#.......', '...#......', '..........']);
  });

  it('keeps every component a positive click reaches; negative clicks keep nothing', () => {
    const { mask, w, h } = grid(rows);
    keepSeededComponents(mask, w, h, [
      { x: 8, y: 4, positive: true },
      { x: 0, y: 0, positive: false },
    ]);
    expect(show(mask, w)).toEqual(['..........', '..........', '..........', '........##', '........##']);
  });

  it('keeps a blob that lies within the radius of the click, not only under it', () => {
    const { mask, w, h } = grid(rows);
    keepSeededComponents(mask, w, h, [{ x: 6, y: 4, positive: true }], 2);
    expect(show(mask, w)).toEqual(['..........', '..........', '..........', '........##', '........##']);
    const again = grid(rows);
    keepSeededComponents(again.mask, w, h, [{ x: 5, y: 4, positive: true }], 2); // 3 px away
    expect(show(again.mask, w)).toEqual(rows);
  });

  it('floods a component far larger than its initial stack', () => {
    const w = 300;
    const h = 200;
    const mask = new Uint8Array(w * h).fill(1);
    for (let y = 0; y < h; y++) mask[y * w + 250] = 0; // a column splits off a 49 px strip
    keepSeededComponents(mask, w, h, [{ x: 10, y: 10, positive: true }]);
    expect(mask.reduce((a, v) => a + v, 0)).toBe(250 * h);
    expect(mask[5 * w + 260]).toBe(0);
    expect(mask.every((v) => v <= 1)).toBe(true); // no marks left behind
  });

  it('keeps exactly the components a plain 8-connected flood from the seeds reaches (random masks, odd offsets)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let trial = 0; trial < 60; trial++) {
      // Tiny masks too: a 1×2 mask at byte offset 1 has no whole word to shift.
      const w = trial < 20 ? 1 + (trial % 3) : 1 + Math.floor(rand() * 60);
      const h = trial < 20 ? 1 + (trial % 2) : 1 + Math.floor(rand() * 40);
      const density = 0.3 + rand() * 0.4;
      // A view inside a larger buffer at an odd byte offset, as a subarray would be.
      const buf = new Uint8Array(w * h + 3);
      const mask = buf.subarray(trial % 4, trial % 4 + w * h);
      for (let p = 0; p < mask.length; p++) mask[p] = rand() < density ? 1 : 0;
      const seeds = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({ x: rand() * w, y: rand() * h, positive: rand() < 0.8 }));
      const want = floodReference(mask, w, h, seeds, 1);
      keepSeededComponents(mask, w, h, seeds, 1);
      expect(Array.from(mask)).toEqual(Array.from(want));
    }
  });

  it('leaves the mask alone when no positive click lands on it, or clicks lie outside the view', () => {
    for (const seeds of [[], [{ x: 5, y: 2, positive: true }], [{ x: -40, y: 2, positive: true }]]) {
      const { mask, w, h } = grid(rows);
      keepSeededComponents(mask, w, h, seeds, 1);
      expect(show(mask, w)).toEqual(rows);
    }
  });
});

/** The definition: a breadth-first flood over 8 neighbours from every foreground pixel within
 *  `radius` of a positive seed; nothing reached leaves the mask as it is. */
function floodReference(mask: Uint8Array, w: number, h: number, seeds: Array<{ x: number; y: number; positive: boolean }>, radius: number): Uint8Array {
  const keep = new Uint8Array(mask.length);
  const queue: number[] = [];
  for (const s of seeds) {
    if (!s.positive) continue;
    const cx = Math.floor(s.x);
    const cy = Math.floor(s.y);
    for (let y = cy - radius; y <= cy + radius; y++) {
      for (let x = cx - radius; x <= cx + radius; x++) {
        const p = y * w + x;
        if (x >= 0 && y >= 0 && x < w && y < h && (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius && mask[p] && !keep[p]) {
          keep[p] = 1;
          queue.push(p);
        }
      }
    }
  }
  if (!queue.length) return mask.slice();
  while (queue.length) {
    const p = queue.shift()!;
    const x = p % w;
    const y = (p - x) / w;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const q = (y + dy) * w + x + dx;
        if (x + dx >= 0 && x + dx < w && y + dy >= 0 && y + dy < h && mask[q] && !keep[q]) {
          keep[q] = 1;
          queue.push(q);
        }
      }
    }
  }
  return keep;
}

describe('clearOutside', () => {
  const full = Array.from({ length: 8 }, () => '##########');

  it('clears everything more than BOX_MARGIN px outside the box', () => {
    expect(BOX_MARGIN).toBe(1);
    const { mask, w, h } = grid(full);
    clearOutside(mask, w, h, [3, 2, 6, 5], []);
    expect(show(mask, w)).toEqual(['..........', '..#####...', '..#####...', '..#####...', '..#####...', '..#####...', '..........', '..........']);
  });

  it('moves an edge out to a positive click beyond it; negative clicks move nothing', () => {
    const { mask, w, h } = grid(full);
    clearOutside(mask, w, h, [3, 2, 6, 5], [
      { x: 9.5, y: 3, positive: true },
      { x: 0, y: 7, positive: false },
    ]);
    expect(show(mask, w)).toEqual(['..........', '..########', '..########', '..########', '..########', '..########', '..........', '..........']);
  });

  it('copes with a box that reaches past the view (a zoom-in window cuts it)', () => {
    const { mask, w, h } = grid(full);
    clearOutside(mask, w, h, [-20, -3, 4, 40], []);
    expect(show(mask, w)).toEqual(Array.from({ length: 8 }, () => '#####.....'));
  });
});
