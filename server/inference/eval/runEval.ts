// The evaluation loop of contract 7, run through WorkerRuntime (the same code a worker runs for
// a `worker:segment` job), with the click simulator in clickSimulator.ts.
// - Click k's request carries clicks 1..k and, as prevMask, the mask returned for click k-1
//   (as the editor does).
// - GrabCut is a box tool: its first interaction is the ground truth's tight bounding box (no
//   click); clicks 2..k are simulator clicks sent with that box and the previous mask. The box
//   counts as one interaction in NoC. `boxFirst` starts any model that way (the editor's box tool
//   followed by clicks).
// - Stops early once IoU >= 0.90 has been reached and 5 interactions are done: no metric can change.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeRle } from '../../../shared/codecs/rle';
import type { WorkerJob } from '../../../shared/protocol/inference';
import type { Logger } from '../../logger';
import { decodeRgb } from '../../storage/images/validateImage';
import type { RgbImage } from '../engines/types';
import type { WorkerRuntime } from '../worker/WorkerRuntime';
import { clicksToReach, firstClick, gtBox, maskIou, nextClick, type GroundTruth, type SimClick } from './clickSimulator';

export interface Instance {
  id: string;
  imageId: string;
  imageFile: string;
  maskFile: string;
}

/** Pairs masks with images: `masks/<id>.png` ↔ `images/<id>.*`, else `<id>_<k>.png` ↔ `<id>.*`. */
export function listInstances(dataset: string): Instance[] {
  const imgDir = path.join(dataset, 'images');
  const maskDir = path.join(dataset, 'masks');
  if (!fs.existsSync(imgDir) || !fs.existsSync(maskDir)) throw new Error(`${dataset} must hold images/ and masks/`);
  const images = new Map<string, string>();
  for (const f of fs.readdirSync(imgDir)) {
    const m = /^(.*)\.(jpe?g|png)$/i.exec(f);
    if (m) images.set(m[1], path.join(imgDir, f));
  }
  const out: Instance[] = [];
  for (const f of fs.readdirSync(maskDir).sort()) {
    const m = /^(.*)\.png$/i.exec(f);
    if (!m) continue;
    const id = m[1];
    // Ids may contain underscores themselves: the exact match goes first.
    const imageId = images.has(id) ? id : id.replace(/_\d+$/, '');
    const imageFile = images.get(imageId);
    if (imageFile) out.push({ id, imageId, imageFile, maskFile: path.join(maskDir, f) });
  }
  return out;
}

/** Dev is small and judges every choice, so it splits in two: tune on `select` (even positions of
 *  the sorted list), report on `report` (odd positions), and a choice made on one half can be
 *  checked on the other. */
export type Half = 'select' | 'report';

export function half<T>(items: T[], which: Half): T[] {
  return items.filter((_, i) => i % 2 === (which === 'select' ? 0 : 1));
}

/** `limit` instances spread evenly over the sorted list (as models/train's evaluate.py). */
export function spread<T>(items: T[], limit: number | undefined): T[] {
  if (!limit || limit >= items.length) return items;
  if (limit === 1) return [items[0]];
  const idx = new Set<number>();
  for (let i = 0; i < limit; i++) idx.add(Math.round((i * (items.length - 1)) / (limit - 1)));
  return [...idx].sort((a, b) => a - b).map((i) => items[i]);
}

/** A mask file as ground truth; `upscale` k > 1 resizes it to k times its size (nearest). */
export async function loadGroundTruth(file: string, upscale = 1): Promise<GroundTruth> {
  const { data: raw, info: size } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const { data, width, height } = await enlarged({ data: raw, width: size.width, height: size.height }, 1, upscale, 'nearest');
  const n = width * height;
  const gt = new Uint8Array(n);
  let ignore: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (v === 128) (ignore ??= new Uint8Array(n))[i] = 1;
    else gt[i] = v > 128 ? 1 : 0;
  }
  return { width, height, gt, ignore };
}

export interface EvalOptions {
  model: string;
  maxClicks: number;
  /** The first interaction is the ground truth's tight box for every model (always for grabcut). */
  boxFirst?: boolean;
  /** Every image and mask resized to this many times its size first (images bilinear, masks
   *  nearest): the dev set as camera-size photos, for quality and time per click at that size. */
  upscale?: number;
  runtime: WorkerRuntime;
  log: Logger;
  onInstance?(r: InstanceResult, i: number, n: number): void;
}

export interface InstanceResult {
  id: string;
  /** The clicks sent, in order (a click equal to the one before it means that click changed nothing). */
  clicks: SimClick[];
  ious: number[];
  noc85: number;
  noc90: number;
  ms: number[];
}

export interface EvalSummary {
  dataset: string;
  model: string;
  n: number;
  noc85: number;
  noc90: number;
  nof90: number;
  iou1: number;
  iou2: number;
  iou3: number;
  iou4: number;
  iou5: number;
  msPerClick: number;
}

export async function evalInstance(inst: Instance, opts: EvalOptions, image: () => Promise<RgbImage>): Promise<InstanceResult> {
  const t = await loadGroundTruth(inst.maskFile, opts.upscale);
  // Decode once, outside the timed loop: ms per click is the engine's time on a cached image.
  // The worker caches images by task: an enlarged rendering is another task than the image.
  const taskId = opts.upscale && opts.upscale !== 1 ? `${inst.imageId}@x${opts.upscale}` : inst.imageId;
  await opts.runtime.prefetch(taskId, opts.model, image);
  const box = opts.model === 'grabcut' || opts.boxFirst ? gtBox(t) ?? undefined : undefined;
  const clicks: SimClick[] = [];
  const ious: number[] = [];
  const ms: number[] = [];
  let pred: Uint8Array = new Uint8Array(t.gt.length);
  let prevMask: WorkerJob['prevMask'];
  for (let k = 0; k < opts.maxClicks; k++) {
    const c = k === 0 && box ? null : k === 0 ? firstClick(t) : nextClick(t, pred);
    if (k > 0 && !c) {
      ious.push(ious[ious.length - 1] ?? 1); // perfect already: nothing to click
      continue;
    }
    if (c) clicks.push(c);
    if (!c && !box) break; // empty ground truth
    const job: WorkerJob = {
      jobId: `${inst.id}-${k}`,
      taskId,
      width: t.width,
      height: t.height,
      model: opts.model,
      clicks: clicks.slice(),
      box,
      prevMask,
    };
    const res = await opts.runtime.segment(job, image);
    ms.push(res.ms);
    pred = decodeRle(res.mask).data;
    prevMask = res.mask;
    ious.push(maskIou(t, pred));
    if (ious.length >= 5 && ious.some((v) => v >= 0.9)) break;
  }
  // Pad so every list has maxClicks entries (the last IoU holds once the loop stopped early).
  while (ious.length < Math.max(5, opts.maxClicks)) ious.push(ious[ious.length - 1] ?? 0);
  return { id: inst.id, clicks, ious, noc85: clicksToReach(ious, 0.85, opts.maxClicks), noc90: clicksToReach(ious, 0.9, opts.maxClicks), ms };
}

/** Row-major pixels, `channels` bytes each (1 for a mask, 3 for an RgbImage). */
interface RawPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Raw pixels resized to k times their size; themselves when k is 1. */
async function enlarged(img: RawPixels, channels: 1 | 3, k: number, kernel: 'nearest' | 'linear'): Promise<RawPixels> {
  if (k === 1) return img;
  let resized = sharp(img.data, { raw: { width: img.width, height: img.height, channels } }).resize(Math.round(img.width * k), Math.round(img.height * k), { kernel });
  if (channels === 1) resized = resized.extractChannel(0); // sharp hands back a one-channel raw input as sRGB
  const { data, info } = await resized.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export async function runEval(dataset: string, instances: Instance[], opts: EvalOptions): Promise<EvalSummary> {
  const results: InstanceResult[] = [];
  for (const [i, inst] of instances.entries()) {
    const r = await evalInstance(inst, opts, async () => enlarged(await decodeRgb(fs.readFileSync(inst.imageFile)), 3, opts.upscale ?? 1, 'linear'));
    results.push(r);
    opts.onInstance?.(r, i, instances.length);
  }
  const n = results.length;
  const mean = (f: (r: InstanceResult) => number) => (n ? results.reduce((s, r) => s + f(r), 0) / n : 0);
  const allMs = results.flatMap((r) => r.ms);
  return {
    dataset: path.basename(path.resolve(dataset)),
    model: opts.model,
    n,
    noc85: mean((r) => r.noc85),
    noc90: mean((r) => r.noc90),
    nof90: results.filter((r) => !r.ious.some((v) => v >= 0.9)).length,
    iou1: mean((r) => r.ious[0]),
    iou2: mean((r) => r.ious[1]),
    iou3: mean((r) => r.ious[2]),
    iou4: mean((r) => r.ious[3]),
    iou5: mean((r) => r.ious[4]),
    msPerClick: allMs.length ? allMs.reduce((a, b) => a + b, 0) / allMs.length : 0,
  };
}
