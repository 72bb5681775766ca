import { describe, expect, it } from 'vitest';
import { BOX_MARGIN, clearOutside, keepSeededComponents } from './components';

/** A mask from rows of '#' (object) and '.' (background). */
function grid(rows: string[]): { mask: Uint8Array; w: number; h: number } {
  const w = rows[0].length;
  const mask = new Uint8Array(w * rows.length);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * w + x] = c === '#' ? 1 : 0)));
  return { mask, w, h: rows.length };
}

function show(mask: Uint8Array, w: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < mask.length; i += w) out.push([...mask.subarray(i, i + w)].map((v) => (v ? '#' : '.')).join(''));
  return out;
}

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

  it('leaves the mask alone when no positive click lands on it, or clicks lie outside the view', () => {
    for (const seeds of [[], [{ x: 5, y: 2, positive: true }], [{ x: -40, y: 2, positive: true }]]) {
      const { mask, w, h } = grid(rows);
      keepSeededComponents(mask, w, h, seeds, 1);
      expect(show(mask, w)).toEqual(rows);
    }
  });
});

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
