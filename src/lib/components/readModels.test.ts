// The read-models outside a reactive context return fresh values on every read; these tests
// check what they return after document, session and awareness changes.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { initTaskDoc } from '../../../shared/schema/annotation';
import { LocalOrigin } from '../../../shared/schema/origins';
import { EditorSession } from '../editor/EditorSession';
import { ObjectsModel, PeersModel, SessionModel, SyncModel } from './readModels';

function setup() {
  const doc = new Y.Doc();
  initTaskDoc(doc, { taskId: 't1', width: 32, height: 32 });
  const session = new EditorSession({
    doc, taskId: 't1', width: 32, height: 32, user: { id: 'u1', name: 'Ana' }, canEdit: true, label: 'cat',
    origin: new LocalOrigin('u1', 's1'), inference: null,
  });
  return { doc, session };
}
const key = (k: string, ctrl = false, shift = false) => ({ key: k, ctrl, shift, alt: false });

describe('read-models', () => {
  it('object list follows the document, including a remote delete', () => {
    const { doc, session } = setup();
    const objects = new ObjectsModel(session);
    expect(objects.list).toEqual([]);
    session.setTool('polygon');
    for (const p of [[1, 1], [20, 1], [20, 20]]) session.pointerDown({ ptImage: { x: p[0], y: p[1] }, button: 0, alt: false, shift: false, scale: 1 });
    session.key(key('Enter'));
    expect(objects.list.map((o) => o.label)).toEqual(['cat']);
    const first = objects.list;
    expect(objects.list).toBe(first); // cached until the doc changes
    doc.transact(() => doc.getMap('objects').delete(first[0].id), 'remote');
    expect(objects.list).toEqual([]);
    objects.destroy();
  });

  it("the mask checks follow the document: a polygon drawn twice, then one of them gone", () => {
    const { doc, session } = setup();
    const objects = new ObjectsModel(session);
    session.setTool('polygon');
    for (let k = 0; k < 2; k++) {
      for (const p of [[1, 1], [20, 1], [20, 20]]) session.pointerDown({ ptImage: { x: p[0], y: p[1] }, button: 0, alt: false, shift: false, scale: 1 });
      session.key(key('Enter'));
    }
    const [a, b] = objects.list;
    expect(objects.issues).toMatchObject([{ kind: 'duplicate', objectId: a.id, other: b.id }, { kind: 'duplicate', objectId: b.id, other: a.id }]);
    expect(objects.issues).toBe(objects.issues); // cached until the doc changes
    doc.transact(() => doc.getMap('objects').delete(a.id), 'remote');
    expect(objects.issues).toEqual([]);
    objects.destroy();
  });

  it('session model reflects tool, brush size, undo availability and role', () => {
    const { session } = setup();
    const ui = new SessionModel(session);
    expect(ui.tool).toBe('smart');
    session.key(key('p'));
    expect(ui.tool).toBe('brush');
    const r = ui.brushRadius;
    session.key(key(']'));
    expect(ui.brushRadius).toBeGreaterThan(r);
    expect(ui.canUndo).toBe(false);
    session.pointerDown({ ptImage: { x: 5, y: 5 }, button: 0, alt: false, shift: false, scale: 1 });
    session.pointerUp({ ptImage: { x: 5, y: 5 }, button: 0, alt: false, shift: false, scale: 1 });
    expect(ui.canUndo).toBe(true);
    session.key(key('z', true));
    expect(ui.canUndo).toBe(false);
    expect(ui.canRedo).toBe(true);
    session.setCanEdit(false);
    expect(ui.canEdit).toBe(false);
  });

  it('sync model passes the connection status through', () => {
    const conn = { status: 'offline' as const, readOnly: true, closedReason: null, onChange: () => () => {} };
    const sync = new SyncModel(conn);
    expect(sync.status).toBe('offline');
    expect(sync.readOnly).toBe(true);
  });

  it('peers model lists other valid participants only', () => {
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState({ user: { id: 'me', name: 'Me', color: '#000000' } });
    awareness.states.set(7, { user: { id: 'u2', name: 'Zoe', color: '#ff0000' }, cursor: [3, 4] });
    awareness.states.set(8, { user: { id: 'u3', name: 'Bo', color: '#00ff00' }, tool: 'brush' });
    awareness.states.set(9, { nonsense: true });
    const peers = new PeersModel({ awareness });
    expect(peers.list.map((p) => p.user.name)).toEqual(['Bo', 'Zoe']);
    expect(peers.list[1].cursor).toEqual([3, 4]);
  });
});
