// Re-fit (T): masks pasted from the previous frame, or imported, fitted to this image with the
// model: each selected object's request carries a click inside it, its box grown, and its mask.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { rleBbox } from '../../../shared/codecs/rle';
import { drawPolygon, linkedDocs, press, session, SquareEngine, until } from './sessionFixtures';

describe('re-fit', () => {
  it('asks the model once per selected mask with a click inside it, the grown box and the mask; the answer replaces it', async () => {
    const [da, db] = linkedDocs();
    const engine = new SquareEngine();
    const a = session(da, 'ana', engine);
    const b = session(db, 'bo', null);
    const p = drawPolygon(a, [[10, 10], [30, 10], [30, 30], [10, 30]]);
    const q = drawPolygon(a, [[40, 20], [60, 20], [60, 40], [40, 40]]);
    b.setLocked(q, true);
    const before = a.model.read(p)!.mask!;
    a.selectMany([p, q], false);
    expect(press(a, 't')).toBe(true);
    await until(() => engine.requests.length === 1);
    const req = engine.requests[0];
    expect(req.objectId).toBe(p);
    expect(req.clicks).toHaveLength(1);
    const [c] = req.clicks;
    expect([c.positive, c.x >= 17 && c.x <= 23, c.y >= 17 && c.y <= 23]).toEqual([true, true, true]);
    expect(req.prevMask).toEqual(before);
    const [x, y, w, h] = rleBbox(before);
    expect(req.box).toEqual([x - 0.15 * w, y - 0.15 * h, x + w + 0.15 * w, y + h + 0.15 * h]);
    expect(a.message?.text).toBe('This object is locked.'); // q: left as it is
    // The answer (a 10 px square at the click) is the object's mask now, for everyone.
    await until(() => b.model.read(p)?.source === 'model');
    expect(rleBbox(b.model.read(p)!.mask!)).toEqual([c.x - 5, c.y - 5, 10, 10]);
    // Undo takes the re-fit back: the mask from before, without the re-fit's click.
    a.undo();
    expect(b.model.read(p)!.mask).toEqual(before);
    expect(b.model.read(p)!.clicks).toEqual([]);
  });

  it('says so without the smart tools', () => {
    const a = session(new Y.Doc(), 'ana', null);
    a.select(drawPolygon(a, [[10, 10], [30, 10], [30, 30]]));
    a.refitSelected();
    expect(a.message?.text).toMatch(/needs the smart tools/);
  });
});
