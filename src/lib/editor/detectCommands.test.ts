import { describe, expect, it } from 'vitest';
import { decodeRle, encodeRle } from '../../../shared/codecs/rle';
import { matchLabel, propose } from './detectCommands';
import type { DetectAck, Detection, SegmentAck, SegmentRequest, SegmentTransport } from './inferenceClient';
import { drawPolygon, H, linkedDocs, session, W } from './sessionFixtures';

/** A detector that finds `found`, and a model that answers a box with the box filled (or fails some). */
class BoxEngine implements SegmentTransport {
  requests: SegmentRequest[] = [];
  constructor(
    private found: Detection[],
    private failing = new Set<number>(),
    /** Answer `rate_limited` to this many requests first (the server's per-user rate). */
    private limited = 0,
  ) {}
  async detect(): Promise<DetectAck> {
    return { ok: true, data: { detections: this.found, model: 'det', ms: 3 } };
  }
  async segment(req: SegmentRequest): Promise<SegmentAck> {
    this.requests.push(req);
    if (this.limited > 0) {
      this.limited--;
      return { ok: false, error: { code: 'rate_limited', message: 'more than 20 requests per second' } };
    }
    if (this.failing.has(req.box![0])) return { ok: false, error: { code: 'worker_failed', message: 'the worker failed' } };
    const m = new Uint8Array(W * H);
    const [x0, y0, x1, y1] = req.box!;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
    return { ok: true, data: { mask: encodeRle(m, W, H), score: 0.9, model: 'click', ms: 2 } };
  }
}

const det = (box: [number, number, number, number], label: string, score: number): Detection => ({ box, label, score });

describe('matchLabel', () => {
  it('maps a class to the project label of the same name, plural, synonym or case aside', () => {
    const labels = ['Cars', 'pedestrian', 'Traffic-Light', 'sofa', 'Dog'];
    expect(matchLabel('car', labels)).toBe('Cars');
    expect(matchLabel('person', labels)).toBe('pedestrian');
    expect(matchLabel('traffic light', labels)).toBe('Traffic-Light');
    expect(matchLabel('couch', labels)).toBe('sofa');
    expect(matchLabel('dog', labels)).toBe('Dog');
    expect(matchLabel('bus', labels)).toBeNull();
    expect(matchLabel('bus', ['buses'])).toBe('buses');
  });
});

describe('pre-labelling from detections', () => {
  it('proposes what scores enough and marks what the image already has', () => {
    const [doc] = linkedDocs();
    const s = session(doc, 'ana', null);
    drawPolygon(s, [[10, 10], [30, 10], [30, 30], [10, 30]]); // a 'car' at 10..30
    const found = [det([10, 10, 31, 31], 'car', 0.8), det([40, 5, 60, 40], 'car', 0.6), det([40, 5, 60, 40], 'person', 0.2), det([0, 0, 5, 5], 'kite', 0.9)];
    const ps = propose(found, (c) => matchLabel(c, ['car', 'person']), s.model.list(), 0.3);
    expect(ps.map((p) => [p.detection.label, p.label, p.existing])).toEqual([
      ['car', 'car', true],
      ['car', 'car', false],
      ['kite', null, false],
    ]);
  });

  it('adds the chosen detections as labelled objects in one undo step, each mask from its box', async () => {
    const [da, db] = linkedDocs();
    const engine = new BoxEngine([]);
    const a = session(da, 'ana', engine);
    const b = session(db, 'bo', null);
    const ids = await a.addDetected([
      { box: [2, 2, 12, 10], label: 'car', score: 0.5 },
      { box: [40, 20, 60, 44], label: 'person', score: 0.9 },
    ]);
    expect(ids).toHaveLength(2);
    // Each box went to the model as the box tool sends it, under its own object id.
    expect(engine.requests.map((r) => [r.box, r.clicks.length])).toEqual([[[40, 20, 60, 44], 0], [[2, 2, 12, 10], 0]]);
    expect(new Set(engine.requests.map((r) => r.objectId)).size).toBe(2);
    const seen = b.model.list();
    expect(seen.map((o) => [o.label, o.source, o.model, o.createdBy])).toEqual(
      expect.arrayContaining([['person', 'detector', 'click', 'ana'], ['car', 'detector', 'click', 'ana']]),
    );
    const car = seen.find((o) => o.label === 'car')!;
    expect(decodeRle(car.mask!).data.reduce((n, v) => n + v, 0)).toBe(10 * 8);
    expect(a.selectedIds()).toEqual(ids);
    a.undo();
    expect(b.model.list()).toEqual([]);
  });

  it('keeps the masks apart with No overlap, the surer object first, and says what failed', async () => {
    const [doc] = linkedDocs();
    const engine = new BoxEngine([], new Set([30]));
    const s = session(doc, 'ana', engine);
    s.masks.apart = true;
    const messages: string[] = [];
    s.onChange((w) => w === 'message' && messages.push(s.message!.text));
    await s.addDetected([
      { box: [0, 0, 20, 20], label: 'car', score: 0.4 },
      { box: [10, 10, 30, 30], label: 'person', score: 0.9 },
      { box: [30, 30, 40, 40], label: 'car', score: 0.7 }, // the model fails it
      { box: [12, 12, 18, 18], label: 'car', score: 0.3 }, // wholly inside the person
    ]);
    const objs = s.model.list();
    expect(objs.map((o) => o.label).sort()).toEqual(['car', 'person']);
    const car = decodeRle(objs.find((o) => o.label === 'car')!.mask!).data;
    const person = decodeRle(objs.find((o) => o.label === 'person')!.mask!).data;
    expect(person[15 * W + 15]).toBe(1); // the person, surer, kept the shared pixels
    expect(car[15 * W + 15]).toBe(0);
    expect(car[5 * W + 5]).toBe(1);
    expect(messages.at(-1)).toBe('Added 2 objects. 1 could not be segmented (the worker failed). 1 lay wholly on objects already here (No overlap).');
  });

  it('asks again while the server says it is asked too fast, so every box gets its mask', async () => {
    const [doc] = linkedDocs();
    const engine = new BoxEngine([], new Set(), 3);
    const s = session(doc, 'ana', engine);
    const boxes = Array.from({ length: 4 }, (_, i) => ({ box: [i * 10, 0, i * 10 + 8, 8] as [number, number, number, number], label: 'car', score: 0.5 }));
    expect(await s.addDetected(boxes)).toHaveLength(4);
    expect(s.model.list()).toHaveLength(4);
    expect(engine.requests).toHaveLength(7); // three refused, asked again
  });

  it('adds nothing for a read-only role', async () => {
    const [doc] = linkedDocs();
    const s = session(doc, 'viewer', new BoxEngine([]), false);
    expect(await s.addDetected([{ box: [0, 0, 5, 5], label: 'car', score: 0.9 }])).toEqual([]);
    expect(s.model.list()).toEqual([]);
  });

  it('asks the detector for this task', async () => {
    const [doc] = linkedDocs();
    const s = session(doc, 'ana', new BoxEngine([det([1, 1, 9, 9], 'car', 0.7)]));
    expect(await s.findObjects(0.2)).toMatchObject({ ok: true, data: { detections: [{ label: 'car' }] } });
    expect(await session(doc, 'x', null).findObjects(0.2)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });
});
