import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../engines/types';
import { ImageCache } from './ImageCache';

const img = (bytes: number): RgbImage => ({ width: bytes / 3, height: 1, data: new Uint8Array(bytes) });

describe('ImageCache', () => {
  it('evicts least recently used images by bytes, counting engine state, and tells the engines', async () => {
    const extra = new Map<string, number>();
    const evicted: string[] = [];
    const c = new ImageCache(1000, (k) => extra.get(k) ?? 0, (k) => evicted.push(k));
    await c.get('a', async () => img(300));
    await c.get('b', async () => img(300));
    await c.get('a', async () => img(300)); // hit: a becomes most recent
    await c.get('c', async () => img(300));
    expect(c.bytes).toBe(900);
    expect(evicted).toEqual([]);
    // Features for c make it 600: b (least recent) goes first.
    extra.set('c', 300);
    c.touch('c');
    expect(evicted).toEqual(['b']);
    expect(c.keys()).toEqual(['a', 'c']);
    expect(c.bytes).toBe(900);
  });

  it('loads once for concurrent requests, and keeps the image in use even when it alone exceeds the budget', async () => {
    let loads = 0;
    const c = new ImageCache(100, () => 0, () => {});
    const load = async () => {
      loads++;
      return img(600);
    };
    const [x, y] = await Promise.all([c.get('big', load), c.get('big', load)]);
    expect(loads).toBe(1);
    expect(x.image).toBe(y.image);
    expect(c.has('big')).toBe(true);
    await c.get('next', load);
    expect(c.has('big')).toBe(false);
    expect(c.has('next')).toBe(true);
  });
});
