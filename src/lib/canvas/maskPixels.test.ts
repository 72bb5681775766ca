import { describe, expect, it } from 'vitest';
import { encodeRle, emptyRle } from '../../../shared/codecs/rle';
import { maskPixels, parseColor, tiles } from './maskPixels';

describe('mask texture pixels', () => {
  it('crops to the bounding box and marks the boundary as outline', () => {
    const W = 20;
    const H = 10;
    const data = new Uint8Array(W * H);
    for (let y = 2; y < 7; y++) for (let x = 5; x < 9; x++) data[y * W + x] = 1; // 4 wide, 5 tall
    const px = maskPixels(encodeRle(data, W, H), { color: 0xff0000, fill: 0.5, outline: 1 })!;
    expect([px.x, px.y, px.width, px.height]).toEqual([5, 2, 4, 5]);
    const alpha = (x: number, y: number) => px.rgba[(y * px.width + x) * 4 + 3];
    expect(alpha(0, 0)).toBe(255); // corner: outline
    expect(alpha(1, 2)).toBe(128); // interior: fill
    expect(px.rgba[(2 * px.width + 1) * 4]).toBe(128); // premultiplied red
    expect(px.rgba[(2 * px.width + 1) * 4 + 1]).toBe(0);
  });

  it('handles runs that wrap across columns and an empty mask', () => {
    const W = 3;
    const H = 4;
    const data = new Uint8Array(W * H);
    data[3 * W + 0] = 1; // bottom of column 0
    data[0 * W + 1] = 1; // top of column 1: one run in column-major order
    const px = maskPixels(encodeRle(data, W, H), { color: 0x00ff00, fill: 1, outline: 0 })!;
    expect([px.x, px.y, px.width, px.height]).toEqual([0, 0, 2, 4]);
    const on = [];
    for (let i = 0; i < px.width * px.height; i++) if (px.rgba[i * 4 + 3]) on.push(i);
    expect(on).toEqual([1, 6]); // (1,0) and (0,3)
    expect(maskPixels(emptyRle(8, 8), { color: 0, fill: 1, outline: 1 })).toBeNull();
  });

  it('cuts a texture larger than the GPU allows into tiles that hold the same pixels in place', () => {
    const W = 23;
    const H = 17;
    const data = new Uint8Array(W * H);
    for (let y = 1; y < 16; y++) for (let x = 2; x < 22; x++) if ((x * 7 + y * 3) % 5) data[y * W + x] = 1;
    const px = maskPixels(encodeRle(data, W, H), { color: 0x3366ff, fill: 0.4, outline: 1 })!;
    expect(tiles(px)).toEqual([px]); // fits: untouched
    const parts = tiles(px, 8);
    expect(parts.length).toBe(3 * 2); // 20 x 15 in tiles of 8: 3 across, 2 down
    expect(parts.every((t) => t.width <= 8 && t.height <= 8)).toBe(true);
    // Every pixel of the whole texture is in exactly one tile, at its place.
    let covered = 0;
    for (const t of parts) {
      for (let y = 0; y < t.height; y++) {
        for (let x = 0; x < t.width; x++) {
          const src = ((t.y - px.y + y) * px.width + (t.x - px.x + x)) * 4;
          expect(Array.from(t.rgba.subarray((y * t.width + x) * 4, (y * t.width + x) * 4 + 4))).toEqual(Array.from(px.rgba.subarray(src, src + 4)));
          covered++;
        }
      }
    }
    expect(covered).toBe(px.width * px.height);
  });

  it('parses label colours', () => {
    expect(parseColor('#12ab9F')).toBe(0x12ab9f);
    expect(parseColor('red')).toBe(0x9ca3af);
  });
});
