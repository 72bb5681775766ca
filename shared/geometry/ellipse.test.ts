import { describe, expect, it } from 'vitest';
import { polygonsToRle } from '../codecs/polygon';
import { decodeRle, rleArea, rleBbox } from '../codecs/rle';
import { ellipseRing } from './ellipse';

describe('an ellipse as a mask', () => {
  it('covers pi * rx * ry pixels, small or large, within a pixel of its outline', () => {
    for (const [rx, ry] of [[6, 4], [40, 25], [900, 300]]) {
      const w = Math.ceil(2 * rx + 10);
      const h = Math.ceil(2 * ry + 10);
      const area = rleArea(polygonsToRle([ellipseRing(w / 2, h / 2, rx, ry)], w, h));
      const perimeter = Math.PI * (3 * (rx + ry) - Math.sqrt((3 * rx + ry) * (rx + 3 * ry)));
      expect(Math.abs(area - Math.PI * rx * ry), `${rx}x${ry}`).toBeLessThan(perimeter); // under a pixel's band along the outline
    }
  });

  it('turns clockwise on screen: a wide ellipse turned 90 degrees stands tall', () => {
    const m = polygonsToRle([ellipseRing(50, 50, 40, 10, 90)], 100, 100);
    const [x, y, bw, bh] = rleBbox(m);
    expect(bw).toBeLessThan(24);
    expect(bh).toBeGreaterThan(76);
    expect([x + bw / 2, y + bh / 2].map(Math.round)).toEqual([50, 50]);
    // 30 degrees: the right end goes down (y grows downwards).
    const turned = decodeRle(polygonsToRle([ellipseRing(50, 50, 40, 4, 30)], 100, 100));
    expect(turned.data[Math.round(50 + 35 * Math.sin(Math.PI / 6)) * 100 + Math.round(50 + 35 * Math.cos(Math.PI / 6))]).toBe(1);
  });
});
