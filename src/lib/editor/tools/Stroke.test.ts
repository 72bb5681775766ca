import { describe, expect, it } from 'vitest';
import { Stroke } from './Stroke';
import type { ToolPreview } from './types';

function stroke() {
  const previews: Array<ToolPreview | null> = [];
  return { s: new Stroke({ setPreview: (p) => previews.push(p) }), previews };
}

describe('Stroke', () => {
  it('keeps points at least minDist apart and hands them over once on finish', () => {
    const { s, previews } = stroke();
    expect(s.finish()).toBeNull();
    expect(s.extend({ x: 1, y: 1 }, 0)).toBe(false); // no stroke yet
    s.begin({ x: 0, y: 0 });
    expect(s.extend({ x: 1, y: 0 }, 2)).toBe(false);
    expect(s.extend({ x: 3, y: 0 }, 2)).toBe(true);
    expect(s.drawing).toBe(true);
    expect(s.finish()).toEqual([{ x: 0, y: 0 }, { x: 3, y: 0 }]);
    expect(previews).toEqual([null]);
    expect(s.drawing).toBe(false);
    expect(s.finish()).toBeNull();
  });

  it('Escape drops a stroke in progress only; cancel always clears the preview', () => {
    const { s, previews } = stroke();
    expect(s.escape('Escape')).toBe(false);
    expect(previews).toEqual([]);
    s.begin({ x: 0, y: 0 });
    expect(s.escape('Enter')).toBe(false);
    expect(s.escape('Escape')).toBe(true);
    expect(s.points).toBeNull();
    expect(previews).toEqual([null]);
    expect(s.cancel()).toBe(false);
    expect(previews).toEqual([null, null]);
  });
});
