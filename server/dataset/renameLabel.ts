// Renaming a project label keeps its objects: the label list changes in place (colour and
// attributes stay), then every object of the old name in every task becomes the new name, through
// the live rooms (open editors see it at once) as one server update per task that has any.
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { listObjects, setLabel } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import { ServerOrigin } from '../../shared/schema/origins';
import type { Project, Storage } from '../storage/types';
import { mutateRoom, type LiveRooms } from './rooms';

/** Renames `from` to `to` in the project's labels and its objects. Returns how many objects changed. */
export async function renameLabel(storage: Storage, rooms: LiveRooms, project: Project, from: string, to: string, by: string): Promise<{ objects: number; tasks: number }> {
  const i = project.labels.findIndex((l) => l.name === from);
  if (i < 0) throw new TandemError(ErrorCode.NotFound, `the project has no label ${JSON.stringify(from)}`);
  if (from === to) return { objects: 0, tasks: 0 };
  if (project.labels.some((l) => l.name === to)) throw new TandemError(ErrorCode.Conflict, `the project has a label ${JSON.stringify(to)} already`);
  await storage.meta.setProjectLabels(project.id, project.labels.map((l, k) => (k === i ? { ...l, name: to } : l)));
  let objects = 0;
  let tasks = 0;
  for (const task of await storage.meta.listTasks(project.id)) {
    let here = 0;
    await mutateRoom(rooms, `task:${task.id}`, (doc) => {
      const ids = listObjects(doc).filter((o) => o.label === from).map((o) => o.id as ObjectId);
      doc.transact(() => ids.forEach((id) => setLabel(doc, id, to, by, ServerOrigin)), ServerOrigin);
      here = ids.length;
    });
    objects += here;
    if (here) tasks++;
  }
  return { objects, tasks };
}
