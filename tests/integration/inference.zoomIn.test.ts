// Zoom-in through the real onnx engine and onnxruntime, with the tiny fixture model (mask =
// bright pixels, logits at half its 64 px frame). On a 256 px image one logit cell covers 8 image
// pixels, so a 13 px object comes out blocky from the whole image; once the previous mask says
// where the object is, the zoomed engine sees it at a few pixels per cell and gets it right.
// The same blocky mask is what the manifest's graph-cut `refine` fixes at image resolution.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskBbox } from '../../shared/geometry/maskBbox';
import type { Engine, RgbImage } from '../../server/inference/engines/types';
import { createEngines } from '../../server/inference/worker/createEngines';

const FIXTURE = path.resolve('tests/fixtures/onnx');
const W = 256;
const OBJ = { x0: 101, y0: 61, x1: 114, y1: 74 }; // 13 x 13, off the 8 px logit grid

function picture(): RgbImage {
  const data = new Uint8Array(W * W * 3);
  for (let y = OBJ.y0; y < OBJ.y1; y++) for (let x = OBJ.x0; x < OBJ.x1; x++) data.fill(255, 3 * (y * W + x), 3 * (y * W + x) + 3);
  return { width: W, height: W, data };
}

function iouWithObject(mask: Uint8Array): number {
  let i = 0;
  let u = 0;
  for (let y = 0; y < W; y++)
    for (let x = 0; x < W; x++) {
      const g = x >= OBJ.x0 && x < OBJ.x1 && y >= OBJ.y0 && y < OBJ.y1 ? 1 : 0;
      i += mask[y * W + x] & g;
      u += mask[y * W + x] | g;
    }
  return i / u;
}

/** How far the mask's bounding box is from the object's, px (the largest of the four sides). */
function offBy(mask: Uint8Array): number {
  const b = maskBbox(mask, W, W);
  if (!b) return Infinity;
  return Math.max(Math.abs(b.x0 - OBJ.x0), Math.abs(b.y0 - OBJ.y0), Math.abs(b.x1 - OBJ.x1), Math.abs(b.y1 - OBJ.y1));
}

const dirs: string[] = [];
let plain: Engine;
let zoomed: Engine;
let refined: Engine;
const log = pino({ level: 'silent' });

/** The fixture model with extra manifest fields, from a scratch models folder. */
async function fixtureWith(extra: Record<string, unknown>): Promise<Engine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-zoom-'));
  dirs.push(dir);
  for (const f of ['tiny.encoder.onnx', 'tiny.decoder.onnx']) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'manifest.json'), 'utf8'));
  Object.assign(manifest.models[0], extra);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return (await createEngines({ modelsDir: dir, providers: ['cpu'], threads: 1, log })).get('tiny-test')!;
}

beforeAll(async () => {
  plain = (await createEngines({ modelsDir: FIXTURE, providers: ['cpu'], threads: 1, log })).get('tiny-test')!;
  zoomed = await fixtureWith({ zoomIn: { expansion: 1.4, minFrac: 0, reuseIou: 0.5, fromClick: 2 } });
  refined = await fixtureWith({ refine: { margin: 8, grow: 4, lambda: 10 } });
});

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const image = picture();
const first = { x: 107, y: 67, positive: true };

describe('zoom-in', () => {
  const second = { x: 103, y: 63, positive: true };

  it('the first click sees the whole image, as without zoom-in', async () => {
    const a = await plain.segment({ image, imageKey: 'a', clicks: [first] });
    const b = await zoomed.segment({ image, imageKey: 'b', clicks: [first] });
    expect([...b.mask]).toEqual([...a.mask]);
    expect(iouWithObject(a.mask)).toBeLessThan(0.8); // blocky at 8 px per logit cell
  });

  it('a correction click runs in a window around the object and gets its boundary right', async () => {
    const one = await zoomed.segment({ image, imageKey: 'c', clicks: [first] });
    const wholeBytes = zoomed.cachedBytes!('c');
    const two = await zoomed.segment({ image, imageKey: 'c', clicks: [first, second], prevMask: one.mask });
    const withoutZoom = await plain.segment({ image, imageKey: 'c', clicks: [first, second], prevMask: one.mask });
    expect(iouWithObject(two.mask)).toBeGreaterThan(0.9);
    expect(iouWithObject(two.mask)).toBeGreaterThan(iouWithObject(withoutZoom.mask));
    // the zoomed answer says where its mask lies (the worker's RLE encoder reads only that box)
    expect(two.box).toEqual(maskBbox(two.mask, W, W));
    // the window's encoder outputs are cached next to the whole image's
    expect(zoomed.cachedBytes!('c')).toBe(2 * wholeBytes);
    // a further click inside the same window reuses it: no new encoder run, nothing more cached
    const three = await zoomed.segment({ image, imageKey: 'c', clicks: [first, second, { x: 110, y: 70, positive: true }], prevMask: two.mask });
    expect(zoomed.cachedBytes!('c')).toBe(2 * wholeBytes);
    expect(iouWithObject(three.mask)).toBeGreaterThan(0.9);
    zoomed.forget!('c');
    expect(zoomed.cachedBytes!('c')).toBe(0);
  });

  it("takes the previous mask's box from the caller when it has one (the worker reads it off the RLE)", async () => {
    const one = await zoomed.segment({ image, imageKey: 'e', clicks: [first] });
    const clicks = [first, second];
    const scanned = await zoomed.segment({ image, imageKey: 'e', clicks, prevMask: one.mask });
    const given = await zoomed.segment({ image, imageKey: 'e', clicks, prevMask: one.mask, prevBox: maskBbox(one.mask, W, W) });
    expect([...given.mask]).toEqual([...scanned.mask]);
    // A box that is not the mask's moves the window: the object then falls partly outside it.
    const elsewhere = await zoomed.segment({ image, imageKey: 'e', clicks, prevMask: one.mask, prevBox: { x0: 20, y0: 20, x1: 30, y1: 30 } });
    expect(iouWithObject(elsewhere.mask)).toBeLessThan(0.9);
  });

  it('a box zooms from the first interaction: the box already says where the object is', async () => {
    const box: [number, number, number, number] = [OBJ.x0 - 2, OBJ.y0 - 2, OBJ.x1 + 2, OBJ.y1 + 2];
    const a = await plain.segment({ image, imageKey: 'd', clicks: [], box });
    const b = await zoomed.segment({ image, imageKey: 'd2', clicks: [], box });
    // Zoomed, the mask is the object to within a pixel (the fixture's box prior spills one pixel);
    // from the whole image it is blocky, several pixels off.
    expect(offBy(b.mask)).toBeLessThanOrEqual(1);
    expect(offBy(a.mask)).toBeGreaterThan(1);
  });
});

describe('graph-cut refinement (manifest refine)', () => {
  it("snaps the first click's blocky mask to the object's edges at image resolution", async () => {
    const a = await plain.segment({ image, imageKey: 'r1', clicks: [first] });
    const b = await refined.segment({ image, imageKey: 'r2', clicks: [first] });
    expect(iouWithObject(a.mask)).toBeLessThan(0.8);
    expect(iouWithObject(b.mask)).toBeGreaterThan(0.9);
  });
});
