import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { imageMap, imageSetByMap, observeImageAttributes, readImageAttributes, readImageSetBy, setImageAttributes } from './imageAttributes';
import { LocalOrigin } from './origins';
import { createUndoManager } from './undo';

describe("the image's own attributes", () => {
  it('are set per name (null removes one), read back, and a client’s garbage is left out', () => {
    const doc = new Y.Doc();
    setImageAttributes(doc, { weather: 'rain', night: true, people: 3 });
    setImageAttributes(doc, { night: null });
    imageMap(doc).set('bad', { nested: 1 }); // what a hostile client could write
    imageMap(doc).set('', 'no name');
    expect(readImageAttributes(doc)).toEqual({ weather: 'rain', people: 3 });
    expect(() => setImageAttributes(doc, { people: Number.NaN })).toThrow(/invalid value for attribute "people"/);
    expect(() => setImageAttributes(doc, { note: 'x'.repeat(2000) })).toThrow(/invalid value/);
  });

  it('two people setting different ones at once both keep theirs', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    setImageAttributes(a, { weather: 'snow' });
    setImageAttributes(b, { night: true });
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(readImageAttributes(a)).toEqual({ weather: 'snow', night: true });
    expect(readImageAttributes(b)).toEqual(readImageAttributes(a));
  });

  it('undo reverts my change of them, not a collaborator’s, and observers hear each change', () => {
    const doc = new Y.Doc();
    const ana = new LocalOrigin('ana');
    const um = createUndoManager(doc, ana, { captureTimeout: 0 });
    let heard = 0;
    const stop = observeImageAttributes(doc, () => heard++);
    setImageAttributes(doc, { weather: 'rain' }, ana);
    setImageAttributes(doc, { night: true }, new LocalOrigin('bo'));
    um.undo();
    expect(readImageAttributes(doc)).toEqual({ night: true });
    um.redo();
    expect(readImageAttributes(doc)).toEqual({ weather: 'rain', night: true });
    stop();
    setImageAttributes(doc, { weather: 'clear' });
    expect(heard).toBe(4);
  });

  it('say who set each one last and when; undo takes that back with the value', () => {
    const doc = new Y.Doc();
    const ana = new LocalOrigin('ana');
    const um = createUndoManager(doc, ana, { captureTimeout: 0 });
    const before = Date.now();
    setImageAttributes(doc, { weather: 'rain', night: true }, new LocalOrigin('bo'), 'u-bo');
    setImageAttributes(doc, { weather: 'snow' }, ana, 'u-ana');
    const setBy = readImageSetBy(doc);
    expect(setBy).toMatchObject({ weather: { by: 'u-ana' }, night: { by: 'u-bo' } });
    expect(setBy.weather.at).toBeGreaterThanOrEqual(before);
    um.undo();
    expect(readImageAttributes(doc)).toEqual({ weather: 'rain', night: true });
    expect(readImageSetBy(doc).weather.by).toBe('u-bo');
    // Without a user (an older writer) the values change and the record stays; garbage is left out.
    setImageAttributes(doc, { night: null });
    expect(readImageSetBy(doc).night.by).toBe('u-bo');
    imageSetByMap(doc).set('x', { by: 5 });
    imageSetByMap(doc).set('y', 'Ana');
    expect(Object.keys(readImageSetBy(doc)).sort()).toEqual(['night', 'weather']);
  });
});
