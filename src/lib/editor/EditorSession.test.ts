// Two sessions on two Y.Docs wired together in memory (as the sync server would relay updates).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeRle, encodeRle, rleArea } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';
import { LocalOrigin } from '../../../shared/schema/origins';
import { EditorSession } from './EditorSession';
import type { SegmentAck, SegmentRequest, SegmentTransport } from './inferenceClient';
import type { ToolPointer } from './tools';

const W = 64;
const H = 48;

/** Segments a square of side 10 around every positive click: enough to see prompts flow. */
class SquareEngine implements SegmentTransport {
  requests: SegmentRequest[] = [];
  async segment(req: SegmentRequest): Promise<SegmentAck> {
    this.requests.push(req);
    const data = new Uint8Array(W * H);
    for (const c of req.clicks) {
      for (let y = Math.max(0, c.y - 5); y < Math.min(H, c.y + 5); y++)
        for (let x = Math.max(0, c.x - 5); x < Math.min(W, c.x + 5); x++) data[y * W + x] = c.positive ? 1 : 0;
    }
    return { ok: true, data: { mask: encodeRle(data, W, H), score: 0.9, model: 'square', ms: 1 } };
  }
}

function linkedDocs(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b, u, 'remote'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a, u, 'remote'));
  return [a, b];
}

function session(doc: Y.Doc, name: string, engine: SegmentTransport | null, canEdit = true) {
  return new EditorSession({
    doc, taskId: 't1', width: W, height: H, user: { id: name, name }, canEdit, label: 'car',
    origin: new LocalOrigin(name), inference: engine,
  });
}

const at = (x: number, y: number, extra: Partial<ToolPointer> = {}): ToolPointer => ({
  ptImage: { x, y }, button: 0, alt: false, shift: false, scale: 1, ...extra,
});
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
};

describe('EditorSession', () => {
  it('smart click: A clicks, the model answers, B sees the mask and the clicks', async () => {
    const [da, db] = linkedDocs();
    const engine = new SquareEngine();
    const a = session(da, 'ana', engine);
    const b = session(db, 'bo', null);
    a.pointerDown(at(20, 20));
    const id = a.selectedId!;
    await until(() => !!b.model.read(id)?.mask);
    const seen = b.model.read(id)!;
    expect(seen.label).toBe('car');
    expect(seen.clicks).toMatchObject([{ x: 20, y: 20, positive: true, by: 'ana' }]);
    expect(rleArea(seen.mask!)).toBe(100);
    // the second click is sent with the first and with the current mask as prevMask
    a.pointerDown(at(40, 30, { alt: true }));
    await until(() => engine.requests.length === 2);
    expect(engine.requests[1].clicks).toHaveLength(2);
    expect(engine.requests[1].prevMask).toEqual(seen.mask);
  });

  it("A's undo reverts A's stroke and leaves B's correction alone", () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    a.setTool('brush');
    a.setBrushRadius(3);
    a.pointerDown(at(10, 10));
    a.pointerUp(at(10, 10));
    const aId = a.selectedId!;
    b.setTool('lasso');
    b.pointerDown(at(40, 5));
    b.pointerMove(at(60, 5));
    b.pointerMove(at(60, 40));
    b.pointerUp(at(60, 40));
    const bId = b.selectedId!;
    expect(a.model.list().map((o) => o.id).sort()).toEqual([aId, bId].sort());
    a.undo();
    expect(a.model.has(aId)).toBe(false);
    expect(b.model.has(aId)).toBe(false);
    expect(a.model.has(bId)).toBe(true);
    a.redo();
    expect(b.model.has(aId)).toBe(true);
  });

  it('undo of a brush correction on a shared object keeps the other user label change', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    a.setTool('polygon');
    for (const p of [[5, 5], [30, 5], [30, 30], [5, 30]]) a.pointerDown(at(p[0], p[1]));
    a.key({ key: 'Enter', alt: false, shift: false, ctrl: false });
    const id = a.selectedId!;
    a.history.boundary();
    b.select(id);
    b.setTool('brush');
    b.setBrushRadius(4);
    b.pointerDown(at(40, 40));
    b.pointerUp(at(40, 40));
    const afterB = b.model.read(id)!.mask!;
    a.setObjectLabel(id, 'truck');
    a.undo(); // undoes only A's label change
    expect(b.model.read(id)!.label).toBe('car');
    expect(b.model.read(id)!.mask).toEqual(afterB);
    expect(decodeRle(afterB).data[40 * W + 40]).toBe(1);
  });

  it('Escape deletes a new object and restores a refined mask', async () => {
    const [da] = linkedDocs();
    const a = session(da, 'ana', new SquareEngine());
    a.pointerDown(at(10, 10));
    const id = a.selectedId!;
    await until(() => !!a.model.read(id)?.mask);
    a.key({ key: 'Escape', alt: false, shift: false, ctrl: false });
    expect(a.model.has(id)).toBe(false);
    // refine an existing mask: select it, click, Escape brings the original back
    a.setTool('lasso');
    a.pointerDown(at(0, 0));
    a.pointerMove(at(20, 0));
    a.pointerMove(at(20, 20));
    a.pointerUp(at(20, 20));
    const drawn = a.selectedId!;
    const original = a.model.read(drawn)!.mask;
    a.setTool('smart');
    a.pointerDown(at(50, 40));
    await until(() => a.model.read(drawn)!.mask!.counts !== original!.counts);
    a.key({ key: 'Escape', alt: false, shift: false, ctrl: false });
    expect(a.model.read(drawn)!.mask).toEqual(original);
  });

  it('a viewer cannot change anything and is told why', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    a.setTool('lasso');
    a.pointerDown(at(0, 0));
    a.pointerMove(at(20, 0));
    a.pointerMove(at(20, 20));
    a.pointerUp(at(20, 20));
    const id = a.selectedId!;
    const v = session(db, 'vic', new SquareEngine(), false);
    const before = Y.encodeStateVector(db);
    v.pointerDown(at(5, 5));
    v.setTool('brush');
    v.pointerDown(at(5, 5));
    v.pointerUp(at(5, 5));
    v.deleteObject(id);
    v.setObjectLabel(id, 'x');
    v.undo();
    expect(Y.encodeStateVector(db)).toEqual(before);
    expect(v.message?.text).toMatch(/not edit/);
  });

  it('select hits the topmost mask and move shifts it', () => {
    const [da] = linkedDocs();
    const a = session(da, 'ana', null);
    a.setTool('polygon');
    for (const p of [[0, 0], [20, 0], [20, 20], [0, 20]]) a.pointerDown(at(p[0], p[1]));
    a.key({ key: 'Enter', alt: false, shift: false, ctrl: false });
    const first = a.selectedId!;
    for (const p of [[10, 10], [30, 10], [30, 30], [10, 30]]) a.pointerDown(at(p[0], p[1]));
    a.key({ key: 'Enter', alt: false, shift: false, ctrl: false });
    const second = a.selectedId!;
    expect(a.hitTest({ x: 15, y: 15 })).toBe(second);
    expect(a.hitTest({ x: 5, y: 5 })).toBe(first);
    expect(a.hitTest({ x: 40, y: 40 })).toBeNull();
    a.setTool('select');
    a.pointerDown(at(5, 5));
    a.pointerMove(at(45, 25));
    a.pointerUp(at(45, 25));
    expect(a.hitTest({ x: 5, y: 5 })).toBeNull();
    expect(a.hitTest({ x: 45, y: 25 })).toBe(first);
    expect(rleArea(a.model.read(first as ObjectId)!.mask!)).toBe(400);
  });

  it("A's undo never deletes an object that B has changed since A created it", () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    a.setTool('polygon');
    for (const p of [[5, 5], [30, 5], [30, 30], [5, 30]]) a.pointerDown(at(p[0], p[1]));
    a.key({ key: 'Enter', alt: false, shift: false, ctrl: false });
    const id = a.selectedId!;
    b.select(id);
    b.setTool('brush');
    b.pointerDown(at(45, 40));
    b.pointerUp(at(45, 40));
    const bMask = b.model.read(id)!.mask;
    a.undo();
    a.undo();
    expect(b.model.read(id)?.mask).toEqual(bMask);
    expect(a.message?.text).toMatch(/changed by someone else/);
    expect(a.history.canUndo).toBe(false);
  });
});
