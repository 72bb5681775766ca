// The task row's objects per label (`tasks.label_counts`), the image's own attribute values
// (`tasks.image_attributes`) and its objects' attribute values per label (`tasks.attribute_counts`),
// a copy of what its task room holds, so the task list can say how many objects an image has and
// find the images with a label ("every image with a bicycle"), an image attribute ("every night
// image"), an object attribute ("an occluded car") or a required attribute unset, without reading
// any room; and its masks' checks (`tasks.object_checks`: drawn twice, specks, tiny;
// shared/schema/objectChecks.ts). The room stays the truth; the copy follows it:
// - once edits settle (the sync hooks `onChange`, every update of a loaded task room, and
//   `onStoredWrite`, the server writing to one nobody has open: imports, renames, restores):
//   1.5 s after the last change, 10 s at the latest while they never pause; one room counted at
//   a time;
// - when a room loads (someone opens the task);
// - at start, in the background, for rows never counted (tasks from before this column) and rows
//   whose room was stored further since they were counted: each write records the room's last
//   stored seq, read before the room (what the count surely includes), so a crash between an edit
//   and its count (the settle wait) leaves a row the next start finds and counts again.
// A write that fails is logged and tried again at the room's next change or load.
import * as Y from 'yjs';
import type { TaskId } from '../../shared/schema/ids';
import { objectsMap } from '../../shared/schema/annotation';
import { readImageAttributes } from '../../shared/schema/imageAttributes';
import { AttributeTally, type AttributeCounts } from '../../shared/schema/attributeCounts';
import { countChecks, ObjectChecker, type CheckCounts, type CheckedObject } from '../../shared/schema/objectChecks';
import type { Rle } from '../../shared/codecs/rle';
import type { Logger } from '../logger';
import type { MetaStore, Task } from '../storage/types';
import { Settle } from './settle';

/**
 * Objects with a mask, per label (objects being drawn have none yet; an empty label is none),
 * their attribute values per label, and the masks' checks (the mirror reads masks new to the
 * checker a slice at a time first: ObjectChecker.warm). Reads the keys it needs only:
 * validating every mask (listObjects) costs ~200 ms on the server's one thread for 100 detailed
 * masks of a 24 MP photo. The checks read each mask's runs, which `checker` keeps while the mask
 * is unchanged: ~4 ms after one of those masks changed, ~300 ms when all are new to it
 * (`npm run bench -- labelCounts`).
 */
export function countObjects(doc: Y.Doc, checker = new ObjectChecker()): { labels: Record<string, number>; attributes: AttributeCounts; checks: CheckCounts } {
  const { labels, attributes, masks } = readObjects(doc);
  return { labels, attributes, checks: countChecks(checker.check(masks), masks) };
}

/** countObjects' reading: the counts, and the masks to check (by reference: read, never changed). */
function readObjects(doc: Y.Doc): { labels: Record<string, number>; attributes: AttributeCounts; masks: CheckedObject[] } {
  const labels: Record<string, number> = {};
  const tally = new AttributeTally();
  const masks: CheckedObject[] = [];
  objectsMap(doc).forEach((o, id) => {
    if (!(o instanceof Y.Map)) return;
    const label = o.get('label');
    const mask = o.get('mask') as Rle | undefined;
    if (typeof label !== 'string' || !label || !mask) return;
    labels[label] = (labels[label] ?? 0) + 1;
    const attrs = o.get('attributes');
    if (attrs instanceof Y.Map) tally.add(label, attrs.entries() as Iterable<[string, unknown]>);
    masks.push({ id, label, mask });
  });
  return { labels, attributes: tally.result(), masks };
}

/** Tasks whose mask facts a mirror keeps (the rooms edited lately), and the run lengths they may
 *  keep in all (8 bytes each: 32 MB; one busy 24 MP room with ragged masks keeps ~2.8 M). */
const CHECKERS_KEPT = 64;
const CHECKER_RUNS_KEPT = 4_000_000;

export interface LabelCountsOptions {
  settleMs?: number;
  maxWaitMs?: number;
  /** The room's last stored seq (DocStore.lastSeq); without it rows record none. */
  lastSeq?: (room: string) => Promise<number>;
  /** Every task room's last stored seq (DocStore.lastSeqs), for the start's check. */
  lastSeqs?: (prefix: string) => Promise<Map<string, number>>;
}

export class LabelCountsMirror {
  /** Per task: the wait for its edits to settle. */
  private readonly settle: Settle<TaskId>;
  /** Tasks whose edits settled, counted one at a time (an import of 10,000 images reads no more
   *  than one room at once). */
  private due = new Set<TaskId>();
  private loop: Promise<void> | null = null;
  /** What this process last wrote per task, to skip writing the same again. */
  private written = new Map<TaskId, string>();
  /** Per task edited lately, its masks' facts (objectChecks), oldest first. */
  private checkers = new Map<TaskId, ObjectChecker>();
  private stopped = false;

  constructor(
    private readonly meta: Pick<MetaStore, 'setTaskLabelCounts'>,
    /** Runs `fn` on the task room's current doc (live, or stored). */
    private readonly withDoc: <T>(room: string, fn: (doc: Y.Doc) => T) => Promise<T>,
    private readonly log: Logger,
    private readonly opts: LabelCountsOptions = {},
  ) {
    this.settle = new Settle((taskId) => this.enqueue(taskId), opts.settleMs, opts.maxWaitMs);
  }

  /** The task's room changed (or loaded): count again once edits settle. */
  changed(taskId: TaskId): void {
    if (!this.stopped) this.settle.touch(taskId);
  }

  /**
   * Counts the tasks whose rows were never counted, or whose rooms were stored further since
   * (a crash before the count was written), one at a time (startup, in the background).
   */
  async fillStale(tasks: () => Promise<Task[]>, stopped: () => boolean): Promise<number> {
    const stored = (await this.opts.lastSeqs?.('task:')) ?? new Map<string, number>();
    let n = 0;
    for (const task of await tasks()) {
      if (stopped() || this.stopped) break;
      const last = stored.get(`task:${task.id}`) ?? 0;
      // A row without a seq was counted by a Tandem that recorded none: once more if its room has a log.
      const stale =
        task.labelCounts === null ||
        // Rows counted before attribute counts or checks were mirrored (null only then: new tasks start at {}).
        task.attributeCounts === null ||
        task.objectChecks === null ||
        // Or before the checks were kept per label, or with their candidates (the project's rules need them: pairs and small objects, then parts).
        (task.objectChecks != null && (task.objectChecks.byLabel === undefined || task.objectChecks.pairs === undefined || task.objectChecks.pieces === undefined)) ||
        (task.labelCountsSeq === null ? last > 0 : last > task.labelCountsSeq);
      if (!stale) continue;
      await this.count(task.id);
      n++;
    }
    return n;
  }

  /** Resolves once nothing is due or being counted (tests). */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Counts what is waiting to settle now, then takes no more changes (shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const id of this.settle.takeAll()) this.enqueue(id);
    await this.idle();
  }

  private checkerOf(taskId: TaskId): ObjectChecker {
    const c = this.checkers.get(taskId) ?? new ObjectChecker();
    this.checkers.delete(taskId);
    this.checkers.set(taskId, c);
    const kept = () => [...this.checkers.values()].reduce((n, k) => n + k.runs, 0);
    // The oldest go first; the one asked for stays (its facts are about to be used).
    while (this.checkers.size > 1 && (this.checkers.size > CHECKERS_KEPT || kept() > CHECKER_RUNS_KEPT)) {
      this.checkers.delete(this.checkers.keys().next().value as TaskId);
    }
    return c;
  }

  private enqueue(taskId: TaskId): void {
    this.due.add(taskId);
    this.loop ??= (async () => {
      for (const id of this.due) {
        this.due.delete(id);
        await this.count(id);
      }
    })().finally(() => (this.loop = null));
  }

  /** Counts the task's room and writes the row (with the room's seq) if it differs from what this process wrote. */
  private async count(taskId: TaskId): Promise<void> {
    try {
      const room = `task:${taskId}`;
      // Read first: every update stored up to it is in the room the count reads (a live room
      // applies an update before storing it; a stored one is loaded after).
      const seq = (await this.opts.lastSeq?.(room)) ?? null;
      const checker = this.checkerOf(taskId);
      const [read, image] = await this.withDoc(room, (doc) => [readObjects(doc), readImageAttributes(doc)] as const);
      // The masks new to the checker read a slice at a time (a busy room's first count is ~300 ms).
      await checker.warm(read.masks);
      const { labels, attributes } = read;
      const checks = countChecks(checker.check(read.masks), read.masks);
      const json = `${JSON.stringify(labels, Object.keys(labels).sort())} ${JSON.stringify(image, Object.keys(image).sort())} ${JSON.stringify(attributes)} ${JSON.stringify(checks)}@${seq}`;
      if (this.written.get(taskId) === json) return;
      await this.meta.setTaskLabelCounts(taskId, labels, seq, image, attributes, checks);
      this.written.set(taskId, json);
    } catch (err) {
      this.written.delete(taskId);
      // A task deleted meanwhile has no row left to write: nothing to say.
      if ((err as { code?: string }).code !== 'not_found') this.log.warn({ err, taskId }, 'could not mirror the objects per label');
    }
  }
}
