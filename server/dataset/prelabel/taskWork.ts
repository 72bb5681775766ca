// What one task of a run is, by the run's kind: the detector's pre-labels (prelabelTask.ts), the
// masks of an import's boxes (boxTask.ts), or a withdrawal (withdrawTask.ts). Null while the
// inference service is gone (a withdrawal needs none).
import type { UserId } from '../../../shared/schema/ids';
import type { InferenceService } from '../../inference';
import type { Storage, Task } from '../../storage/types';
import type { LiveRooms } from '../rooms';
import { boxTask } from './boxTask';
import { prelabelTask } from './prelabelTask';
import type { PrelabelStatus, StoredOptions } from './prelabelTypes';
import { withdrawTask } from './withdrawTask';

/** One task's work: the objects it added or removed, or null when it passed the task over. */
export type TaskWork = (task: Task) => Promise<number | null>;

export interface WorkDeps {
  storage: Pick<Storage, 'meta'>;
  rooms: LiveRooms;
  inference: InferenceService | null;
  /** The project keeps masks apart (No overlap). */
  apart: boolean;
  /** Whether the run is still this process's. */
  held: () => boolean;
}

/** The work of one task of the run `options` asks for; its status (`st`) counts what only it knows (rectangles). */
export function taskWork(options: StoredOptions, st: PrelabelStatus, d: WorkDeps): TaskWork | null {
  const { storage, rooms, inference, apart, held } = d;
  if (options.mode === 'withdraw') return (task) => withdrawTask({ storage, rooms, held }, task, options.withdraw);
  if (!inference) return null;
  const by = st.by as UserId;
  if (options.mode === 'boxes') {
    return async (task) => {
      const done = await boxTask({ storage, rooms, inference, by, apart, run: options.key ?? String(st.startedAt), held }, task, options.boxes?.[task.id] ?? []);
      st.rectangles = (st.rectangles ?? 0) + done.rectangles;
      return done.objects + done.rectangles;
    };
  }
  return (task) => prelabelTask({ storage, rooms, inference, by, request: options, apart, detector: st.detector ?? undefined, held }, task);
}
