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
