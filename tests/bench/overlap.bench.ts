// What "No overlap" adds to a model answer or a stroke (src/lib/editor/overlap.ts): fitting a new
// mask against the other objects' masks, on a 24 MP photo (6000×4000) with 100 objects (blobs of
// 40-400 px), the new mask a 600×500 px blob among them. p50 / max over 30 fits, in Node (the
// browser runs the same code).
import * as Y from 'yjs';
import { encodeRle, rleArea } from '../../shared/codecs/rle';
import { LocalOrigin } from '../../shared/schema/origins';
import { EditorSession } from '../../src/lib/editor/EditorSession';
import type { BenchResult } from './types';

const W = 6000;
const H = 4000;

function ellipse(cx: number, cy: number, rx: number, ry: number): Uint8Array {
  const data = new Uint8Array(W * H);
  for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(H, Math.ceil(cy + ry)); y++) {
    const dy = (y + 0.5 - cy) / ry;
    const half = rx * Math.sqrt(Math.max(0, 1 - dy * dy));
    data.fill(1, y * W + Math.max(0, Math.round(cx - half)), y * W + Math.min(W, Math.round(cx + half)));
  }
  return data;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const s = new EditorSession({ doc: new Y.Doc(), taskId: 't', width: W, height: H, user: { id: 'u', name: 'u' }, canEdit: true, label: 'car', origin: new LocalOrigin('u'), inference: null });
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const n = quick ? 30 : 100;
  for (let i = 0; i < n; i++) {
    const rx = 20 + rnd() * 180;
    const ry = 20 + rnd() * 180;
    s.model.create({ id: `o${i}` as never, label: 'car', mask: encodeRle(ellipse(rx + rnd() * (W - 2 * rx), ry + rnd() * (H - 2 * ry), rx, ry), W, H), by: 'u', source: 'bench' });
  }
  s.masks.apart = true;
  const times: number[] = [];
  let kept = 0;
  for (let k = 0; k < (quick ? 10 : 30); k++) {
    const mask = encodeRle(ellipse(400 + rnd() * (W - 800), 400 + rnd() * (H - 800), 300, 250), W, H);
    const t0 = performance.now();
    const fitted = s.masks.fit(null, mask);
    times.push(performance.now() - t0);
    kept += rleArea(fitted) / rleArea(mask);
  }
  times.sort((a, b) => a - b);
  const name = `No overlap: a 600x500 px mask fitted against ${n} objects, 24 MP (kept ${((100 * kept) / times.length).toFixed(0)}% of its pixels on average)`;
  return [
    { name, metric: 'p50', value: times[Math.floor(times.length / 2)], unit: 'ms' },
    { name, metric: 'max', value: times[times.length - 1], unit: 'ms' },
  ];
}
