import { describe, expect, it } from 'vitest';
import { PRESENCE_COLORS } from '../sync/presence';
import { cssToNumber, textOn } from './overlay';

describe('overlay colours', () => {
  it('writes dark text on light colours and white on dark ones, readable on every presence colour', () => {
    const dark = 0x000000;
    const white = 0xffffff;
    expect(textOn(cssToNumber('#eab308'))).toBe(dark); // yellow
    expect(textOn(cssToNumber('#94a3b8'))).toBe(dark); // slate
    expect(textOn(cssToNumber('#1d4ed8'))).toBe(white); // a deep blue
    expect(textOn(cssToNumber('#7e22ce'))).toBe(white); // a deep purple
    // Every presence colour's tag reads at WCAG's 4.5:1 for body text.
    const lum = (c: number) => {
      const lin = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin((c >> 16) & 255) + 0.7152 * lin((c >> 8) & 255) + 0.0722 * lin(c & 255);
    };
    for (const css of PRESENCE_COLORS) {
      const bg = cssToNumber(css);
      const [a, b] = [lum(bg), lum(textOn(bg))].sort((x, y) => y - x);
      expect((a + 0.05) / (b + 0.05)).toBeGreaterThanOrEqual(4.5);
    }
  });
});
