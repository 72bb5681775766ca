// What the task list's objects per label and their attribute values cost the server
// (server/dataset/labelCounts.ts): one count of a busy task room, which runs on the server's one
// thread each time edits settle.
// `npm run bench -- labelCounts [--quick]`.
import * as Y from 'yjs';
import { encodeRle } from '../../shared/codecs/rle';
import { createObject, initTaskDoc } from '../../shared/schema/annotation';
import { countObjects } from '../../server/dataset/labelCounts';
import type { BenchResult } from './types';

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  // A 24 MP photo (6000x4000) with 100 objects of 500x300 px whose masks have ragged edges
  // (many runs per column: the RLE strings are long, as a brushed mask's are).
  const W = 6000;
  const H = 4000;
  const doc = new Y.Doc();
  initTaskDoc(doc, { taskId: 'bench', width: W, height: H });
  const data = new Uint8Array(W * H);
  for (let i = 0; i < 100; i++) {
    data.fill(0);
    const x0 = (i % 10) * 600;
    const y0 = Math.floor(i / 10) * 400;
    for (let y = y0; y < y0 + 300; y++) for (let x = x0; x < x0 + 500; x++) data[y * W + x] = (x * 7 + y * 3) % 11 ? 1 : 0;
    // Four attributes each, one a free text that differs per object (a plate number).
    const attributes = { occluded: i % 3 === 0, colour: ['red', 'blue', 'grey'][i % 3], doors: 2 + (i % 4), plate: `AB-${1000 + i}` };
    createObject(doc, { label: i % 2 ? 'car' : 'person', mask: encodeRle(data, W, H), by: 'bench', attributes });
  }
  const times: number[] = [];
  for (let k = 0; k < (quick ? 20 : 200); k++) {
    const t0 = performance.now();
    countObjects(doc);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const what = 'objects and attribute values per label of a 24 MP task with 100 detailed masks';
  return [
    { name: what, metric: 'p50', value: times[times.length >> 1], unit: 'ms' },
    { name: what, metric: 'max', value: times[times.length - 1], unit: 'ms' },
  ];
}
