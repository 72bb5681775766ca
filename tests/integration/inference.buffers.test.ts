// The worker recycles photo-sized masks between jobs (server/inference/engines/maskBuffers.ts):
// the decoded previous mask, the zoom window's mask, the pasted result. A buffer lent twice, or
// lent again before its last reader is done, or not zeroed, would put one job's pixels into
// another's mask. Here a runtime answers interleaved and concurrent jobs on a 1.5 MP image (masks
// large enough to be pooled) through the real onnx engine (zoom-in on) and graph cut, and every
// answer must equal the same job run by a separate engine on fresh arrays.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle, encodeRle, rleArea, type Rle } from '../../shared/codecs/rle';
import type { WorkerJob } from '../../shared/protocol/inference';
import type { Engine, RgbImage } from '../../server/inference/engines/types';
import { createEngines } from '../../server/inference/worker/createEngines';
import { WorkerRuntime } from '../../server/inference/worker/WorkerRuntime';

const FIXTURE = path.resolve('tests/fixtures/onnx');
const W = 1500;
const H = 1000;
const log = pino({ level: 'silent' });
const dirs: string[] = [];

/** Bright discs (the tiny fixture model's "object" is bright pixels) on a dark, textured ground. */
function picture(): RgbImage {
  const discs = [
    { x: 420, y: 380, r: 150 },
    { x: 1100, y: 640, r: 230 },
    { x: 700, y: 820, r: 60 },
  ];
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inside = discs.some((d) => (x - d.x) ** 2 + (y - d.y) ** 2 < d.r ** 2);
      data.fill(inside ? 230 - ((x * 7 + y * 3) % 20) : 20 + ((x * 5 + y * 11) % 30), 3 * (y * W + x), 3 * (y * W + x) + 3);
    }
  }
  return { width: W, height: H, data };
}

/** The onnx fixture with zoom-in (windows, so pasted masks) plus graph cut, from a scratch folder. */
async function engines(): Promise<Map<string, Engine>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-buffers-'));
  dirs.push(dir);
  for (const f of ['tiny.encoder.onnx', 'tiny.decoder.onnx']) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'manifest.json'), 'utf8'));
  Object.assign(manifest.models[0], { zoomIn: { expansion: 1.4, minFrac: 0, reuseIou: 0.5, fromClick: 2 } });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return createEngines({ modelsDir: dir, providers: ['cpu'], threads: 1, log });
}

const image = picture();
let runtime: WorkerRuntime;
let direct: Map<string, Engine>;

beforeAll(async () => {
  runtime = new WorkerRuntime(await engines(), 1e9, log);
  direct = await engines();
});

afterAll(async () => {
  await runtime.dispose();
  for (const e of direct.values()) await e.dispose?.();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

type Step = Pick<WorkerJob, 'clicks' | 'box'>;

/** One annotator's object: each step's clicks, the previous answer sent back as prevMask. */
const objects: Array<{ model: string; steps: Step[] }> = [
  {
    model: 'tiny-test',
    steps: [
      { clicks: [{ x: 1100, y: 640, positive: true }] },
      { clicks: [{ x: 1100, y: 640, positive: true }, { x: 1250, y: 500, positive: true }] },
      { clicks: [{ x: 1100, y: 640, positive: true }, { x: 1250, y: 500, positive: true }, { x: 1300, y: 850, positive: false }] },
    ],
  },
  {
    model: 'tiny-test',
    steps: [{ clicks: [], box: [250, 210, 590, 550] }, { clicks: [{ x: 420, y: 380, positive: true }], box: [250, 210, 590, 550] }],
  },
  {
    model: 'graphcut',
    steps: [{ clicks: [{ x: 700, y: 820, positive: true }] }, { clicks: [{ x: 700, y: 820, positive: true }, { x: 790, y: 820, positive: false }] }],
  },
];

/** The same job on the separate engines, fresh arrays throughout (no `buffers`). */
async function reference(model: string, step: Step, prev: Rle | undefined, key: string): Promise<Rle> {
  const out = await direct.get(model)!.segment({ image, imageKey: key, clicks: step.clicks, box: step.box, prevMask: prev ? decodeRle(prev).data : undefined });
  return encodeRle(out.mask, W, H);
}

async function job(task: string, o: number, k: number, prev: Rle | undefined): Promise<Rle> {
  const { model, steps } = objects[o];
  const res = await runtime.segment({ jobId: `${task}-${k}`, taskId: task, width: W, height: H, model, clicks: steps[k].clicks, box: steps[k].box, prevMask: prev }, async () => image);
  return res.mask;
}

/** Every object's steps on the runtime, round by round (`together`: a round's jobs in flight at
 *  once), each answer checked against the reference and sent back as the next prevMask. */
async function annotate(run: string, together: boolean): Promise<number> {
  const prev: Array<Rle | undefined> = objects.map(() => undefined);
  const refPrev: Array<Rle | undefined> = objects.map(() => undefined);
  let checked = 0;
  for (let k = 0; k < 3; k++) {
    const live = objects.map((_, o) => o).filter((o) => k < objects[o].steps.length);
    const got: Rle[] = [];
    if (together) got.push(...(await Promise.all(live.map((o) => job(`${run}-${o}`, o, k, prev[o])))));
    else for (const o of live) got.push(await job(`${run}-${o}`, o, k, prev[o]));
    for (const [i, o] of live.entries()) {
      const want = await reference(objects[o].model, objects[o].steps[k], refPrev[o], `ref-${run}-${o}`);
      expect(rleArea(want)).toBeGreaterThan(1000); // a real object, not two empty masks agreeing
      expect(got[i]).toEqual(want);
      prev[o] = got[i];
      refPrev[o] = want;
      checked++;
    }
  }
  return checked;
}

describe('recycled mask buffers', () => {
  it("objects taken in turns get exactly the masks of fresh arrays (each reuses another object's buffers)", async () => {
    expect(await annotate('turns', false)).toBe(7);
  });

  it('so do jobs in flight together', async () => {
    expect(await annotate('together', true)).toBe(7);
  });
});
