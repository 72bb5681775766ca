// Label Studio's brush RLE written from a mask and read into one, against rle-pack itself (the
// library Label Studio encodes and decodes brushes with): what is written decodes with rle-pack to
// the mask's RGBA, and what rle-pack writes of any RGBA reads as its alpha.
import { decode as unpackRle, encode as packRle } from '@thi.ng/rle-pack';
import { describe, expect, it } from 'vitest';
import { decodeLsBrush, encodeLsBrush } from './lsBrush';
import { encodeRle } from './rle';

function rgbaOf(px: Uint8Array): Uint8Array {
  const rgba = new Uint8Array(px.length * 4);
  px.forEach((v, i) => v && rgba.fill(255, 4 * i, 4 * i + 4));
  return rgba;
}

function mask(w: number, h: number, on: (x: number, y: number) => boolean): Uint8Array {
  const px = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[y * w + x] = on(x, y) ? 1 : 0;
  return px;
}

const CASES: Array<[string, number, number, (x: number, y: number) => boolean]> = [
  ['a ring (a hole)', 40, 30, (x, y) => Math.hypot(x - 12, y - 14) <= 10 && Math.hypot(x - 12, y - 14) > 4],
  ['empty', 17, 9, () => false],
  ['full', 9, 17, () => true],
  ['one column', 1, 50, (_, y) => y % 3 === 0],
  ['single pixels at the corners', 31, 7, (x, y) => (x === 0 && y === 0) || (x === 30 && y === 6)],
  ['runs past 65,536 values (a 300x300 square)', 400, 400, (x, y) => x >= 50 && x < 350 && y >= 50 && y < 350],
  ['noise', 64, 48, (x, y) => (x * 7919 + y * 104729) % 13 < 5],
];

describe('encodeLsBrush', () => {
  for (const [name, w, h, on] of CASES) {
    it(`decodes with rle-pack to the mask's RGBA: ${name}`, () => {
      const px = mask(w, h, on);
      const rle = encodeLsBrush(encodeRle(px, w, h));
      expect(rle.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
      expect(unpackRle(Uint8Array.from(rle))).toEqual(rgbaOf(px));
      expect(decodeLsBrush(Uint8Array.from(rle), w, h)).toEqual(px);
    });
  }

  it("is no larger than rle-pack's own encoding of a smooth mask", () => {
    const px = mask(400, 400, (x, y) => Math.hypot(x - 200, y - 200) < 150);
    const rgba = rgbaOf(px);
    expect(encodeLsBrush(encodeRle(px, 400, 400)).length).toBeLessThanOrEqual(packRle(rgba, rgba.length, 8).length);
  });
});

describe('decodeLsBrush', () => {
  // Brushes as a painter leaves them, so that records of both kinds start and end anywhere in a
  // pixel: white with full alpha; colour of every value and alpha 128-255 on the object, 0-120 off
  // it (literal stretches); black with alpha only (a repeat of 0 running into a pixel's alpha).
  const PAINTINGS: Array<[string, (on: boolean, i: number) => number[]]> = [
    ['white', (on) => (on ? [255, 255, 255, 255] : [0, 0, 0, 0])],
    ['coloured', (on, i) => [(i * 37) % 256, 200, i % 5 ? 200 : 17, on ? 128 + ((i * 13) % 128) * (i % 7 ? 0 : 1) : (i % 11) * (i % 3 ? 0 : 11)]],
    ['alpha only', (on) => [0, 0, 0, on ? 200 : 0]],
  ];
  for (const [name, w, h, on] of CASES) {
    for (const [painting, paint] of PAINTINGS) {
      it(`reads rle-pack's encoding as the alpha: ${name}, ${painting}`, () => {
        const px = mask(w, h, on);
        const rgba = new Uint8Array(w * h * 4);
        px.forEach((v, i) => rgba.set(paint(v === 1, i), 4 * i));
        const want = new Uint8Array(w * h).map((_, i) => (rgba[4 * i + 3] >= 128 ? 1 : 0));
        expect(decodeLsBrush(packRle(rgba, rgba.length, 8), w, h)).toEqual(want);
      });
    }
  }

  it('refuses a brush of another size before allocating what its header claims, and one not of bytes', () => {
    const px = mask(10, 10, (x) => x < 5);
    const rgba = rgbaOf(px);
    const bytes = packRle(rgba, rgba.length, 8);
    expect(() => decodeLsBrush(bytes, 11, 10)).toThrow('its brush holds 100 pixels, the image 110');
    const huge = Uint8Array.from(bytes);
    huge.set([0xff, 0xff, 0xff, 0xfc]); // 4 G values claimed
    expect(() => decodeLsBrush(huge, 10, 10)).toThrow('its brush holds 1073741823 pixels, the image 100');
    expect(() => decodeLsBrush(packRle(new Uint16Array(400), 400, 16), 10, 10)).toThrow('16-bit');
    expect(() => decodeLsBrush(bytes.slice(0, 6), 10, 10)).toThrow();
  });
});
