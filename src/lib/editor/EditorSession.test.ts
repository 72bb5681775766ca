// Two sessions on two Y.Docs wired together in memory (as the sync server would relay updates).
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { decodeRle, encodeRle, rleArea } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';
import { LocalOrigin } from '../../../shared/schema/origins';
import { EditorSession } from './EditorSession';
import { at, dab, drawLasso, drawPolygon, H, linkedDocs, press, session, SquareEngine, until, W } from './sessionFixtures';

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
    // The toolbar says which model answered and how long it took.
    expect(a.lastSegment?.model).toBe('square');
    expect(a.lastSegment?.ms).toBeGreaterThanOrEqual(0);
    expect(b.lastSegment).toBeNull();
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
    a.setBrushRadius(3);
    dab(a, 10, 10);
    const aId = a.selectedId!;
    const bId = drawLasso(b, [[40, 5], [60, 5], [60, 40]]);
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
    const id = drawPolygon(a, [[5, 5], [30, 5], [30, 30], [5, 30]]);
    a.history.boundary();
    b.select(id);
    b.setBrushRadius(4);
    dab(b, 40, 40);
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
    press(a, 'Escape');
    expect(a.model.has(id)).toBe(false);
    // refine an existing mask: select it, click, Escape brings the original back
    const drawn = drawLasso(a, [[0, 0], [20, 0], [20, 20]]);
    const original = a.model.read(drawn)!.mask;
    a.setTool('smart');
    a.pointerDown(at(50, 40));
    await until(() => a.model.read(drawn)!.mask!.counts !== original!.counts);
    press(a, 'Escape');
    expect(a.model.read(drawn)!.mask).toEqual(original);
  });

  it('a viewer cannot change anything and is told why', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const id = drawLasso(a, [[0, 0], [20, 0], [20, 20]]);
    const v = session(db, 'vic', new SquareEngine(), false);
    const before = Y.encodeStateVector(db);
    v.pointerDown(at(5, 5));
    dab(v, 5, 5);
    v.deleteObject(id);
    v.setObjectLabel(id, 'x');
    v.undo();
    expect(Y.encodeStateVector(db)).toEqual(before);
    expect(v.message?.text).toMatch(/not edit/);
  });

  it('a label shortcut sets the label of new objects and, with the select tool, relabels the selected object unless locked', () => {
    const [da] = linkedDocs();
    const a = session(da, 'ana', null);
    const id = drawLasso(a, [[0, 0], [20, 0], [20, 20]]);
    a.select(id);
    // With the lasso still in hand the label is for the next object: the one just drawn keeps its own.
    a.pickLabel('van');
    expect(a.label).toBe('van');
    expect(a.model.read(id)?.label).toBe('car');
    a.setTool('select');
    a.pickLabel('truck');
    expect(a.label).toBe('truck');
    expect(a.model.read(id)?.label).toBe('truck');
    a.setLocked(id, true);
    a.pickLabel('bus');
    expect(a.label).toBe('bus');
    expect(a.model.read(id)?.label).toBe('truck');
    a.select(null);
    a.pickLabel('car');
    expect(a.model.read(id)?.label).toBe('truck');
  });

  it('a read-only role works with the select tool, from the start or when it loses write access', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const id = drawLasso(a, [[0, 0], [20, 0], [20, 20]]);
    const v = session(db, 'vic', null, false);
    expect(v.toolId).toBe('select');
    v.pointerDown(at(15, 5));
    v.pointerUp(at(15, 5));
    expect(v.selectedId).toBe(id); // a reviewer selects the object to review it
    v.setTool('brush'); // its shortcut
    expect(v.toolId).toBe('select');
    expect(v.message?.text).toMatch(/not edit/);
    expect(a.toolId).toBe('lasso');
    a.setCanEdit(false);
    expect(a.toolId).toBe('select');
  });

  it('select hits the topmost mask and move shifts it', () => {
    const [da] = linkedDocs();
    const a = session(da, 'ana', null);
    // Stacking is by createdAt, then id: created in the same millisecond, two objects would stack
    // by their random ids. The clock moves between them, as it does between two real gestures.
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000 });
    let first: ObjectId, second: ObjectId;
    try {
      first = drawPolygon(a, [[0, 0], [20, 0], [20, 20], [0, 20]]);
      vi.setSystemTime(1_001);
      second = drawPolygon(a, [[10, 10], [30, 10], [30, 30], [10, 30]]);
    } finally {
      vi.useRealTimers();
    }
    expect(a.hitTest({ x: 15, y: 15 })).toBe(second);
    expect(a.hitTest({ x: 5, y: 5 })).toBe(first);
    expect(a.hitTest({ x: 40, y: 40 })).toBeNull();
    a.setTool('select');
    a.pointerDown(at(5, 5));
    a.pointerMove(at(45, 25));
    a.pointerUp(at(45, 25));
    expect(a.hitTest({ x: 5, y: 5 })).toBeNull();
    expect(a.hitTest({ x: 45, y: 25 })).toBe(first);
    expect(rleArea(a.model.read(first)!.mask!)).toBe(400);
  });

  it('fills the holes an eraser left and removes a stray brush dab, each one undo step; a locked object is left alone', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    const id = drawPolygon(a, [[5, 5], [35, 5], [35, 35], [5, 35]]);
    const full = rleArea(a.model.read(id)!.mask!);
    a.setTool('eraser');
    a.pointerDown(at(20, 20));
    a.pointerUp(at(20, 20));
    const holed = rleArea(a.model.read(id)!.mask!);
    expect(holed).toBeLessThan(full);
    expect(a.cleanMask(id, 'fill-holes')).toBe(full - holed);
    expect(rleArea(b.model.read(id)!.mask!)).toBe(full); // B sees it
    expect(a.model.read(id)!.source).toBe('fill-holes');
    expect(a.cleanMask(id, 'fill-holes')).toBe(0);
    expect(a.message?.text).toBe('This object has no holes.');
    a.undo();
    expect(rleArea(a.model.read(id)!.mask!)).toBe(holed);
    a.redo();
    // A dab of the brush away from the object, added to it: a speck.
    a.select(id);
    a.setTool('brush');
    a.setBrushRadius(1);
    a.pointerDown(at(55, 42));
    a.pointerUp(at(55, 42));
    expect(rleArea(a.model.read(id)!.mask!)).toBeGreaterThan(full);
    expect(a.cleanMask(id, 'remove-specks')).toBeGreaterThan(0);
    expect(rleArea(a.model.read(id)!.mask!)).toBe(full);
    b.setLocked(id, true);
    expect(a.cleanMask(id, 'fill-holes')).toBe(0);
    expect(a.message?.text).toBe('This object is locked.');
  });

  it('copies the selected objects and pastes them into another image of the same size, attributes included', () => {
    const a = session(new Y.Doc(), 'ana', null);
    expect(a.copySelected()).toBeNull();
    const id = drawPolygon(a, [[5, 5], [25, 5], [25, 25]]);
    a.model.setAttributes(id, { occluded: true }, 'ana');
    const copied = a.copySelected()!;
    expect(a.message?.text).toBe('Copied car.');
    const next = session(new Y.Doc(), 'ana', null);
    const [pasted] = next.paste(copied);
    expect(next.selectedIds()).toEqual([pasted]);
    const o = next.model.read(pasted)!;
    expect([o.label, o.mask, o.attributes, o.source]).toEqual(['car', a.model.read(id)!.mask, { occluded: true }, 'paste']);
    next.undo();
    expect(next.model.read(pasted)).toBeNull();
    expect(next.paste({ ...copied, width: W + 1 })).toEqual([]);
    expect(next.message?.text).toMatch(/from a 65×48 image; this one is 64×48/);
    const viewer = session(new Y.Doc(), 'vic', null, false);
    expect(viewer.paste(copied)).toEqual([]);
    expect(viewer.model.list()).toEqual([]);
    // Every mask of a frame to the next one: select all, copy, paste; one undo step takes them back.
    drawPolygon(a, [[30, 30], [50, 30], [50, 45]]);
    a.setLabel('truck');
    drawPolygon(a, [[40, 2], [44, 2], [44, 6]]);
    a.key({ key: 'a', alt: false, shift: false, ctrl: true });
    const all = a.copySelected()!;
    expect(a.message?.text).toBe('Copied 3 objects.');
    const ids = next.paste(all);
    expect(next.selectedIds()).toEqual(ids);
    expect(next.model.list().map((x) => [x.label, x.mask])).toEqual(a.model.list().map((x) => [x.label, x.mask]));
    next.undo();
    expect(next.model.list()).toEqual([]);
  });

  it('splits an object into its parts and merges two objects, each one undo step, seen by the other side', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    const id = drawPolygon(a, [[4, 4], [20, 4], [20, 20], [4, 20]]);
    a.model.setAttributes(id, { occluded: true }, 'ana');
    const square = rleArea(a.model.read(id)!.mask!);
    // A second square far from the first, painted into the same object.
    const other = drawPolygon(a, [[40, 24], [56, 24], [56, 40], [40, 40]]);
    a.mergeObjects(id, [other]);
    expect(b.model.read(other)).toBeNull();
    const merged = rleArea(b.model.read(id)!.mask!);
    expect(merged).toBe(2 * square);
    expect(b.model.read(id)!.attributes).toEqual({ occluded: true });

    expect(a.splitObject(id)).toBe(1);
    expect(a.message?.text).toBe('Split into 2 objects.');
    const objs = b.model.list();
    expect(objs).toHaveLength(2);
    expect(objs.map((o) => rleArea(o.mask!))).toEqual([square, square]);
    expect(objs.every((o) => o.label === 'car' && o.attributes?.occluded === true)).toBe(true);
    expect(a.splitObject(id)).toBe(0);
    expect(a.message?.text).toBe('This object is in one piece.');
    a.undo(); // the split, whole
    expect(b.model.list()).toHaveLength(1);
    expect(rleArea(b.model.read(id)!.mask!)).toBe(merged);
    a.undo(); // the merge, whole
    expect(b.model.list()).toHaveLength(2);
    expect(rleArea(b.model.read(id)!.mask!)).toBe(square);
    // Locked objects are neither split nor merged.
    b.setLocked(other, true);
    a.mergeObjects(id, [other]);
    expect(a.message?.text).toBe('This object is locked.');
    expect(b.model.read(other)).not.toBeNull();
  });

  it("A's undo never deletes an object that B has changed since A created it", () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    const id = drawPolygon(a, [[5, 5], [30, 5], [30, 30], [5, 30]]);
    b.select(id);
    dab(b, 45, 40);
    const bMask = b.model.read(id)!.mask;
    a.undo();
    a.undo();
    expect(b.model.read(id)?.mask).toEqual(bMask);
    expect(a.message?.text).toMatch(/changed by someone else/);
    expect(a.history.canUndo).toBe(false);
  });
});
