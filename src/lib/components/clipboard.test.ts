// The clipboard as another tab or build left it in localStorage: today's list of objects, the
// single object of before multi-selection, and garbage.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRle } from '../../../shared/codecs/rle';
import type { CopiedObjects } from '../editor/EditorSession';
import { loadCopied, saveCopied } from './clipboard';

const store = new Map<string, string>();
beforeEach(() => {
  (globalThis as { localStorage?: unknown }).localStorage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  };
});
afterEach(() => {
  store.clear();
  delete (globalThis as { localStorage?: unknown }).localStorage;
});

const mask = encodeRle(new Uint8Array([0, 1, 1, 0, 0, 1]), 3, 2);

describe('object clipboard', () => {
  it('reads back what it saved, and an older tab’s single object as a list of one', () => {
    const c: CopiedObjects = { width: 3, height: 2, objects: [{ label: 'car', mask, attributes: { occluded: true } }, { label: 'bus', mask, attributes: {} }] };
    expect(saveCopied(c)).toBe(true);
    expect(loadCopied()).toEqual(c);
    store.set('tandem.clipboard', JSON.stringify({ label: 'dog', mask, attributes: {}, width: 3, height: 2 }));
    expect(loadCopied()).toEqual({ width: 3, height: 2, objects: [{ label: 'dog', mask, attributes: {} }] });
  });

  it('gives nothing for garbage, an empty list or a bad size', () => {
    for (const bad of ['{', '42', JSON.stringify({ width: 3, height: 2, objects: [] }), JSON.stringify({ width: -1, height: 2, objects: [{ label: 'a', mask, attributes: {} }] })]) {
      store.set('tandem.clipboard', bad);
      expect(loadCopied()).toBeNull();
    }
  });
});
