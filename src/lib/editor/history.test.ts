import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LocalOrigin } from '../../../shared/schema/origins';
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
