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

  it('lets a spare load push out only images not in use, else drops it instead', async () => {
    const extra = new Map<string, number>();
    const evicted: string[] = [];
    const c = new ImageCache(1000, (k) => extra.get(k) ?? 0, (k) => evicted.push(k));
    await c.get('left', async () => img(300)); // a task nobody has open any more
    await c.get('open', async () => img(600)); // the image of the last job
    const spare = { inUse: new Set<string>() };
    expect(c.spareRoom(spare)).toBe(100 + 300);
    // 600 more: even without 'left' it would not fit, so it drops itself and both stay.
    const got = await c.get('ahead', async () => img(600), spare);
    expect(got.image.data.byteLength).toBe(600); // the caller still gets the image
    expect(c.keys()).toEqual(['left', 'open']);
    expect(evicted).toEqual(['ahead']);
    // While someone has 'left' open, a 300-byte load ahead does not fit either.
    await c.get('next', async () => img(300), { inUse: new Set(['left']) });
    expect(c.keys()).toEqual(['left', 'open']);
    // Once nobody has, it fits by pushing 'left' out; 'open' stays.
    await c.get('next', async () => img(300), spare);
    expect(c.keys()).toEqual(['open', 'next']);
    expect(evicted).toEqual(['ahead', 'next', 'left']);
    // Its features would push it over, and 'open' is in use: it goes, 'open' stays.
    extra.set('next', 300);
    c.touch('next', spare);
    expect(c.keys()).toEqual(['open']);
    expect(c.bytes).toBe(600);
  });
});
