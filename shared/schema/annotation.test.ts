import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { emptyRle, encodeRle } from '../codecs/rle';
import { isTandemError } from '../protocol/errors';
import {
  appendClicks,
  clearClicks,
  createObject,
  deleteObject,
  initTaskDoc,
  listObjects,
  objectsMap,
  observeObjects,
  readMeta,
  readObject,
  setFlags,
  setLabel,
  setMask,
  type Click,
} from './annotation';
import type { ObjectId } from './ids';
import { LocalOrigin, ServerOrigin } from './origins';
import { createUndoManager } from './undo';

const W = 8;
const H = 6;

function taskDoc(): Y.Doc {
  const doc = new Y.Doc();
  initTaskDoc(doc, { taskId: 't1', width: W, height: H });
  return doc;
}

function box(x0: number, y0: number, x1: number, y1: number) {
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
  return encodeRle(m, W, H);
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isTandemError(e) ? e.code : 'not a TandemError';
  }
  return undefined;
}

const click = (x: number, y: number, positive = true): Click => ({ x, y, positive, by: 'ana', at: 1 });

describe('task document schema v1', () => {
  it('initialises meta once and keeps the layout of contract 4', () => {
    const doc = taskDoc();
    initTaskDoc(doc, { taskId: 'other', width: 1, height: 1 });
    expect(readMeta(doc)).toEqual({ schemaVersion: 1, taskId: 't1', width: W, height: H });
    const id = createObject(doc, { label: 'cat', mask: box(1, 1, 3, 3), clicks: [click(1.5, 1.5)], by: 'ana' });
    // The raw Yjs layout other tools (and outside tests) rely on.
    const o = doc.getMap('objects').get(id) as Y.Map<unknown>;
    expect(o).toBeInstanceOf(Y.Map);
    expect(o.get('label')).toBe('cat');
    expect(o.get('mask')).toEqual({ size: [H, W], counts: box(1, 1, 3, 3).counts });
    expect(o.get('clicks')).toBeInstanceOf(Y.Array);
    expect((o.get('clicks') as Y.Array<Click>).toArray()).toEqual([click(1.5, 1.5)]);
    expect(o.get('createdBy')).toBe('ana');
    expect(typeof o.get('updatedAt')).toBe('number');
    expect(doc.getMap('meta').get('schemaVersion')).toBe(1);
  });

  it('creates, edits and reads objects back as validated plain values', () => {
    const doc = taskDoc();
    const id = createObject(doc, { id: 'o1' as ObjectId, label: 'cat', by: 'ana', source: 'model', model: 'm1', at: 1000 });
    expect(readObject(doc, id)).toMatchObject({ id: 'o1', label: 'cat', mask: null, clicks: [], createdBy: 'ana', createdAt: 1000, source: 'model', model: 'm1' });
    setLabel(doc, id, 'dog', 'bo');
    setMask(doc, id, box(0, 0, 2, 2), 'bo', { source: 'brush' });
    appendClicks(doc, id, [click(1, 1), click(5, 5, false)], 'bo');
    setFlags(doc, id, { hidden: true }, 'bo');
    const o = readObject(doc, id)!;
    expect(o.label).toBe('dog');
    expect(o.mask).toEqual(box(0, 0, 2, 2));
    expect(o.source).toBe('brush');
    expect(o.model).toBeUndefined(); // a brush stroke has no model
    expect(o.clicks).toHaveLength(2);
    expect(o.hidden).toBe(true);
    expect(o.locked).toBeUndefined();
    expect(o.updatedBy).toBe('bo');
    expect(o.createdBy).toBe('ana');
    clearClicks(doc, id, 'bo');
    expect(readObject(doc, id)!.clicks).toEqual([]);
    setMask(doc, id, null, 'bo');
    expect(readObject(doc, id)!.mask).toBeNull();
    expect(readObject(doc, id)!.source).toBe('brush'); // no opts: provenance untouched
    deleteObject(doc, id);
    expect(readObject(doc, id)).toBeNull();
    expect(listObjects(doc)).toEqual([]);
  });

  it('lists objects by creation time, then id', () => {
    const doc = taskDoc();
    createObject(doc, { id: 'b' as ObjectId, label: 'x', by: 'u', at: 2 });
    createObject(doc, { id: 'c' as ObjectId, label: 'x', by: 'u', at: 1 });
    createObject(doc, { id: 'a' as ObjectId, label: 'x', by: 'u', at: 2 });
    expect(listObjects(doc).map((o) => o.id)).toEqual(['c', 'a', 'b']);
  });

  it('throws not_found, conflict and validation_failed where it should', () => {
    const doc = taskDoc();
    const missing = 'nope' as ObjectId;
    expect(code(() => setLabel(doc, missing, 'x', 'u'))).toBe('not_found');
    expect(code(() => setMask(doc, missing, null, 'u'))).toBe('not_found');
    expect(code(() => appendClicks(doc, missing, [click(1, 1)], 'u'))).toBe('not_found');
    expect(code(() => clearClicks(doc, missing, 'u'))).toBe('not_found');
    expect(code(() => setFlags(doc, missing, { locked: true }, 'u'))).toBe('not_found');
    expect(code(() => deleteObject(doc, missing))).toBe('not_found');
    const id = createObject(doc, { label: 'x', by: 'u' });
    expect(code(() => createObject(doc, { id, label: 'y', by: 'u' }))).toBe('conflict');
    expect(code(() => setMask(doc, id, emptyRle(W + 1, H), 'u'))).toBe('validation_failed'); // wrong size
    expect(code(() => setMask(doc, id, { size: [H, W], counts: '1' }, 'u'))).toBe('validation_failed');
    expect(code(() => appendClicks(doc, id, [{ ...click(1, 1), x: NaN }], 'u'))).toBe('validation_failed');
    expect(code(() => setLabel(doc, id, 'x'.repeat(201), 'u'))).toBe('validation_failed');
    // Nothing of the refused writes landed.
    expect(readObject(doc, id)).toMatchObject({ label: 'x', mask: null, clicks: [] });
  });

  it('never throws on remote garbage: invalid entries read as null and are left out', () => {
    const doc = taskDoc();
    createObject(doc, { id: 'ok' as ObjectId, label: 'fine', by: 'u' });
    const objects = objectsMap(doc) as Y.Map<unknown>;
    objects.set('str', 'not a map');
    const bad = new Y.Map<unknown>();
    objects.set('badmask', bad);
    bad.set('label', 'x');
    bad.set('mask', { size: [H, W], counts: 'zz' });
    bad.set('clicks', new Y.Array());
    bad.set('createdBy', 'u');
    bad.set('createdAt', 1);
    const wrongSize = new Y.Map<unknown>();
    objects.set('wrongsize', wrongSize);
    wrongSize.set('mask', emptyRle(3, 3));
    wrongSize.set('createdBy', 'u');
    wrongSize.set('createdAt', 1);
    expect(readObject(doc, 'str' as ObjectId)).toBeNull();
    expect(readObject(doc, 'badmask' as ObjectId)).toBeNull();
    expect(readObject(doc, 'wrongsize' as ObjectId)).toBeNull();
    expect(listObjects(doc).map((o) => o.id)).toEqual(['ok']);
  });

  it('reports the ids each transaction touched, with its origin', () => {
    const doc = taskDoc();
    const seen: [string[], unknown][] = [];
    const stop = observeObjects(doc, (ids, origin) => seen.push([[...ids].sort(), origin]));
    const local = new LocalOrigin('ana');
    const a = createObject(doc, { id: 'a' as ObjectId, label: 'x', by: 'ana' }, local);
    appendClicks(doc, a, [click(1, 1)], 'ana', local);
    doc.transact(() => {
      createObject(doc, { id: 'b' as ObjectId, label: 'y', by: 'srv' });
      setLabel(doc, a, 'z', 'srv');
    }, ServerOrigin);
    deleteObject(doc, a, local);
    stop();
    setLabel(doc, 'b' as ObjectId, 'after', 'srv');
    expect(seen).toEqual([
      [['a'], local],
      [['a'], local],
      [['a', 'b'], ServerOrigin],
      [['a'], local],
    ]);
  });

  it('undo reverts only the local origin and leaves a collaborator\u2019s edits', () => {
    const doc = taskDoc();
    const ana = new LocalOrigin('ana');
    const um = createUndoManager(doc, ana, { captureTimeout: 0 });
    const id = createObject(doc, { label: 'cat', by: 'ana' }, ana);
    setMask(doc, id, box(0, 0, 4, 4), 'ana', { source: 'model', model: 'm' }, ana);
    setLabel(doc, id, 'dog', 'bo', new LocalOrigin('bo')); // someone else
    um.undo(); // Ana's mask
    expect(readObject(doc, id)).toMatchObject({ label: 'dog', mask: null });
    um.redo();
    expect(readObject(doc, id)!.mask).toEqual(box(0, 0, 4, 4));
    um.undo();
    um.undo(); // Ana's creation
    expect(readObject(doc, id)).toBeNull();
  });

  it('caps the undo stack', () => {
    const doc = taskDoc();
    const ana = new LocalOrigin('ana');
    const um = createUndoManager(doc, ana, { captureTimeout: 0, maxDepth: 3 });
    const id = createObject(doc, { label: 'l0', by: 'ana' }, ana);
    for (let i = 1; i <= 6; i++) setLabel(doc, id, `l${i}`, 'ana', ana);
    expect(um.undoStack.length).toBe(3);
    while (um.canUndo()) um.undo();
    expect(readObject(doc, id)!.label).toBe('l3');
  });
});
