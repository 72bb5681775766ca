import { describe, expect, it } from 'vitest';
import { fit, focusBox, imageToScreen, oneToOne, pan, screenToImage, showImageRect, unionBox, visibleImageRect, zoomAt, MAX_SCALE, wheelFactor } from './camera';

describe('camera', () => {
  it('maps screen to image and back', () => {
    const cam = { x: 30, y: -20, scale: 2.5 };
    const p = screenToImage(cam, { x: 130, y: 80 });
    expect(p).toEqual({ x: 40, y: 40 });
    expect(imageToScreen(cam, p)).toEqual({ x: 130, y: 80 });
  });

  it('keeps the image point under the cursor fixed while zooming', () => {
    const cam = { x: 10, y: 20, scale: 0.5 };
    const cursor = { x: 321, y: 123 };
    const before = screenToImage(cam, cursor);
    const zoomed = zoomAt(cam, cursor, wheelFactor(-300));
    expect(zoomed.scale).toBeGreaterThan(cam.scale);
    const after = screenToImage(zoomed, cursor);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
  });

  it('clamps the zoom', () => {
    let cam = { x: 0, y: 0, scale: 1 };
    for (let i = 0; i < 100; i++) cam = zoomAt(cam, { x: 5, y: 5 }, 2);
    expect(cam.scale).toBe(MAX_SCALE);
  });

  it('pans in screen pixels', () => {
    expect(pan({ x: 1, y: 2, scale: 3 }, 10, -5)).toEqual({ x: 11, y: -3, scale: 3 });
  });

  it('fits a 4096x3072 image into a 1200x800 view, centred', () => {
    const cam = fit(4096, 3072, 1200, 800, 0);
    expect(cam.scale).toBeCloseTo(800 / 3072, 9);
    const tl = imageToScreen(cam, { x: 0, y: 0 });
    const br = imageToScreen(cam, { x: 4096, y: 3072 });
    expect(tl.y).toBeCloseTo(0, 9);
    expect(br.y).toBeCloseTo(800, 9);
    expect((tl.x + br.x) / 2).toBeCloseTo(600, 9);
  });

  it('1:1 keeps the centre point', () => {
    const cam = { x: -100, y: 50, scale: 0.25 };
    const centre = screenToImage(cam, { x: 400, y: 300 });
    const one = oneToOne(cam, 800, 600);
    expect(one.scale).toBe(1);
    const c2 = screenToImage(one, { x: 400, y: 300 });
    expect(c2.x).toBeCloseTo(centre.x, 9);
    expect(c2.y).toBeCloseTo(centre.y, 9);
  });

  it('follow: shows the rectangle a collaborator sees', () => {
    const theirs = { x: 7, y: 9, scale: 3 };
    const rect = visibleImageRect(theirs, 600, 300);
    const mine = showImageRect(rect, 600, 300);
    expect(mine.scale).toBeCloseTo(3, 9);
    expect(mine.x).toBeCloseTo(7, 9);
    expect(mine.y).toBeCloseTo(9, 9);
  });

  it("Z: frames an object's box with room around it, a speck with at least 48 image px", () => {
    // A 200x100 box at (1000, 2000) in a 900x600 view: 300x150 of image fill the width, 3 px per px.
    const cam = focusBox([1000, 2000, 200, 100], 900, 600);
    expect(cam.scale).toBeCloseTo(3, 9);
    const centre = screenToImage(cam, { x: 450, y: 300 });
    expect([centre.x, centre.y]).toEqual([1100, 2050]);
    const seen = visibleImageRect(cam, 900, 600);
    expect(seen.x).toBeLessThan(1000);
    expect(seen.x + seen.w).toBeGreaterThan(1200);
    // A 2x2 speck: 48 image px across, not 2.
    const speck = focusBox([10, 10, 2, 2], 900, 600);
    expect(visibleImageRect(speck, 900, 600).h).toBeCloseTo(48, 6);
  });

  it('Z with several selected: the box around all of them, empty masks left out', () => {
    expect(unionBox([[10, 20, 30, 40], [100, 5, 10, 10], [0, 0, 0, 0]])).toEqual([10, 5, 100, 55]);
    expect(unionBox([[3, 4, 0, 9]])).toBeNull();
    expect(unionBox([])).toBeNull();
  });
});
