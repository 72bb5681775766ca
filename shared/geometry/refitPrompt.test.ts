import { describe, expect, it } from 'vitest';
import { refitPrompt } from './refitPrompt';

function maskOf(width: number, height: number, inside: (x: number, y: number) => boolean): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) m[y * width + x] = inside(x, y) ? 1 : 0;
  return m;
}

describe('re-fit prompt', () => {
  it('clicks inside the mask where it is thickest, and grows its box by 15% a side within the image', () => {
    // A ring: its centre is a hole, the click must land on the ring.
    const ring = maskOf(100, 80, (x, y) => {
      const r = Math.hypot(x - 50, y - 40);
      return r >= 15 && r <= 30;
    });
    const p = refitPrompt(ring, 100, 80)!;
    expect(ring[p.click.y * 100 + p.click.x]).toBe(1);
    expect(Math.hypot(p.click.x - 50, p.click.y - 40)).toBeGreaterThan(19);
    expect(p.click.positive).toBe(true);
    // Box 20..81 × 10..71 (61 px wide, end-exclusive): 9.15 px more each side, the bottom edge
    // held by the image.
    expect(p.box.map((v) => Math.round(v * 100) / 100)).toEqual([10.85, 0.85, 90.15, 80]);
  });

  it('on a photo-sized mask, samples a grid and still clicks a mask pixel; nothing for an empty mask', () => {
    const w = 4000;
    const h = 3000;
    // An L: the click lies on the middle line of the thick (600 px) vertical bar, not in the
    // thinner (300 px) arm.
    const l = maskOf(w, h, (x, y) => (x >= 1000 && x < 1600 && y >= 200 && y < 2800) || (x >= 1000 && x < 3500 && y >= 2500 && y < 2800));
    const p = refitPrompt(l, w, h)!;
    expect(l[p.click.y * w + p.click.x]).toBe(1);
    expect(p.click.x).toBeGreaterThan(1150);
    expect(p.click.x).toBeLessThan(1450);
    // A rectangle: its whole middle line is equally thick; the click goes to the middle of it.
    const rect = maskOf(200, 100, (x, y) => x >= 20 && x < 180 && y >= 20 && y < 80);
    const mid = refitPrompt(rect, 200, 100)!.click; // the middle of 20..179 × 20..79 is (99.5, 49.5)
    expect([Math.abs(mid.x - 99.5), Math.abs(mid.y - 49.5)]).toEqual([0.5, 0.5]);
    expect(refitPrompt(new Uint8Array(16), 4, 4)).toBeNull();
    // One pixel wide, thinner than nothing: the pixel itself.
    const dot = new Uint8Array(16);
    dot[6] = 1;
    expect(refitPrompt(dot, 4, 4)!.click).toEqual({ x: 2, y: 1, positive: true });
  });
});
