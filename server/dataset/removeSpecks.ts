// The owner removes the specks around the masks of every image a list shows (the task list's
// Checks filter found them: a brush's leftovers on 300 images), as the editor's "Remove specks"
// does per object: the 8-connected parts that are specks by the project's rule (by default
// under 1% of an object or 10 px, settings.checks.thresholds), the largest never. Each task's masks are read from a copy and cleaned off the thread's critical path (a
// yield after each object: a 24 MP mask takes tens of ms to decode), then written through the
// live room in one server update, only to objects nobody changed meanwhile and nobody locked;
// each object's history records the change (source `remove-specks`), so it can be restored.
// Objects of a label the project allows in pieces (settings.checks.piecesOk) are left whole.
// Sent again, it finds nothing left to remove.
import * as Y from 'yjs';
import { mapLimit } from '../../shared/async/mapLimit';
import { nextTurn } from '../../shared/async/nextTurn';
import { isValidRle, type Rle } from '../../shared/codecs/rle';
import { withoutSpecks } from '../../shared/geometry/cleanup';
import { objectsMap, setMask } from '../../shared/schema/annotation';
import { speckRuleOf, type CheckRules } from '../../shared/schema/objectChecks';
import type { ObjectId } from '../../shared/schema/ids';
import { ServerOrigin } from '../../shared/schema/origins';
import type { Project, Storage } from '../storage/types';
import { loadRoomDoc, mutateRoom, projectTaskIds, type LiveRooms } from './rooms';

/** Tasks cleaned at once: each decodes photo-sized masks, so fewer than the other bulk writes. */
const TASKS_AT_ONCE = 4;

interface Fix {
  id: string;
  /** The mask string it was computed from: written only if the object still has it. */
  before: string;
  mask: Rle;
  removed: number;
}

async function fixesOf(rooms: LiveRooms, room: string, rules: CheckRules | undefined): Promise<Fix[]> {
  const doc = await loadRoomDoc(rooms, room);
  try {
    const fixes: Fix[] = [];
    for (const [id, o] of objectsMap(doc).entries()) {
      if (!(o instanceof Y.Map) || o.get('locked') === true) continue;
      // A label the project allows in pieces (vegetation, a fence): its parts are the object.
      if (rules?.piecesOk?.includes(String(o.get('label') ?? ''))) continue;
      const mask = o.get('mask');
      if (!isValidRle(mask)) continue;
      const fixed = withoutSpecks(mask, speckRuleOf(rules));
      if (fixed) fixes.push({ id, before: mask.counts, ...fixed });
      await nextTurn();
    }
    return fixes;
  } finally {
    doc.destroy();
  }
}

/** `changed` / `unchanged`: tasks written or left; `objects` cleaned, `pixels` removed. */
export async function removeSpecksIn(storage: Pick<Storage, 'meta'>, rooms: LiveRooms, project: Project, taskIds: readonly string[], by: string): Promise<{ changed: number; unchanged: number; objects: number; pixels: number }> {
  const ids = await projectTaskIds(storage, project, taskIds);
  let objects = 0;
  let pixels = 0;
  const written = await mapLimit(ids, TASKS_AT_ONCE, async (taskId) => {
    const room = `task:${taskId}`;
    const fixes = await fixesOf(rooms, room, project.settings?.checks);
    if (!fixes.length) return false;
    return mutateRoom(rooms, room, (doc) => {
      doc.transact(() => {
        for (const f of fixes) {
          const o = objectsMap(doc).get(f.id);
          // Redrawn, deleted or locked meanwhile: left to whoever is at it.
          if (!(o instanceof Y.Map) || o.get('locked') === true || (o.get('mask') as Rle | undefined)?.counts !== f.before) continue;
          setMask(doc, f.id as ObjectId, f.mask, by, { source: 'remove-specks' }, ServerOrigin);
          objects++;
          pixels += f.removed;
        }
      }, ServerOrigin);
    });
  });
  const changed = written.filter(Boolean).length;
  return { changed, unchanged: ids.length - changed, objects, pixels };
}
