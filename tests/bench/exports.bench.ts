// What a project's export costs, and what it leaves the server's thread: a project of full-HD
// images with 20 elliptical masks each (100 images; 20 with --quick) exported in every format on
// the calling thread (what the server did before exports moved off it), then the slowest format
// through exportOffThread, with the longest the calling thread went without running a timer
// meanwhile (server/dataset/export/offThread.ts). `npm run bench -- exports`.
import { exportDataset } from '../../server/dataset/export/exportDataset';
import { exportOffThread } from '../../server/dataset/thread/offThread';
import { ExportFormats, type ExportInput } from '../../server/dataset/types';
import { encodeRle } from '../../shared/codecs/rle';
import { longestHold } from './hold';
import type { BenchResult } from './types';

const W = 1920;
const H = 1080;

function project(images: number): ExportInput {
  const ellipse = (k: number) => {
    const px = new Uint8Array(W * H);
    const [x0, y0] = [(k % 5) * 380, Math.floor(k / 5) * 260];
    for (let y = y0; y < y0 + 200; y++) for (let x = x0; x < x0 + 300; x++) if (((x - x0 - 150) / 150) ** 2 + ((y - y0 - 100) / 100) ** 2 <= 1) px[y * W + x] = 1;
    return encodeRle(px, W, H);
  };
  const masks = Array.from({ length: 20 }, (_, k) => ellipse(k));
  const tasks = Array.from({ length: images }, (_, t) => ({
    task: { id: `t${t}`, name: `frame_${t}.jpg`, width: W, height: H },
    objects: masks.map((mask, k) => ({ id: `o${t}_${k}`, label: 'car', mask, attributes: {} })),
  }));
  return { project: { id: 'p', name: 'p', labels: [{ name: 'car', color: '#ff0000' }], settings: { noOverlap: false } }, tasks } as unknown as ExportInput;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const images = quick ? 20 : 100;
  const input = project(images);
  const out: BenchResult[] = [];
  const timed: Array<[string, number]> = [];
  for (const format of ExportFormats) {
    const t0 = performance.now();
    exportDataset(input, format, 'p');
    const ms = performance.now() - t0;
    timed.push([format, ms]);
    out.push({ name: `${images} full-HD images x 20 masks as ${format}, on the calling thread (held all along)`, metric: 'wall', value: ms, unit: 'ms' });
  }
  const [slowest] = timed.sort((a, b) => b[1] - a[1])[0];
  let wall = 0;
  const hold = await longestHold(async () => {
    const t0 = performance.now();
    await exportOffThread(input, slowest as (typeof ExportFormats)[number], 'p');
    wall = performance.now() - t0;
  });
  out.push({ name: `the same as ${slowest} through exportOffThread (thread start included)`, metric: 'wall', value: wall, unit: 'ms' });
  out.push({ name: `the same: longest the calling thread was held meanwhile`, metric: 'max', value: hold, unit: 'ms' });
  return out;
}
