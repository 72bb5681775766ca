// What a pre-labelling run is asked, what it says of itself (the status every node answers), and
// what the job store keeps of it: the types prelabel.ts, newUploads.ts, the routes and the webhooks share.
import type { StoredBox } from './boxTask';
import type { PrelabelRequest } from './prelabelTask';

export interface PrelabelOptions extends PrelabelRequest {
  /** Only these tasks of the project (a search or filter's list), in the project's order; all when absent. */
  taskIds?: string[];
}

export interface PrelabelStatus {
  state: 'running' | 'done' | 'stopped' | 'failed';
  by: string;
  startedAt: number;
  finishedAt: number | null;
  total: number;
  /** Tasks looked at (pre-labelled, passed over, failed, or deleted since the run started). */
  done: number;
  /** Tasks passed over because they had objects (scope `empty`). */
  skipped: number;
  objects: number;
  /** Tasks whose detection or write failed, with the last reason. */
  failedTasks: number;
  lastError: string | null;
  detector: string | null;
  /** How many times another process took the run over (its own died, or shut down). */
  resumed: number;
  /** Started by itself for new uploads (the project's `autoPrelabel` setting), not by a person. */
  auto?: boolean;
  /** `withdraw`: a run removing untouched pre-labels (`objects` counts those removed); `boxes`: a
   *  run making masks of an imported file's boxes (`objects` counts the masks). */
  mode?: 'withdraw' | 'boxes';
  /** `withdraw`: `imports` when it removes what imports brought (the detector's pre-labels otherwise). */
  withdrawing?: 'imports';
  /** `boxes`: how many boxes the run was given. */
  boxes?: number;
  /** `boxes`: boxes kept as their rectangle because the click model failed on them. */
  rectangles?: number;
  /** `no_worker`: the worker running the detector went away mid-run; the run waits (handed back,
   *  still `running`) and the first node that reaches a detector again carries it on. */
  paused?: 'no_worker';
}

/** What the job store keeps of a run besides its status: fixed when it starts. */
export interface StoredOptions extends PrelabelRequest {
  /** The tasks to look at, in order, as listed when the run started. */
  queue: string[];
  /** `boxes`: each task's boxes, by task id. */
  boxes?: Record<string, StoredBox[]>;
  /** `boxes`: what names the run's objects (a waiting request's id), else its start time. */
  key?: string;
}
