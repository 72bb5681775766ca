// The file of an import's preview (a dry run with `keep=true`), kept so the import that follows
// (`preview=<id>`) needs no second upload: the project page previews every file first, and a
// 300 MB COCO file sent twice is minutes of a user's wait. Kept in the image store
// (`import-previews/<project>/<id>`, which every node of a cluster mounts) and listed on the job
// store's queue `import:previews` as `<user>/<id>`, so only the user who sent it can use it, any
// node can, and every node's sweep drops the ones older than PREVIEW_TTL_MS (a preview
// cancelled, a tab closed). An import that uses one drops it; so does DELETE.
import { randomBytes } from 'node:crypto';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { ProjectId } from '../../../shared/schema/ids';
import type { Logger } from '../../logger';
import type { JobStore } from '../../storage/jobTypes';
import type { ImageStore } from '../../storage/types';

export const PREVIEWS = 'import:previews';
/** How long a previewed file is kept for its import. */
export const PREVIEW_TTL_MS = 60 * 60_000;
const SWEEP_MS = 5 * 60_000;
/** A preview's id as the server makes it (checked before it names a file). */
export const PREVIEW_ID = /^[0-9]{13}-[0-9a-f]{16}$/;

const keyOf = (projectId: ProjectId, id: string) => `import-previews/${projectId}/${id}`;

/** The files kept for a project's previews, by their queue items (what its deletion removes). */
export const previewFiles = (projectId: ProjectId, items: string[]) => items.map((i) => i.split('/')[1] ?? '').filter((id) => PREVIEW_ID.test(id)).map((id) => keyOf(projectId, id));

export class ImportPreviews {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly deps: { images: Pick<ImageStore, 'put' | 'get' | 'delete'>; jobs: Pick<JobStore, 'enqueue' | 'waiting' | 'queued' | 'dequeue'>; log: Logger }) {}

  /** Keeps a previewed file for `userId`'s import; resolves its id. */
  async keep(projectId: ProjectId, userId: string, bytes: Uint8Array): Promise<string> {
    const id = `${Date.now()}-${randomBytes(8).toString('hex')}`;
    await this.deps.images.put(keyOf(projectId, id), bytes);
    await this.deps.jobs.enqueue(projectId, PREVIEWS, [`${userId}/${id}`], Date.now());
    return id;
  }

  /** The file `userId` previewed as `id`; `not_found` when it is not theirs, was used, or expired. */
  async file(projectId: ProjectId, userId: string, id: string): Promise<Uint8Array> {
    if (!PREVIEW_ID.test(id) || !(await this.listed(projectId, userId, id))) throw gone();
    try {
      return await this.deps.images.get(keyOf(projectId, id));
    } catch (e) {
      if (e instanceof TandemError && e.code === ErrorCode.NotFound) throw gone();
      throw e;
    }
  }

  /** Drops `userId`'s preview (used, or cancelled); resolves whether there was one. */
  async drop(projectId: ProjectId, userId: string, id: string): Promise<boolean> {
    if (!PREVIEW_ID.test(id) || !(await this.listed(projectId, userId, id))) return false;
    await this.deps.jobs.dequeue(projectId, PREVIEWS, [`${userId}/${id}`]);
    await this.deps.images.delete(keyOf(projectId, id));
    return true;
  }

  /** Drops expired previews now and every few minutes. */
  startSweeping(now: () => number = Date.now): void {
    if (this.sweeper) return;
    const sweep = () => void this.sweep(now()).catch((err: unknown) => this.deps.log.warn({ err }, 'dropping expired import previews failed'));
    this.sweeper = setInterval(sweep, SWEEP_MS);
    this.sweeper.unref();
    sweep();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Drops the previews kept longer than PREVIEW_TTL_MS before `now`; resolves how many. */
  async sweep(now: number): Promise<number> {
    let dropped = 0;
    for (const head of await this.deps.jobs.waiting(PREVIEWS)) {
      const old = (await this.deps.jobs.queued(head.projectId, PREVIEWS)).filter((q) => now - q.addedAt > PREVIEW_TTL_MS);
      for (const q of old) {
        const id = q.item.split('/')[1] ?? '';
        if (PREVIEW_ID.test(id)) await this.deps.images.delete(keyOf(head.projectId, id));
        await this.deps.jobs.dequeue(head.projectId, PREVIEWS, [q.item]);
        dropped++;
      }
    }
    return dropped;
  }

  private async listed(projectId: ProjectId, userId: string, id: string): Promise<boolean> {
    return (await this.deps.jobs.queued(projectId, PREVIEWS)).some((q) => q.item === `${userId}/${id}`);
  }
}

const gone = () => new TandemError(ErrorCode.NotFound, 'no such import preview (it was used, or kept longer than an hour): send the file again');
