// What the task list's objects per label and their attribute values cost the server
// (server/dataset/labelCounts.ts): one count of a busy task room, which runs on the server's one
// thread each time edits settle; with its masks' checks (shared/schema/objectChecks.ts), whose
// facts per mask are kept while the mask is unchanged: a count after one object changed reads that one.
// `npm run bench -- labelCounts [--quick]`.
import * as Y from 'yjs';
import { encodeRle } from '../../shared/codecs/rle';
import { createObject, initTaskDoc, listObjects, setMask } from '../../shared/schema/annotation';
import { ObjectChecker } from '../../shared/schema/objectChecks';
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
  const p50 = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const every: number[] = [];
  const one: number[] = [];
  const checker = new ObjectChecker();
  const ids = listObjects(doc).map((o) => o.id);
  const masks = listObjects(doc).map((o) => o.mask!);
  countObjects(doc, checker); // every mask's facts kept, as after the room's first count
  for (let k = 0; k < (quick ? 10 : 60); k++) {
    let t0 = performance.now();
    countObjects(doc); // a fresh checker: every mask read (a room's first count on this node)
    every.push(performance.now() - t0);
    // One object's mask changed (an edit): swapped with another's, so the string is new to it.
    setMask(doc, ids[k % 100], masks[(k + 1) % 100], 'bench');
    t0 = performance.now();
    countObjects(doc, checker);
    one.push(performance.now() - t0);
  }
  // The mirror reads a room's masks new to it a slice at a time (ObjectChecker.warm): the longest
  // the thread is held meanwhile, as a timer that should fire every millisecond sees it.
  const stalls: number[] = [];
  for (let k = 0; k < (quick ? 3 : 10); k++) {
    const fresh = new ObjectChecker();
    const masks = listObjects(doc).map((o) => ({ id: o.id, label: o.label, mask: o.mask }));
    let last = performance.now();
    let worst = 0;
    let on = true;
    const tick = () => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
      if (on) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    await fresh.warm(masks);
    on = false;
    stalls.push(worst);
  }
  const what = 'objects, attribute values and checks of a 24 MP task with 100 detailed masks';
  return [
    { name: `${what}, every mask read`, metric: 'p50', value: p50(every), unit: 'ms' },
    { name: `${what}, every mask read`, metric: 'max', value: Math.max(...every), unit: 'ms' },
    { name: `${what}, one changed`, metric: 'p50', value: p50(one), unit: 'ms' },
    { name: `${what}, one changed`, metric: 'max', value: Math.max(...one), unit: 'ms' },
    { name: `${what}, every mask read a slice at a time: longest hold of the thread`, metric: 'max', value: Math.max(...stalls), unit: 'ms' },
  ];
}
