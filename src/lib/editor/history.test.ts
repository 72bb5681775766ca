import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LocalOrigin } from '../../../shared/schema/origins';
import { readImageAttributes, readImageSetBy, setImageAttributes } from '../../../shared/schema/imageAttributes';
import { History } from './history';

describe('History.isOwn', () => {
  it("tells this session's edits and its undo / redo from another tab's and the network's", () => {
    const doc = new Y.Doc();
    const mine = new LocalOrigin('ana', 'tab-1');
    const h = new History(doc, mine);
    const origins: unknown[] = [];
    doc.on('afterTransaction', (t: Y.Transaction) => origins.push(t.origin));
    doc.transact(() => doc.getMap('objects').set('a', 1), mine);
    h.undo();
    doc.transact(() => doc.getMap('objects').set('b', 1), new LocalOrigin('ana', 'tab-2'));
    doc.transact(() => doc.getMap('objects').set('c', 1), 'remote');
    expect(origins.map((o) => h.isOwn(o))).toEqual([true, true, false, false]);
    h.destroy();
  });
});

describe('undo of an image value', () => {
  it('marks the values it changes as set by the one who undid, and the mark is no step of its own', () => {
    const doc = new Y.Doc();
    const ana = new LocalOrigin('ana', 'tab-1');
    const ben = new LocalOrigin('ben', 'tab-1');
    const h = new History(doc, ben);
    setImageAttributes(doc, { weather: 'rain' }, ana, 'ana');
    setImageAttributes(doc, { weather: 'snow', night: true }, ben, 'ben');
    h.undo();
    expect(readImageAttributes(doc)).toEqual({ weather: 'rain' });
    // Ben took them back: both are his now, the value he restored and the one he took away.
    expect(Object.fromEntries(Object.entries(readImageSetBy(doc)).map(([k, v]) => [k, v.by]))).toEqual({ weather: 'ben', night: 'ben' });
    expect(h.canUndo).toBe(false);
    h.redo();
    expect(readImageAttributes(doc)).toEqual({ weather: 'snow', night: true });
    expect(readImageSetBy(doc).weather.by).toBe('ben');
    h.destroy();
  });
});
