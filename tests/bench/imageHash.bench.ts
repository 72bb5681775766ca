// How well the perceptual hash tells "the same picture" from "another picture", on the 240 dev
// photos beside the checkout: per edit, how many photos stay within NEAR_DUPLICATE_BITS of their
// original, turned or mirrored (recall), how many pairs of different photos fall within it, as
// they are or one turned or mirrored (false look-alikes; the
// dev set holds four photos twice under two names, which are left out), the closest such pair, and
// what a hash costs. `npm run bench -- imageHash` (`--quick`: 60 photos).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { hashDistance, imageHash, NEAR_DUPLICATE_BITS, orientedHashes } from '../../server/storage/images/imageHash';
import { nearDuplicates, nearDuplicatesCached } from '../../server/http/nearDuplicates';
import type { BenchResult } from './types';

const DIR = path.resolve('../shared/datasets/dev/COCO_MVal_dev/images');
const LIMIT = 1e9;

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.jpg')).sort().slice(0, quick ? 60 : undefined);
  const edits: Array<[string, (b: Buffer, w: number, h: number) => sharp.Sharp]> = [
    ['JPEG quality 40', (b) => sharp(b).jpeg({ quality: 40 })],
    ['resized to 320 px, WebP', (b) => sharp(b).resize({ width: 320 }).webp({ quality: 60 })],
    ['brightened 20%', (b) => sharp(b).modulate({ brightness: 1.2 }).jpeg()],
    ['cropped 8 px each side', (b, w, h) => sharp(b).extract({ left: 8, top: 8, width: w - 16, height: h - 16 }).jpeg()],
    ['PNG copy', (b) => sharp(b).png()],
    ['mirrored (left to right), JPEG', (b) => sharp(b).flop().jpeg()],
    ['turned 90 degrees, JPEG', (b) => sharp(b).rotate(90).jpeg()],
    ['turned 180 degrees, JPEG', (b) => sharp(b).rotate(180).jpeg()],
    ['turned 270 degrees and mirrored, JPEG', (b) => sharp(b).rotate(270).flop().jpeg()],
  ];
  // A mirror or a turn is found through the hash's own (what the task list compares too).
  const alike = (h: string, other: string) => Math.min(...orientedHashes(h).map((o) => hashDistance(o, other)));
  const within = edits.map(() => 0);
  const hashes: string[] = [];
  let ms = 0;
  for (const f of files) {
    const b = fs.readFileSync(path.join(DIR, f));
    const t0 = performance.now();
    const h = await imageHash(b, LIMIT);
    ms += performance.now() - t0;
    hashes.push(h);
    const { width = 0, height = 0 } = await sharp(b).autoOrient().metadata();
    for (let i = 0; i < edits.length; i++) if (alike(h, await imageHash(await edits[i][1](b, width, height).toBuffer(), LIMIT)) <= NEAR_DUPLICATE_BITS) within[i]++;
  }
  const cocoId = (f: string) => f.split('_').pop();
  let pairs = 0;
  let falseAlike = 0;
  let closest = Infinity;
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      if (cocoId(files[i]) === cocoId(files[j])) continue; // the same COCO photo under two names
      pairs++;
      const d = alike(hashes[i], hashes[j]);
      if (d <= NEAR_DUPLICATE_BITS) falseAlike++;
      closest = Math.min(closest, d);
    }
  }
  // What an upload of a camera photo pays for it (JPEG shrink-on-load keeps it small).
  const camera = await sharp(fs.readFileSync(path.join(DIR, files[0]))).resize(6000, 4000, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
  const runs = quick ? 3 : 10;
  const t1 = performance.now();
  for (let i = 0; i < runs; i++) await imageHash(camera, LIMIT);
  const cameraMs = (performance.now() - t1) / runs;
  // The task list's look-alikes over a 10,000-image project: computed, then read again unchanged.
  let seed = 1;
  const hex = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 16).toString(16);
  const big = Array.from({ length: 10_000 }, (_, i) => ({ id: `t${i}`, imageHash: Array.from({ length: 32 }, hex).join('') }));
  nearDuplicates(big); // warm the JIT
  const t2 = performance.now();
  nearDuplicatesCached('bench', big);
  const computeMs = performance.now() - t2;
  const t3 = performance.now();
  nearDuplicatesCached('bench', big);
  const cachedMs = performance.now() - t3;
  return [
    ...edits.map(([name], i) => ({ name: `look-alike found: ${name}`, metric: `of ${files.length}`, value: within[i], unit: 'photos' })),
    { name: 'different photos taken for look-alikes', metric: `of ${pairs} pairs`, value: falseAlike, unit: 'pairs', goal: '0' },
    { name: 'closest two different photos', metric: 'distance', value: closest, unit: `bits (of 128; look-alike <= ${NEAR_DUPLICATE_BITS})` },
    { name: 'image hash, dev photo (~640x480 JPEG)', metric: 'mean', value: ms / files.length, unit: 'ms' },
    { name: 'image hash, 24 MP JPEG (6000x4000)', metric: 'mean', value: cameraMs, unit: 'ms' },
    { name: 'look-alikes of 10,000 tasks, computed', metric: 'once', value: computeMs, unit: 'ms' },
    { name: 'look-alikes of 10,000 tasks, list read again unchanged', metric: 'once', value: cachedMs, unit: 'ms' },
  ];
}
