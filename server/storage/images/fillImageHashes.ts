// Tasks made before images had a perceptual hash get one at start, in the background, one image at
// a time (read from the image store, shrunk on load: about 30-100 ms for a camera photo), so the
// task list can say which images look like an earlier one for the whole project. A task whose
// image cannot be read is passed over (and tried again at the next start).
import type { Logger } from '../../logger';
import type { Storage, Task } from '../types';
import { imageHash } from './imageHash';

/** Hashes the images of the tasks without a hash; resolves how many it hashed. */
export async function fillImageHashes(storage: Pick<Storage, 'meta' | 'images'>, tasks: () => Promise<Task[]>, stopped: () => boolean, maxPixels: number, log: Logger): Promise<number> {
  let n = 0;
  for (const task of await tasks()) {
    if (stopped()) break;
    if (task.imageHash) continue;
    try {
      await storage.meta.setTaskImageHash(task.id, await imageHash(await storage.images.get(task.imageKey), maxPixels));
      n++;
    } catch (err) {
      // A task deleted meanwhile has nothing to say.
      if ((err as { code?: string }).code !== 'not_found') log.warn({ err, taskId: task.id }, 'could not hash the image of a task');
    }
  }
  return n;
}
