// Renaming project labels keeps their objects: the label list changes in place (colour and
// attributes stay), then every object of an old name in every task takes its new name, through
// the live rooms (open editors see it at once) as one server update per task that has any. Several
// renames are one mapping applied in a single pass, so two labels can swap names (a -> b, b -> a).
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { listObjects, setLabel } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import { ServerOrigin } from '../../shared/schema/origins';
import type { Project, Storage } from '../storage/types';
import { mapLimit } from '../../shared/async/mapLimit';
import { BULK_ROOMS_AT_ONCE, mutateRoom, type LiveRooms } from './rooms';

export interface LabelRename {
  from: string;
  to: string;
}

/** The renames as a map of old name to new; throws when they do not leave unique label names. */
function renameMap(project: Project, renames: readonly LabelRename[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const { from, to } of renames) {
    if (!project.labels.some((l) => l.name === from)) throw new TandemError(ErrorCode.NotFound, `the project has no label ${JSON.stringify(from)}`);
    if (map.has(from)) throw new TandemError(ErrorCode.ValidationFailed, `${JSON.stringify(from)} is renamed twice`);
    if (from !== to) map.set(from, to);
  }
  const after = project.labels.map((l) => map.get(l.name) ?? l.name);
  const clash = after.find((n, i) => after.indexOf(n) !== i);
  if (clash !== undefined) throw new TandemError(ErrorCode.Conflict, `the project would have two labels ${JSON.stringify(clash)}`);
  return map;
}

/** Applies the renames to the project's labels and its objects. Returns how many objects changed. */
export async function renameLabels(storage: Storage, rooms: LiveRooms, project: Project, renames: readonly LabelRename[], by: string): Promise<{ objects: number; tasks: number }> {
  const map = renameMap(project, renames);
  if (map.size === 0) return { objects: 0, tasks: 0 };
  await storage.meta.setProjectLabels(project.id, project.labels.map((l) => ({ ...l, name: map.get(l.name) ?? l.name })));
  // The checks' rules name labels too ("vegetation" may be in pieces): they follow the rename.
  const rules = project.settings?.checks;
  if (rules?.piecesOk?.length || rules?.smallOk?.length) {
    const renamed = (names?: string[]) => names?.map((n) => map.get(n) ?? n);
    await storage.meta.setProjectSettings(project.id, { ...project.settings!, checks: { ...rules, piecesOk: renamed(rules.piecesOk), smallOk: renamed(rules.smallOk) } });
  }
  let objects = 0;
  let tasks = 0;
  await mapLimit(await storage.meta.listTasks(project.id), BULK_ROOMS_AT_ONCE, async (task) => {
    let here = 0;
    await mutateRoom(rooms, `task:${task.id}`, (doc) => {
      const changed = listObjects(doc).filter((o) => map.has(o.label));
      doc.transact(() => changed.forEach((o) => setLabel(doc, o.id as ObjectId, map.get(o.label)!, by, ServerOrigin)), ServerOrigin);
      here = changed.length;
    });
    objects += here;
    if (here) tasks++;
  });
  return { objects, tasks };
}
