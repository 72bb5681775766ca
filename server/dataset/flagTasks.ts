// The owner flags many images at once (the look-alikes a filter lists, as duplicates; a blurry
// batch) or takes their flags off, as the editor's flag button does for one: written into each
// task's review room (open editors see it at once; the task rows and the webhooks follow the room).
// Every task is checked to be the project's first, so a bad request writes nothing; a task that
// has the flag already is not written again, so a request cut short is finished by sending it again.
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { FlagTasks } from '../../shared/protocol/http';
import type { TaskId } from '../../shared/schema/ids';
import { ServerOrigin } from '../../shared/schema/origins';
import { clearTaskFlag, readTaskFlag, setTaskFlag } from '../../shared/schema/review';
import type { Project, Storage } from '../storage/types';
import { mutateRoom, type LiveRooms } from './rooms';

/** Flags (or unflags) each task; `changed`: tasks written, `unchanged`: tasks that were so already. */
export async function flagTasks(storage: Storage, rooms: LiveRooms, project: Project, body: FlagTasks, by: string): Promise<{ changed: number; unchanged: number }> {
  const ids = [...new Set(body.taskIds)];
  const mine = new Set((await storage.meta.listTasks(project.id)).map((t) => t.id as string));
  const stranger = ids.find((id) => !mine.has(id));
  if (stranger !== undefined) throw new TandemError(ErrorCode.ValidationFailed, `task ${stranger} is not in this project`);
  const note = (body.flag?.note ?? '').trim();
  let changed = 0;
  for (const id of ids) {
    const wrote = await mutateRoom(rooms, `review:${id as TaskId}`, (doc) => {
      const now = readTaskFlag(doc);
      if (!body.flag) clearTaskFlag(doc, ServerOrigin, by);
      else if (!now || now.reason !== body.flag.reason || (now.note ?? '') !== note) setTaskFlag(doc, { reason: body.flag.reason, note }, by, ServerOrigin);
    });
    if (wrote) changed++;
  }
  return { changed, unchanged: ids.length - changed };
}
