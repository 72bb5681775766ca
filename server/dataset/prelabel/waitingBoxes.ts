// An import's boxes whose run cannot start yet: the project has a run going on (the detector's
// new uploads, a withdrawal, another file's boxes) and a project runs one at a time. The import is
// not refused for it: its boxes wait their turn, stored where every node and the next start see
// them (the request in the image store, `prelabel-waiting/<project>/<id>.json`, written
// atomically; its id on the job store's queue `prelabel:boxes`), and whichever node serves the
// click model starts their run once the project's run has ended, oldest first.
//
// The request is stored BEFORE the import writes anything and marked ready once it has; a failed
// import drops it. One whose importing process died mid-write is started after UNSETTLED_MS (what
// the import wrote stays, as an import's run carried on by another node would go on). The run's
// objects take their ids from the request's id, so a request started twice (a node killed
// between starting its run and taking it off the queue) adds nothing twice.
import { randomBytes } from 'node:crypto';
import { coalesced } from '../../../shared/async/coalesced';
import { ErrorCode, isTandemError } from '../../../shared/protocol/errors';
import type { ProjectId, UserId } from '../../../shared/schema/ids';
import type { Logger } from '../../logger';
import type { JobStore } from '../../storage/jobTypes';
import type { ImageStore, MetaStore } from '../../storage/types';
import type { StoredBox } from './boxTask';

/** The job store's queue of imports' boxes waiting for their run. */
export const WAITING_BOXES = 'prelabel:boxes';
/** How often each node looks at the waiting boxes (a run ended on another node, a dead node's). */
const RETRY_MS = 5000;
/** A request whose import never said it finished this long after (its process died) goes anyway. */
const UNSETTLED_MS = 10 * 60_000;

interface Request {
  by: string;
  boxes: Record<string, StoredBox[]>;
  /** The import wrote its objects (the boxes go on top of them). */
  ready: boolean;
  at: number;
}

/** What an import answers when its boxes wait: how many, on how many images. */
export interface BoxesWaiting {
  boxes: number;
  images: number;
}

export interface WaitingBoxesDeps {
  meta: Pick<MetaStore, 'listTasks'>;
  jobs: Pick<JobStore, 'enqueue' | 'waiting' | 'queued' | 'dequeue'>;
  images: Pick<ImageStore, 'put' | 'get' | 'delete'>;
  log: Logger;
  /** Whether this process reaches a worker that runs the click model (only such a node starts them). */
  canRun: () => boolean;
  /** Whether the project has a run going on, anywhere. */
  running: (projectId: ProjectId) => Promise<boolean>;
  /** Starts the boxes' run, `key` the run's own (`conflict` while another runs). */
  start: (projectId: ProjectId, by: UserId, boxes: Map<string, StoredBox[]>, key: string) => Promise<unknown>;
}

const keyOf = (projectId: ProjectId, id: string) => `prelabel-waiting/${projectId}/${id}.json`;
/** The files of a project's waiting boxes, by their queue items (what its deletion removes). */
export const waitingFiles = (projectId: ProjectId, items: string[]) => items.map((id) => keyOf(projectId, id));
/** An id says what it holds (`<time>-<random>-b<boxes>-i<images>`), so a status poll reads no request. */
const countsOf = (id: string): BoxesWaiting => {
  const m = /-b(\d+)-i(\d+)$/.exec(id);
  return { boxes: Number(m?.[1] ?? 0), images: Number(m?.[2] ?? 0) };
};

export class WaitingBoxes {
  private sweeper: NodeJS.Timeout | null = null;
  private stopped = false;
  /** One look at a time; one asked meanwhile runs after it. */
  private readonly sweep = coalesced(() => this.sweepOnce(), (err) => this.deps.log.warn({ err }, "looking at imports' waiting boxes failed"), () => this.stopped);

  constructor(private readonly deps: WaitingBoxesDeps) {}

  /** Stores the boxes to run once the project's run ends; `after` says whether the import wrote its objects. */
  async add(projectId: ProjectId, by: string, boxes: Map<string, StoredBox[]>, after: Promise<boolean>): Promise<BoxesWaiting> {
    const counts = { boxes: [...boxes.values()].reduce((n, l) => n + l.length, 0), images: boxes.size };
    const id = `${Date.now()}-${randomBytes(4).toString('hex')}-b${counts.boxes}-i${counts.images}`;
    const request: Request = { by, boxes: Object.fromEntries(boxes), ready: false, at: Date.now() };
    await this.put(projectId, id, request);
    await this.deps.jobs.enqueue(projectId, WAITING_BOXES, [id], request.at);
    void after
      .then((ok) => (ok ? this.put(projectId, id, { ...request, ready: true }) : this.drop(projectId, id)))
      .then(() => this.sweep())
      .catch((err: unknown) => this.deps.log.warn({ err, projectId }, "recording an import's waiting boxes failed"));
    return counts;
  }

  /** The project's waiting boxes, all requests together (null: none). */
  async count(projectId: ProjectId): Promise<BoxesWaiting | null> {
    const queued = await this.deps.jobs.queued(projectId, WAITING_BOXES);
    if (!queued.length) return null;
    return queued.map((q) => countsOf(q.item)).reduce((a, b) => ({ boxes: a.boxes + b.boxes, images: a.images + b.images }));
  }

  startSweeping(): void {
    if (this.sweeper || this.stopped) return;
    this.sweeper = setInterval(() => void this.sweep(), RETRY_MS);
    this.sweeper.unref();
    void this.sweep();
  }

  /** A run of the project ended here: its waiting boxes go now. */
  runEnded(): void {
    void this.sweep();
  }

  stop(): void {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private put(projectId: ProjectId, id: string, request: Request): Promise<void> {
    return this.deps.images.put(keyOf(projectId, id), new TextEncoder().encode(JSON.stringify(request)));
  }

  private async drop(projectId: ProjectId, id: string): Promise<void> {
    await this.deps.jobs.dequeue(projectId, WAITING_BOXES, [id]);
    await this.deps.images.delete(keyOf(projectId, id));
  }

  private async sweepOnce(): Promise<void> {
    if (this.stopped || !this.deps.canRun()) return;
    for (const head of await this.deps.jobs.waiting(WAITING_BOXES)) {
      if (this.stopped) return;
      if (!(await this.deps.running(head.projectId))) await this.startOldest(head.projectId);
    }
  }

  /** Starts the project's oldest waiting boxes whose import is done; it leaves the queue once its run holds it. */
  private async startOldest(projectId: ProjectId): Promise<void> {
    const [first] = await this.deps.jobs.queued(projectId, WAITING_BOXES);
    if (!first) return;
    let request: Request;
    try {
      request = JSON.parse(new TextDecoder().decode(await this.deps.images.get(keyOf(projectId, first.item)))) as Request;
    } catch (e) {
      // Gone (dropped by another node meanwhile) or unreadable: nothing to run.
      if (!isTandemError(e) || e.code !== ErrorCode.NotFound) this.deps.log.warn({ err: e, projectId }, "an import's waiting boxes could not be read");
      await this.deps.jobs.dequeue(projectId, WAITING_BOXES, [first.item]);
      return;
    }
    if (!request.ready && Date.now() - request.at < UNSETTLED_MS) return; // its import is still writing
    // Images deleted while the boxes waited are left out.
    const have = new Set((await this.deps.meta.listTasks(projectId)).map((t) => t.id as string));
    const boxes = new Map(Object.entries(request.boxes).filter(([id]) => have.has(id)));
    if (boxes.size) {
      try {
        await this.deps.start(projectId, request.by as UserId, boxes, first.item.replace(/-b\d+-i\d+$/, ''));
      } catch (e) {
        // Another run began first, or the click model is gone: they wait for the next look.
        if (isTandemError(e) && (e.code === ErrorCode.Conflict || e.code === ErrorCode.NoWorker)) return;
        this.deps.log.warn({ err: e, projectId }, "could not start the run of an import's waiting boxes");
        return;
      }
    }
    await this.drop(projectId, first.item);
  }
}
