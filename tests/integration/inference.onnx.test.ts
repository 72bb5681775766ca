// The onnx engine against a tiny click-seg-v1 model (tests/fixtures/onnx, built by
// make_fixture.py): the mask is "bright pixels, or the previous mask where not too dark", output
// at half resolution. Real onnxruntime-node, real sessions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createEngines } from '../../server/inference/worker/createEngines';
import type { Engine, RgbImage } from '../../server/inference/engines/types';

const FIXTURE = path.resolve('tests/fixtures/onnx');

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** 100×50 black, a white rectangle x 20..59, y 10..29 and a grey (0.4) patch x 70..89, y 30..45. */
function image(): RgbImage {
  const width = 100;
  const height = 50;
  const data = new Uint8Array(width * height * 3);
  for (let y = 10; y < 30; y++) for (let x = 20; x < 60; x++) data.fill(255, 3 * (y * width + x), 3 * (y * width + x) + 3);
  for (let y = 30; y < 46; y++) for (let x = 70; x < 90; x++) data.fill(102, 3 * (y * width + x), 3 * (y * width + x) + 3);
  return { width, height, data };
}

function rect(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * width + x] = 1;
  return m;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  let u = 0;
  for (let p = 0; p < a.length; p++) {
    i += a[p] & b[p];
    u += a[p] | b[p];
  }
  return u ? i / u : 0;
}

/** The fixture manifest, loosely typed: the tests edit it field by field. */
function fixtureManifest(): { models: any[] } {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE, 'manifest.json'), 'utf8'));
}

/** The fixture model with the decoder that also outputs its head's input (`tiny.decoder.adapt.onnx`:
 *  the same logits as a 1×1 conv over head_in) and the manifest `adapt` of that head, plus `extra`. */
function adaptEntry(id: string, extra: Record<string, unknown> = {}) {
  const plain = fixtureManifest().models[0];
  return {
    ...plain,
    id,
    default: false,
    decoder: { ...plain.decoder, file: 'tiny.decoder.adapt.onnx', sha256: undefined, outputs: [...plain.decoder.outputs, { name: 'head_in', shape: [1, 2, 32, 32] }] },
    adapt: { output: 'head_in', weight: [10, 4], bias: -5, lambda: 0.1, anchor: 1, anchorStride: 4, iters: 20, ...extra },
  };
}

/** A temporary models folder holding copies of these fixture files, removed after `fn`. */
async function withModelsDir(files: string[], fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-onnx-'));
  try {
    for (const f of files) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
    await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The engines a worker builds from `dir` with these manifest entries, and what it logged. */
async function loadModels(dir: string, models: unknown[]) {
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ models }));
  const { log, lines } = capturedLogger();
  return { engines: await createEngines({ modelsDir: dir, providers: ['cpu'], threads: 1, log }), lines };
}

describe('onnx engine', () => {
  it('asked for CUDA where there is none: warns, falls back to the CPU and still segments', async () => {
    const { log, lines } = capturedLogger();
    const engines = await createEngines({ modelsDir: FIXTURE, providers: ['cuda', 'cpu'], threads: 1, log });
    const onnx = engines.get('tiny-test') as Engine;
    expect(onnx).toBeDefined();
    expect(onnx.provider).toBe('cpu');
    const warn = lines.find((l) => l.level === 40 && l.msg === 'execution provider unavailable; falling back to CPU');
    expect(warn).toBeDefined();
    expect(warn!.providers).toEqual(['cuda']);
    // The classical engines are always there too.
    expect([...engines.keys()].sort()).toEqual(['grabcut', 'graphcut', 'tiny-test']);
    const img = image();
    const out = await onnx.segment({ image: img, imageKey: 't1', clicks: [{ x: 30, y: 20, positive: true }] });
    expect(iou(out.mask, rect(100, 50, 20, 10, 60, 30))).toBeGreaterThan(0.85);
    expect(out.score).toBeGreaterThan(0.5);
  });

  it('caches encoder features per image, and forgets them', async () => {
    const { log } = capturedLogger();
    const engines = await createEngines({ modelsDir: FIXTURE, providers: ['cpu'], threads: 1, log });
    const onnx = engines.get('tiny-test')!;
    expect(onnx.cachedBytes!('k')).toBe(0);
    await onnx.warm!(image(), 'k');
    // feat is [1, 1, 64, 64] float32.
    expect(onnx.cachedBytes!('k')).toBe(64 * 64 * 4);
    onnx.forget!('k');
    expect(onnx.cachedBytes!('k')).toBe(0);
  });

  it('feeds the previous mask in the model frame', async () => {
    const { log } = capturedLogger();
    const onnx = (await createEngines({ modelsDir: FIXTURE, providers: ['cpu'], threads: 1, log })).get('tiny-test')!;
    const img = image();
    // Grey alone is below threshold (10·(0.4 − 0.5) = −1), grey under the previous mask is not
    // (+4); black under it stays below (−5 + 4).
    const prevMask = rect(100, 50, 66, 26, 96, 48);
    const click = { x: 80, y: 40, positive: true };
    const out = await onnx.segment({ image: img, imageKey: 'p', clicks: [click], prevMask });
    const patch = rect(100, 50, 70, 30, 90, 46);
    // The white rectangle is bright too, but no positive click reaches it: only the patch is kept
    // (a pixel or two wider on each side: the fixture's logits are at half resolution).
    expect(iou(out.mask, patch)).toBeGreaterThan(0.75);
    expect(out.mask[20 * 100 + 30]).toBe(0);
    // A positive click on the rectangle brings it in.
    const both = await onnx.segment({ image: img, imageKey: 'p', clicks: [click, { x: 30, y: 20, positive: true }], prevMask: out.mask });
    const expected = rect(100, 50, 20, 10, 60, 30);
    for (let p = 0; p < expected.length; p++) expected[p] |= patch[p];
    expect(iou(both.mask, expected)).toBeGreaterThan(0.85);
  });

  it('a box for a model without the box prompt: centre click plus the box interior as previous mask', async () => {
    const { log } = capturedLogger();
    const onnx = (await createEngines({ modelsDir: FIXTURE, providers: ['cpu'], threads: 1, log })).get('tiny-test')!;
    const img = image();
    // Without the box, the grey patch is not part of the mask; with it, the box interior acts as
    // the previous mask and lifts the patch over the threshold.
    const plain = await onnx.segment({ image: img, imageKey: 'b', clicks: [{ x: 30, y: 20, positive: true }] });
    expect(plain.mask[40 * 100 + 80]).toBe(0);
    const out = await onnx.segment({ image: img, imageKey: 'b', clicks: [], box: [66, 26, 96, 48] });
    // The bright rectangle outside the box is not connected to the box centre: dropped.
    expect(iou(out.mask, rect(100, 50, 70, 30, 90, 46))).toBeGreaterThan(0.75);
    expect(out.mask[20 * 100 + 30]).toBe(0);
    // A box over the left half of the bright rectangle: the network finds all of it, the mask
    // stops 1 px past the box; a positive click beyond the box's right edge moves that edge out.
    const half = await onnx.segment({ image: img, imageKey: 'b', clicks: [], box: [20, 10, 40, 30] });
    expect([half.mask[20 * 100 + 25], half.mask[20 * 100 + 40], half.mask[20 * 100 + 41], half.mask[20 * 100 + 50]]).toEqual([1, 1, 0, 0]);
    const wider = await onnx.segment({ image: img, imageKey: 'b', clicks: [{ x: 55, y: 20, positive: true }], box: [20, 10, 40, 30], prevMask: half.mask });
    expect([wider.mask[20 * 100 + 25], wider.mask[20 * 100 + 50], wider.mask[20 * 100 + 55], wider.mask[20 * 100 + 57]]).toEqual([1, 1, 1, 0]);
  });

  it("with an adapt entry, a click the network answers too weakly still takes in what looks like it", async () => {
    await withModelsDir(['tiny.encoder.onnx', 'tiny.decoder.onnx', 'tiny.decoder.adapt.onnx'], async (dir) => {
      // tiny-test, and the same logits computed as a 1×1 conv over head_in, with the manifest's adapt
      const plain = fixtureManifest().models[0];
      const adapted = adaptEntry('tiny-adapt');
      const { engines } = await loadModels(dir, [plain, adapted]);
      const img = image();
      // the grey patch (brightness 0.4: logit -1) clicked positive
      const input = { image: img, clicks: [{ x: 80, y: 40, positive: true }] };
      const patch = rect(100, 50, 70, 30, 90, 46);
      const before = await engines.get('tiny-test')!.segment({ ...input, imageKey: 'a' });
      let area = 0;
      for (const v of before.mask) area += v;
      expect(area).toBe(1); // the trained head: only the clicked pixel, which is stamped
      const after = await engines.get('tiny-adapt')!.segment({ ...input, imageKey: 'b' });
      expect(iou(after.mask, patch)).toBeGreaterThan(0.75); // every pixel that looks like the clicked one
      expect(after.mask[5 * 100 + 5]).toBe(0); // black stays background
      expect(after.mask[20 * 100 + 30]).toBe(0); // the bright rectangle: not reached by a positive click
      // a negative click on the patch gives it back: the head refits to both labels, the newest wins there
      const back = await engines.get('tiny-adapt')!.segment({ ...input, imageKey: 'b', clicks: [...input.clicks, { x: 75, y: 35, positive: false }], prevMask: after.mask });
      expect(back.mask[35 * 100 + 75]).toBe(0);
      // an adapt entry whose decoder lacks the declared output is skipped with an error, not run without it
      const wrong = await loadModels(dir, [plain, { ...adapted, id: 'tiny-wrong', decoder: plain.decoder }]);
      expect([...wrong.engines.keys()].sort()).toEqual(['grabcut', 'graphcut', 'tiny-test']);
      expect(wrong.lines.some((l) => l.level === 50 && l.model === 'tiny-wrong' && JSON.stringify(l).includes('head_in'))).toBe(true);
      // and one whose head has more weights than head_in has planes
      const tooMany = await loadModels(dir, [{ ...adapted, id: 'tiny-3w', adapt: { ...adapted.adapt, weight: [10, 4, 1] } }]);
      expect([...tooMany.engines.keys()].sort()).toEqual(['grabcut', 'graphcut']);
      expect(tooMany.lines.some((l) => l.level === 50 && l.model === 'tiny-3w' && JSON.stringify(l).includes('3 weights for 2 planes'))).toBe(true);
    });
  });

  it("refits a small hard object's head on obeyed clicks too, and only a small one's", async () => {
    await withModelsDir(['tiny.encoder.onnx', 'tiny.decoder.adapt.onnx'], async (dir) => {
      const entry = (id: string, fromClickMaxSide: number) => adaptEntry(id, { fromClick: 2, fromClickMaxSide });
      const { engines } = await loadModels(dir, [entry('small-limit', 3), entry('large-limit', 1000)]);
      // three bands: brightness 0.49 (logit -0.1), 0.502 (+0.02: barely in), 0.52 (+0.2)
      const width = 100;
      const height = 50;
      const data = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(x < 40 ? 125 : x < 60 ? 128 : 133, 3 * (y * width + x), 3 * (y * width + x) + 3);
      // both clicks obeyed by the trained head; a previous mask of 3 × 3 px (gone: no positive click reaches it)
      const input = {
        image: { width, height, data },
        clicks: [{ x: 80, y: 25, positive: true }, { x: 20, y: 25, positive: false }],
        prevMask: rect(width, height, 1, 1, 4, 4),
      };
      const count = (m: Uint8Array, x0: number, x1: number) => {
        let n = 0;
        for (let y = 0; y < height; y++) for (let x = x0; x < x1; x++) n += m[y * width + x];
        return n;
      };
      // the previous mask is 3 px on its short side: not under a limit of 3, so no refit and the middle band stays
      const kept = await engines.get('small-limit')!.segment({ ...input, imageKey: 'a' });
      expect(count(kept.mask, 44, 56)).toBeGreaterThan(0.9 * 12 * height); // the bottom rows read the frame's padding
      // under 1000: refitted to the two clicks, whose brightness puts the boundary between 0.49 and 0.52
      const refit = await engines.get('large-limit')!.segment({ ...input, imageKey: 'b' });
      expect(count(refit.mask, 44, 56)).toBe(0);
      expect(count(refit.mask, 64, 100)).toBe(count(kept.mask, 64, 100)); // the clicked band as it was
      expect(count(refit.mask, 0, 36) + count(kept.mask, 0, 36)).toBe(0);
    });
  });

  it('skips a model whose file does not match its sha256, keeping the rest', async () => {
    await withModelsDir(['tiny.encoder.onnx', 'tiny.decoder.onnx'], async (dir) => {
      const manifest = fixtureManifest();
      manifest.models[0].decoder.sha256 = '0'.repeat(64);
      const { engines, lines } = await loadModels(dir, manifest.models);
      expect([...engines.keys()].sort()).toEqual(['grabcut', 'graphcut']);
      expect(lines.some((l) => l.level === 50 && l.model === 'tiny-test')).toBe(true);
    });
  });
});
