// Masks kept apart (overlap.ts) through the session, as a user works: the model's answer, a brush
// stroke, a polygon and "fill holes" stop at the other objects' pixels; with it off they overlap.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeRle, rleArea, rleIntersection } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';
import { at, drawPolygon, press, session, SquareEngine, until, W } from './sessionFixtures';

const pixel = (s: ReturnType<typeof session>, id: ObjectId, x: number, y: number) => decodeRle(s.model.read(id)!.mask!).data[y * W + x];

describe('masks kept apart', () => {
  it("the model's mask, a brush stroke and a polygon leave out the other objects' pixels", async () => {
    const s = session(new Y.Doc(), 'ana', new SquareEngine());
    const person = drawPolygon(s, [[10, 10], [30, 10], [30, 30], [10, 30]]);
    const before = s.model.read(person)!.mask!;
    s.masks.apart = true;
    // The model's square around (32, 20) spans x 27-36: the person's columns 27-29 stay the person's.
    s.setTool('smart');
    s.select(null);
    s.pointerDown(at(32, 20));
    const car = s.selectedId!;
    await until(() => !!s.model.read(car)?.mask);
    expect([pixel(s, car, 28, 20), pixel(s, car, 33, 20)]).toEqual([0, 1]);
    expect(rleArea(s.model.read(car)!.mask!)).toBe(70);
    expect(rleIntersection(s.model.read(car)!.mask!, before)).toMatchObject({ size: before.size });
    expect(rleArea(rleIntersection(s.model.read(car)!.mask!, before))).toBe(0);
    expect(s.model.read(person)!.mask).toEqual(before); // the other object untouched
    press(s, 'Enter');
    // A brush stroke into the car across the person adds only what is outside the person.
    s.select(car);
    s.setTool('brush');
    s.setBrushRadius(2);
    s.pointerDown(at(20, 40));
    s.pointerMove(at(20, 26));
    s.pointerUp(at(20, 26));
    expect([pixel(s, car, 20, 38), pixel(s, car, 20, 28)]).toEqual([1, 0]);
    // A new polygon wholly inside the person makes no object, and says why.
    const count = s.model.list().length;
    s.select(null);
    drawPolygon(s, [[14, 14], [20, 14], [20, 20], [14, 20]]);
    expect(s.model.list()).toHaveLength(count);
    expect(s.message?.text).toMatch(/other objects cover it/);
    // The eraser and undo are not fitted: the person's pixels are the person's to give up.
    expect(s.model.read(person)!.mask).toEqual(before);
  });

  it('fill holes leaves an object inside the hole alone; with masks allowed to overlap, it is swallowed', () => {
    for (const apart of [true, false]) {
      const s = session(new Y.Doc(), 'ana', null);
      s.masks.apart = apart;
      const ring = drawPolygon(s, [[5, 5], [40, 5], [40, 40], [5, 40]]);
      s.select(ring);
      s.setTool('polygon');
      // Cut a hole (Alt: subtract from the selected object), then put a ball in it.
      for (const [x, y] of [[15, 15], [30, 15], [30, 30], [15, 30]] as Array<[number, number]>) s.pointerDown(at(x, y, { alt: true }));
      press(s, 'Enter');
      expect(pixel(s, ring, 20, 20)).toBe(0);
      s.select(null);
      const ball = drawPolygon(s, [[18, 18], [26, 18], [26, 26], [18, 26]]);
      expect(pixel(s, ball, 20, 20)).toBe(1);
      s.cleanMask(ring, 'fill-holes');
      expect([pixel(s, ring, 20, 20), pixel(s, ring, 16, 16)]).toEqual([apart ? 0 : 1, 1]);
    }
  });
});

describe('masks kept apart when a command moves pixels', () => {
  it('a move stops at the objects it lands on; objects moving together do not block each other', () => {
    const s = session(new Y.Doc(), 'ana', null);
    s.masks.apart = true;
    const left = drawPolygon(s, [[2, 4], [14, 4], [14, 16], [2, 16]]);
    s.select(null);
    const right = drawPolygon(s, [[14, 4], [26, 4], [26, 16], [14, 16]]);
    s.select(null);
    const post = drawPolygon(s, [[40, 2], [52, 2], [52, 18], [40, 18]]);
    const area = rleArea(s.model.read(left)!.mask!);
    // Both squares 12 px right: the left one lands where the right one was, which moves too.
    s.moveObjects([left, right], 12, 0);
    expect(rleArea(s.model.read(left)!.mask!)).toBe(area);
    expect([pixel(s, left, 16, 8), pixel(s, right, 30, 8)]).toEqual([1, 1]);
    // The right one then goes onto the post: the post keeps its columns.
    const postMask = s.model.read(post)!.mask!;
    s.moveObjects([right], 8, 0);
    expect([pixel(s, right, 38, 8), pixel(s, right, 42, 8)]).toEqual([1, 0]);
    expect(rleArea(rleIntersection(s.model.read(right)!.mask!, postMask))).toBe(0);
    expect(s.model.read(post)!.mask).toEqual(postMask);
    expect(s.message?.text).toMatch(/No overlap/);
    // Undo puts the move back whole.
    s.undo();
    expect(pixel(s, right, 30, 8)).toBe(1);
  });

  it("a merge keeps the merged objects' pixels and leaves out the others'", () => {
    const s = session(new Y.Doc(), 'ana', null);
    const a = drawPolygon(s, [[4, 4], [14, 4], [14, 14], [4, 14]]);
    s.select(null);
    const b = drawPolygon(s, [[10, 10], [24, 10], [24, 20], [10, 20]]);
    s.select(null);
    const c = drawPolygon(s, [[20, 16], [30, 16], [30, 26], [20, 26]]); // drawn overlapping while allowed
    s.masks.apart = true;
    s.mergeObjects(a, [b]);
    expect(s.model.has(b)).toBe(false);
    // b's pixels under a and b's own are a's now; the corner c shares with b stays c's alone.
    expect([pixel(s, a, 12, 12), pixel(s, a, 15, 12), pixel(s, a, 22, 18)]).toEqual([1, 1, 0]);
    expect(pixel(s, c, 22, 18)).toBe(1);
  });

  it('a paste leaves out what the objects already here have; a copy wholly on them is not made', () => {
    const from = session(new Y.Doc(), 'ana', null);
    const car = drawPolygon(from, [[4, 4], [20, 4], [20, 20], [4, 20]]);
    from.select(car);
    const clip = from.copySelected()!;
    const s = session(new Y.Doc(), 'ana', null);
    const person = drawPolygon(s, [[16, 4], [30, 4], [30, 20], [16, 20]]);
    s.masks.apart = true;
    const [copy] = s.paste(clip);
    expect([pixel(s, copy, 10, 10), pixel(s, copy, 18, 10)]).toEqual([1, 0]);
    expect(pixel(s, person, 18, 10)).toBe(1);
    // Pasted again in the same image, the copy lies wholly on the first: nothing is made.
    const count = s.model.list().length;
    expect(s.paste(clip)).toEqual([]);
    expect(s.model.list()).toHaveLength(count);
    expect(s.message?.text).toMatch(/wholly on objects already here/);
    // With masks allowed to overlap it is pasted as copied.
    s.masks.apart = false;
    expect(s.paste(clip)).toHaveLength(1);
  });
});
