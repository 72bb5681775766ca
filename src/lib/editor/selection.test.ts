// Several objects selected at once: what a reviewer cleaning up a crowd does in one go, each
// action one undo step, seen by the collaborator, locks respected.
import { describe, expect, it } from 'vitest';
import { rleBbox } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';
import { at, drawPolygon, linkedDocs, press, session } from './sessionFixtures';

/** Three squares side by side, drawn by `s`; returns their ids left to right. */
function threeSquares(s: ReturnType<typeof session>): ObjectId[] {
  return [2, 22, 42].map((x) => drawPolygon(s, [[x, 4], [x + 12, 4], [x + 12, 16], [x, 16]]));
}

const ctrl = (key: string) => ({ key, alt: false, shift: false, ctrl: true });
/** Ids in a stable order: objects drawn in the same millisecond stack by their random ids. */
const sorted = (ids: readonly string[]) => [...ids].sort();
const idsOf = (s: ReturnType<typeof session>) => sorted(s.model.list().map((o) => o.id));

describe('multi-selection', () => {
  it('Shift-click and the marquee select several objects; Escape clears; what others delete leaves it', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    const [p, q, r] = threeSquares(a);
    a.setTool('select');
    a.pointerDown(at(5, 10));
    a.pointerUp(at(5, 10));
    a.pointerDown(at(45, 10, { shift: true }));
    a.pointerUp(at(45, 10, { shift: true }));
    expect(a.selectedIds()).toEqual([p, r]);
    // A marquee from empty space around the middle and right squares (wholly inside) only.
    a.pointerDown(at(20, 2));
    a.pointerMove(at(63, 30));
    a.pointerUp(at(63, 30));
    expect(sorted(a.selectedIds())).toEqual(sorted([q, r]));
    b.deleteObject(r);
    expect(a.selectedIds()).toEqual([q]);
    press(a, 'Escape');
    expect(a.selectedIds()).toEqual([]);
    expect(a.key(ctrl('a'))).toBe(true);
    expect(sorted(a.selectedIds())).toEqual(sorted([p, q]));
  });

  it('Delete removes every selected object but the locked ones, one undo step brings them back', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    const [p, q, r] = threeSquares(a);
    b.setLocked(q, true);
    a.selectMany([p, q, r], false);
    press(a, 'Delete');
    expect(idsOf(b)).toEqual([q]);
    expect(a.message?.text).toBe('Deleted 2 objects (1 locked object left as it is).');
    expect(a.selectedIds()).toEqual([q]);
    a.undo();
    expect(idsOf(b)).toEqual(sorted([p, q, r]));
  });

  it('a label key with the select tool relabels every selected object at once', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    const [p, q, r] = threeSquares(a);
    a.setTool('select');
    a.selectMany([p, r], false);
    a.pickLabel('truck');
    expect([p, q, r].map((id) => b.model.read(id)?.label)).toEqual(['truck', 'car', 'truck']);
    expect(a.message?.text).toBe('2 objects relabelled truck.');
    a.undo();
    expect(b.model.list().map((o) => o.label)).toEqual(['car', 'car', 'car']);
  });

  it('M merges the selected objects into the first one selected, one undo step', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    const [p, q, r] = threeSquares(a);
    a.selectMany([q, p, r], false);
    press(a, 'm');
    expect(idsOf(b)).toEqual([q]);
    expect(rleBbox(b.model.read(q)!.mask!)).toEqual([2, 4, 52, 12]);
    expect(a.message?.text).toBe('Merged 3 objects into one.');
    expect(a.selectedIds()).toEqual([q]);
    a.undo();
    expect(idsOf(b)).toEqual(sorted([p, q, r]));
    expect(rleBbox(b.model.read(q)!.mask!)).toEqual([22, 4, 12, 12]);
    // One object selected: M is no merge (and no tool either).
    a.select(p);
    expect(press(a, 'm')).toBe(false);
  });

  it('dragging one of the selected objects moves them all, one undo step; a locked one stays', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const b = session(db, 'bo', null);
    const [p, q, r] = threeSquares(a);
    b.setLocked(r, true);
    a.selectMany([p, q, r], false);
    a.setTool('select');
    a.pointerDown(at(25, 10));
    a.pointerMove(at(27, 25));
    a.pointerUp(at(27, 25));
    const boxes = () => [p, q, r].map((id) => rleBbox(b.model.read(id)!.mask!).slice(0, 2));
    expect(boxes()).toEqual([[4, 19], [24, 19], [42, 4]]);
    a.undo();
    expect(boxes()).toEqual([[2, 4], [22, 4], [42, 4]]);
  });

  it('hiding several is one step; a read-only role changes none of them', () => {
    const [da, db] = linkedDocs();
    const a = session(da, 'ana', null);
    const v = session(db, 'vic', null, false);
    const ids = threeSquares(a);
    a.selectMany(ids, false);
    a.setSelectedFlag({ hidden: true });
    expect(v.model.list().every((o) => o.hidden)).toBe(true);
    a.undo();
    expect(v.model.list().some((o) => o.hidden)).toBe(false);
    a.setSelectedFlag({ locked: true });
    expect(v.model.list().every((o) => o.locked)).toBe(true);
    a.setSelectedFlag({ locked: false }); // a lock is lifted for all of them too
    expect(v.model.list().some((o) => o.locked)).toBe(false);
    v.selectMany(ids, false);
    press(v, 'Delete');
    v.setTool('select');
    v.pickLabel('truck');
    expect(v.model.list().map((o) => o.label)).toEqual(['car', 'car', 'car']);
    expect(v.message?.text).toMatch(/read-only/);
  });
});
