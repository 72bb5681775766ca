// An image becomes a task: checked (size, pixels, a decodable JPEG / PNG / WebP: image bombs and
// corrupt files are refused before anything is stored), stored under a key that follows the
// detected format, noted for the pre-labelling of new uploads (when set), its row made (with its
// perceptual hash: images that look alike) and the project's webhooks told. The upload route and the import from URLs both come through here.
import { createHash } from 'node:crypto';
import type { ProjectId, TaskId } from '../../shared/schema/ids';
import { newId } from '../../shared/schema/ids';
import { imageHash } from '../storage/images/imageHash';
import { validateImage } from '../storage/images/validateImage';
import type { Task, User } from '../storage/types';
import type { HttpDeps } from './context';

/** The types an image may be uploaded as. */
export const UploadTypes = ['image/jpeg', 'image/png', 'image/webp'] as const;
const extByMime: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/**
 * `declaredMime`: what the client said it is (checked against the bytes), or null to detect it.
 * `ifNew`: when the project has an image with the same bytes already, that task is answered
 * (`existing`) and nothing is added (an import by URL run twice, or a signed link renewed).
 */
export async function addImage(
  deps: HttpDeps,
  projectId: ProjectId,
  name: string,
  bytes: Uint8Array,
  declaredMime: string | null,
  user: Pick<User, 'id' | 'name'>,
  opts: { ifNew?: boolean } = {},
): Promise<Task & { existing?: true }> {
  const { config, storage } = deps;
  const info = await validateImage(bytes, { maxBytes: config.limits.maxImageBytes, maxPixels: config.limits.maxImagePixels, declaredMime });
  const contentHash = createHash('sha256').update(bytes).digest('hex');
  if (opts.ifNew) {
    const same = await storage.meta.findTaskByContent(projectId, contentHash);
    if (same) return { ...same, existing: true };
  }
  const id = newId() as TaskId;
  // The key follows the detected format, not the declared one: the bytes are what we serve back.
  const imageKey = `${id}.${extByMime[info.mime] ?? info.format}`;
  await storage.images.put(imageKey, bytes);
  // Noted for pre-labelling before the row exists: a process killed in between leaves a note
  // without a task (dropped later), never a new task without its note.
  await deps.uploading?.(projectId, id);
  // What it looks like, for the list's "looks like an earlier image" (a failure only loses that).
  const looks = await imageHash(bytes, config.limits.maxImagePixels).catch(() => undefined);
  const input = { id, projectId, name, width: info.width, height: info.height, imageKey, mime: info.mime, contentHash, imageHash: looks };
  let made: { task: Task; existing: boolean };
  try {
    // With ifNew, checked again where it is atomic: a retried import running beside the first adds nothing.
    made = opts.ifNew ? await storage.meta.createTaskIfNew(input) : { task: await storage.meta.createTask(input), existing: false };
  } catch (e) {
    await notMade(deps, projectId, id, imageKey);
    throw e;
  }
  if (made.existing) {
    await notMade(deps, projectId, id, imageKey);
    return { ...made.task, existing: true };
  }
  await deps.hookEvents?.told('task.created', made.task, user);
  return made.task;
}

/** No task was made after all: its note and its image go (a failure to remove them is only logged). */
async function notMade(deps: HttpDeps, projectId: ProjectId, id: TaskId, imageKey: string): Promise<void> {
  await Promise.all([
    deps.uploadDropped?.(projectId, id).catch((err: unknown) => deps.log.warn({ err, taskId: id }, 'could not drop the pre-labelling note of a task not made')),
    deps.storage.images.delete(imageKey).catch((err: unknown) => deps.log.warn({ err, imageKey }, 'could not remove the image of a task not made')),
  ]);
}
