// The owner flags many images at once (the look-alikes a filter lists, as duplicates; a blurry
// batch) or takes their flags off, as the editor's flag button does for one: written into each
// task's review room (open editors see it at once; the task rows and the webhooks follow the room).
// Every task is checked to be the project's first, so a bad request writes nothing; a task that
// has the flag already is not written again, so a request cut short is finished by sending it again.
import type { FlagTasks } from '../../shared/protocol/http';
import { ServerOrigin } from '../../shared/schema/origins';
import { clearTaskFlag, readTaskFlag, setTaskFlag } from '../../shared/schema/review';
import type { Project, Storage } from '../storage/types';
import { mutateTaskRooms, type LiveRooms } from './rooms';

/** Flags (or unflags) each task; `changed`: tasks written, `unchanged`: tasks that were so already. */
export async function flagTasks(storage: Storage, rooms: LiveRooms, project: Project, body: FlagTasks, by: string): Promise<{ changed: number; unchanged: number }> {
  const note = (body.flag?.note ?? '').trim();
  return mutateTaskRooms(storage, rooms, project, body.taskIds, 'review', (doc) => {
    const now = readTaskFlag(doc);
    if (!body.flag) clearTaskFlag(doc, ServerOrigin, by);
    else if (!now || now.reason !== body.flag.reason || (now.note ?? '') !== note) setTaskFlag(doc, { reason: body.flag.reason, note }, by, ServerOrigin);
  });
}
