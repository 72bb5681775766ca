// What a request turned out to be, noted by the helpers every route already calls (requireUser,
// readJson, sendJson) so the activity log (activity.ts) can say who did what after the route
// answered, without each route reporting it. Weak maps: nothing outlives the request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Task, User } from '../storage/types';

const users = new WeakMap<IncomingMessage, User>();
const bodies = new WeakMap<IncomingMessage, unknown>();
const tasks = new WeakMap<IncomingMessage, Task>();
const answers = new WeakMap<ServerResponse, unknown>();

export const noteUser = (req: IncomingMessage, user: User) => void users.set(req, user);
export const noteBody = (req: IncomingMessage, body: unknown) => void bodies.set(req, body);
/** The task a /api/tasks/:taskId route acted on (its project, even once it is deleted). */
export const noteTask = (req: IncomingMessage, task: Task) => void tasks.set(req, task);
export const noteAnswer = (res: ServerResponse, body: unknown) => void answers.set(res, body);

export function factsOf(req: IncomingMessage, res: ServerResponse): { user?: User; body: unknown; task?: Task; answer: unknown } {
  return { user: users.get(req), body: bodies.get(req), task: tasks.get(req), answer: answers.get(res) };
}
