// `npm run eval` end to end, as a user runs it: a subprocess on a small dataset, the JSON line
// parsed. Correctness, not quality: the figures are well-formed and consistent, mask pairing
// (`<id>_<k>.png`) and the 128 "ignore" value work, and an easy object is found at click 1.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refitInstance, shiftMask, summarizeRefit } from '../../server/inference/eval/refitEval';
import { half, listInstances, runEval } from '../../server/inference/eval/runEval';
import { boxBaseline } from '../../server/inference/eval/boxBaseline';
import { decodeRgb } from '../../server/storage/images/validateImage';
import type { WorkerJob } from '../../shared/protocol/inference';
import { createEngines } from '../../server/inference/worker/createEngines';
import { WorkerRuntime } from '../../server/inference/worker/WorkerRuntime';

const run = promisify(execFile);
// The data sets sit beside the checkout (../shared), as on developer machines and in CI.
const DEV = path.resolve('../shared/datasets/dev/COCO_MVal_dev');
const KEYS = ['dataset', 'model', 'n', 'noc85', 'noc90', 'nof90', 'iou1', 'iou2', 'iou3', 'iou4', 'iou5', 'msPerClick'];

async function evalCli(args: string[]): Promise<{ stdout: string; json: Record<string, number | string> }> {
  const { stdout } = await run('npx', ['tsx', 'server/inference/eval/evalCli.ts', ...args, '--json'], { cwd: path.resolve('.'), timeout: 55_000 });
  const lines = stdout.trim().split('\n');
  return { stdout, json: JSON.parse(lines[lines.length - 1]) };
}

describe('npm run eval', () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-eval-'));
    fs.mkdirSync(path.join(dir, 'dev', 'images'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'dev', 'masks'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'easy', 'images'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'easy', 'masks'), { recursive: true });
    // Three dev objects: two as <id>.png, one as <id>_1.png with a band of 128 ("ignore").
    const ids = fs.readdirSync(path.join(DEV, 'masks')).sort().slice(0, 3).map((f) => f.replace(/\.png$/, ''));
    for (const [i, id] of ids.entries()) {
      fs.copyFileSync(path.join(DEV, 'images', `${id}.jpg`), path.join(dir, 'dev', 'images', `${id}.jpg`));
      if (i < 2) fs.copyFileSync(path.join(DEV, 'masks', `${id}.png`), path.join(dir, 'dev', 'masks', `${id}.png`));
      else {
        const { data, info } = await sharp(path.join(DEV, 'masks', `${id}.png`)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
        for (let y = 0; y < 10; y++) data.fill(128, y * info.width, (y + 1) * info.width);
        await sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toFile(path.join(dir, 'dev', 'masks', `${id}_1.png`));
      }
    }
    // An easy object: a flat red disc on flat grey.
    const w = 120;
    const h = 90;
    const img = Buffer.alloc(w * h * 3);
    const m = Buffer.alloc(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = (x - 60) ** 2 + (y - 45) ** 2 < 25 ** 2;
        img.set(inside ? [220, 30, 30] : [110, 110, 110], 3 * (y * w + x));
        m[y * w + x] = inside ? 255 : 0;
      }
    }
    await sharp(img, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(dir, 'easy', 'images', 'disc.png'));
    await sharp(m, { raw: { width: w, height: h, channels: 1 } }).png().toFile(path.join(dir, 'easy', 'masks', 'disc.png'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports well-formed figures on 3 dev objects', async () => {
    const { stdout, json } = await evalCli(['--dataset', path.join(dir, 'dev'), '--model', 'graphcut', '--max-clicks', '3']);
    expect(stdout).toContain('NoC@85');
    expect(Object.keys(json).sort()).toEqual([...KEYS].sort());
    expect(json.dataset).toBe('dev');
    expect(json.model).toBe('graphcut');
    expect(json.n).toBe(3);
    for (const k of ['noc85', 'noc90'] as const) {
      expect(json[k]).toBeGreaterThanOrEqual(1);
      expect(json[k]).toBeLessThanOrEqual(3);
    }
    expect(json.noc85).toBeLessThanOrEqual(json.noc90 as number);
    expect(json.nof90).toBeGreaterThanOrEqual(0);
    expect(json.nof90).toBeLessThanOrEqual(3);
    for (const k of ['iou1', 'iou2', 'iou3', 'iou4', 'iou5'] as const) {
      expect(json[k]).toBeGreaterThanOrEqual(0);
      expect(json[k]).toBeLessThanOrEqual(1);
    }
    expect(json.msPerClick).toBeGreaterThan(0);
    expect(stdout).toContain('NoC@90 95% interval');
  });

  it('--half splits dev into two disjoint halves: select tunes, report checks', async () => {
    const all = listInstances(path.join(dir, 'dev')).map((i) => i.id);
    const select = half(all, 'select');
    const report = half(all, 'report');
    expect([...select, ...report].sort()).toEqual([...all].sort());
    expect(select.filter((id) => report.includes(id))).toEqual([]);
    const details = path.join(dir, 'report.jsonl');
    const { json } = await evalCli(['--dataset', path.join(dir, 'dev'), '--model', 'graphcut', '--max-clicks', '1', '--half', 'report', '--details', details]);
    expect(json.n).toBe(report.length);
    const lines = fs.readFileSync(details, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(report);
    for (const l of lines) {
      // --max-clicks 1: one positive click, at a pixel of the object (the protocol's first click)
      expect(l.clicks).toHaveLength(1);
      const [x, y, positive] = l.clicks[0];
      expect(positive).toBe(1);
      const mask = await sharp(path.join(dir, 'dev', 'masks', `${l.id}.png`)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      expect(mask.data[y * mask.info.width + x]).toBe(255);
    }
    // The same run again against that file: graph cut is deterministic, so object by object nothing changed.
    const again = await evalCli(['--dataset', path.join(dir, 'dev'), '--model', 'graphcut', '--max-clicks', '1', '--half', 'report', '--baseline', details]);
    expect(again.json.vsBaseline).toEqual({
      noc85: { mean: 0, lo: 0, hi: 0, n: report.length, fewer: 0, more: 0, unmatched: 0 },
      noc90: { mean: 0, lo: 0, hi: 0, n: report.length, fewer: 0, more: 0, unmatched: 0 },
    });
    expect(again.stdout).toContain(`on the ${report.length} objects in both`);
    const [lo, hi] = again.json.noc90Interval as unknown as number[];
    expect(lo).toBeLessThanOrEqual(again.json.noc90 as number);
    expect(hi).toBeGreaterThanOrEqual(again.json.noc90 as number);
  });

  it('npm run eval:compare pairs two finished runs object by object, and names a bad line', async () => {
    // Two details files as either eval writes them: the run took 2 clicks fewer on b, the same on
    // a, and has c, which the baseline lacks.
    const rec = (id: string, noc85: number, noc90: number) => JSON.stringify({ id, noc85, noc90, ious: [0.5] });
    const base = path.join(dir, 'base.jsonl');
    const cur = path.join(dir, 'cur.jsonl');
    fs.writeFileSync(base, [rec('a', 2, 3), rec('b', 4, 6)].join('\n') + '\n');
    fs.writeFileSync(cur, [rec('a', 2, 3), rec('b', 3, 4), rec('c', 1, 1)].join('\n') + '\n');
    const cli = (args: string[]) => run('npx', ['tsx', 'server/inference/eval/compareCli.ts', ...args], { cwd: path.resolve('.'), timeout: 55_000 });
    const { stdout } = await cli([cur, '--baseline', base, '--json']);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out.n).toBe(3);
    expect(out.vsBaseline.noc90).toMatchObject({ mean: -1, n: 2, fewer: 1, more: 0, unmatched: 1 });
    expect(out.vsBaseline.noc85).toMatchObject({ mean: -0.5, n: 2, fewer: 1, more: 0 });
    expect(stdout).toContain('on the 2 objects in both (1 not in it)');
    fs.writeFileSync(cur, `${rec('a', 2, 3)}\nnot json\n`);
    const bad = await cli([cur, '--baseline', base]).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(bad?.code).toBe(2);
    expect(bad?.stderr).toContain(`${cur}:2: not a --details record`);
  });

  it('finds an easy object at the first click (graphcut) and from its box (grabcut)', async () => {
    // In-process, through the same WorkerRuntime and engines the CLI uses (a second subprocess
    // would double the file's time on a loaded 2-core machine).
    const log = pino({ level: 'silent' });
    for (const model of ['graphcut', 'grabcut']) {
      const runtime = new WorkerRuntime(await createEngines({ modelsDir: '/nonexistent', providers: ['cpu'], threads: 1, log, only: [model] }), 1e8, log);
      const ds = path.join(dir, 'easy');
      const s = await runEval(ds, listInstances(ds), { model, maxClicks: 5, runtime, log });
      expect({ model, n: s.n, noc90: s.noc90, nof90: s.nof90 }).toEqual({ model, n: 1, noc90: 1, nof90: 0 });
      expect(s.iou1).toBeGreaterThan(0.9);
    }
  });

  it('--box starts any model from the ground truth box: the first interaction is no click', async () => {
    const log = pino({ level: 'silent' });
    const runtime = new WorkerRuntime(await createEngines({ modelsDir: '/nonexistent', providers: ['cpu'], threads: 1, log, only: ['graphcut'] }), 1e8, log);
    const ds = path.join(dir, 'easy');
    const sent: number[] = [];
    const opts = { model: 'graphcut', maxClicks: 1, runtime, log, onInstance: (r: { clicks: unknown[] }) => sent.push(r.clicks.length) };
    await runEval(ds, listInstances(ds), opts);
    await runEval(ds, listInstances(ds), { ...opts, boxFirst: true });
    expect(sent).toEqual([1, 0]);
  });

  it('--box also scores the true box filled as the mask (an import\'s boxes as rectangles): a disc fills pi/4 of its box', async () => {
    const ds = path.join(dir, 'easy');
    const b = await boxBaseline(listInstances(ds));
    expect(b.meanIou).toBeCloseTo(Math.PI / 4, 1);
    expect(b.at90).toBe(0);
  });

  it('--upscale k runs the set as photos k times larger: the clicks land k times further out, on the same object', async () => {
    const log = pino({ level: 'silent' });
    const runtime = new WorkerRuntime(await createEngines({ modelsDir: '/nonexistent', providers: ['cpu'], threads: 1, log, only: ['graphcut'] }), 1e8, log);
    const ds = path.join(dir, 'easy');
    const sizes: number[][] = [];
    const segment = runtime.segment.bind(runtime);
    runtime.segment = (job, load) => (sizes.push([job.width, job.height]), segment(job, load));
    const clicks: Array<{ x: number; y: number }> = [];
    const opts = { model: 'graphcut', maxClicks: 1, runtime, log, onInstance: (r: { clicks: Array<{ x: number; y: number }> }) => clicks.push(r.clicks[0]) };
    const plain = await runEval(ds, listInstances(ds), opts);
    const big = await runEval(ds, listInstances(ds), { ...opts, upscale: 3 });
    expect(sizes).toEqual([
      [120, 90],
      [360, 270],
    ]);
    // The disc's centre (60, 45) is the farthest point from its edge either way.
    expect(Math.abs(clicks[0].x - 60) + Math.abs(clicks[0].y - 45)).toBeLessThanOrEqual(2);
    expect(Math.abs(clicks[1].x - 180) + Math.abs(clicks[1].y - 135)).toBeLessThanOrEqual(4);
    expect(plain.iou1).toBeGreaterThan(0.9);
    expect(big.iou1).toBeGreaterThan(0.9); // the mask is scored against the enlarged ground truth
  });

  it('--refit: a mask shifted off an easy object is fitted back onto it with one request', async () => {
    const log = pino({ level: 'silent' });
    const runtime = new WorkerRuntime(await createEngines({ modelsDir: '/nonexistent', providers: ['cpu'], threads: 1, log, only: ['graphcut'] }), 1e8, log);
    const ds = path.join(dir, 'easy');
    const [inst] = listInstances(ds);
    const jobs: WorkerJob[] = [];
    const segment = runtime.segment.bind(runtime);
    runtime.segment = (job, load) => (jobs.push(job), segment(job, load));
    const r = (await refitInstance(inst, 1, 0.3, 'graphcut', runtime, async () => decodeRgb(fs.readFileSync(inst.imageFile))))!;
    // One request: a click, a box and the shifted mask as the previous mask.
    expect(jobs.map((j) => [j.clicks.length, !!j.box, !!j.prevMask])).toEqual([[1, true, true]]);
    expect(r.pasted).toBeLessThan(0.7); // the disc (r 25) moved by 30% of its size
    expect(r.refit).toBeGreaterThan(0.9);
    expect(summarizeRefit([r, { ...r, refit: r.pasted }], 0.3)).toMatchObject({ n: 2, better: 1, worse: 0 });
    // shiftMask moves the pixels and cuts what leaves the image.
    expect([...shiftMask(Uint8Array.from([1, 2, 3, 4, 5, 6]), 3, 2, 1, -1)]).toEqual([0, 4, 5, 0, 0, 0]);
    const bad = await run('npx', ['tsx', 'server/inference/eval/evalCli.ts', '--dataset', ds, '--refit', '2']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad?.stderr).toContain('--refit must be a fraction from 0 to 1');
  });

  it('--prelabel: the detector pre-labels the three dev photos and each object gets its best IoU', async () => {
    const { stdout, json } = await evalCli(['--dataset', path.join(dir, 'dev'), '--model', 'tandem-click-v3', '--prelabel', '0.3']);
    expect(stdout).toContain('pre-labelled by coco-detector');
    expect(json).toMatchObject({ model: 'tandem-click-v3', detector: 'coco-detector', n: 3, images: 3, threshold: 0.3 });
    const v = json as unknown as Record<string, number>;
    expect(v.at90).toBeLessThanOrEqual(v.at85);
    expect(v.at85).toBeLessThanOrEqual(v.at50);
    expect(v.meanBest).toBeGreaterThan(0);
    expect(v.meanBest).toBeLessThanOrEqual(1);
    expect(v.preLabelsPerImage).toBeGreaterThan(0);
    // Three airplane photos: at least one plane arrives outlined from the detector's box.
    expect(v.at50).toBeGreaterThan(0);
    const bad = await run('npx', ['tsx', 'server/inference/eval/evalCli.ts', '--dataset', path.join(dir, 'dev'), '--prelabel', '3']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad?.code).toBe(2);
    expect(bad?.stderr).toContain('--prelabel must be a score from 0.05 to 1');
  });

  it('--upscale must be a number from 1 to 16', async () => {
    const bad = await run('npx', ['tsx', 'server/inference/eval/evalCli.ts', '--dataset', path.join(dir, 'easy'), '--upscale', '0.5']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad?.code).toBe(2);
    expect(bad?.stderr).toContain('--upscale must be a number from 1 to 16');
  });
});
