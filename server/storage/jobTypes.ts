// The project-job part of the storage contract: one long-running job of a kind per project (the
// pre-labelling run, server/dataset/prelabel), kept where every node of a cluster and the next
// start of this one can see it. A job is held by one process at a time through a lease that its
// holder renews as it goes; a job whose holder stopped renewing (killed, cut off from the database)
// is taken over by another process, which carries on from the progress last written. Checked on
// both backends by tests/integration/jobStoreContract.ts.
import type { ProjectId } from '../../shared/schema/ids';

export type JobState = 'running' | 'done' | 'stopped' | 'failed';

export interface ProjectJob {
  projectId: ProjectId;
  /** What the job does (`prelabel`). */
  kind: string;
  state: JobState;
  /** What it was asked to do, as the job wrote it (JSON): fixed when it starts. */
  options: string;
  /** Its progress, as the job wrote it (JSON): rewritten at each renewal. */
  status: string;
  /** The process that holds it (null once ended). */
  owner: string | null;
  /** Epoch ms until which the owner holds it; 0 when handed back. */
  leaseUntil: number;
  /** Someone asked it to stop; the owner sees it at its next renewal. */
  stopRequested: boolean;
  /** How many times another process took it over. */
  takeovers: number;
  updatedAt: number;
}

/** A job without what it was asked (which may hold a long task list): what a status poll reads. */
export type JobHead = Omit<ProjectJob, 'options'>;

export interface QueueHead {
  projectId: ProjectId;
  count: number;
  lastAddedAt: number;
}

export interface QueuedItem {
  item: string;
  addedAt: number;
}

export interface JobStore {
  /**
   * Starts a job of `kind` for the project, replacing an ended one. Resolves false, writing
   * nothing, while one is running (whoever holds it, even a holder whose lease ran out: it is
   * waiting to be taken over). `not_found` when the project does not exist.
   */
  begin(input: { projectId: ProjectId; kind: string; options: string; status: string; owner: string; leaseUntil: number; now: number }): Promise<boolean>;
  /** The job's head, without its options (a status poll every second must not read a 100,000-task list). */
  get(projectId: ProjectId, kind: string): Promise<JobHead | null>;
  /**
   * The holder's renewal: writes the progress and the new lease (`leaseUntil` 0 hands the job back
   * for another process to take at once); a state other than `running` ends it. Resolves whether a
   * stop was asked for, or null when `owner` does not hold a running job (taken over, ended, or the
   * project deleted): the caller must stop without writing anything more.
   */
  renew(projectId: ProjectId, kind: string, owner: string, update: { state: JobState; status: string; leaseUntil: number; now: number }): Promise<{ stopRequested: boolean } | null>;
  /** Asks the running job to stop; resolves the job as it is now (null: the project never had one). */
  requestStop(projectId: ProjectId, kind: string, now: number): Promise<JobHead | null>;
  /**
   * Takes over one running job of `kind` whose lease ran out before `now` (the oldest first, or the
   * named project's); null when there is none.
   */
  claimOrphan(kind: string, owner: string, now: number, leaseUntil: number, projectId?: ProjectId): Promise<ProjectJob | null>;
  /**
   * The heads of the running jobs of `kind` whose lease ran out before `now`, oldest first (at most
   * `limit`): what a process that can carry on only some of them looks at before claiming one.
   */
  orphans(kind: string, now: number, limit?: number): Promise<JobHead[]>;
  /**
   * Items waiting for a job of `kind` (the new uploads a pre-labelling run is to take), kept until
   * `dequeue`: a process that dies leaves them for the next. An item already waiting keeps its time.
   * `not_found` when the project does not exist.
   */
  enqueue(projectId: ProjectId, kind: string, items: string[], now: number): Promise<void>;
  /** The projects with items of `kind` waiting (or only the one named): how many, and when the latest was added. */
  waiting(kind: string, projectId?: ProjectId): Promise<QueueHead[]>;
  /** The project's items of `kind` waiting, oldest first. */
  queued(projectId: ProjectId, kind: string): Promise<QueuedItem[]>;
  /** Takes these items off the project's queue of `kind` (a run took them, or they are not wanted). */
  dequeue(projectId: ProjectId, kind: string, items: string[]): Promise<void>;
  close(): Promise<void>;
}
