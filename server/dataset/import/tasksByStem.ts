// Matching an import's files to tasks by file name: the stems an export writes (a shared file
// name told apart by its folders, else the task id appended: types.ts taskStems), then each
// task's plain file stem. YOLO label files and PNG masks
// both name their image so.
import type { Task } from '../../storage/types';
import { fileStem, taskStems } from '../types';

export function tasksByStem(tasks: Task[]): Map<string, Task> {
  const stems = taskStems(tasks.map((task) => ({ task, objects: [] })));
  const byStem = new Map<string, Task>();
  for (const t of tasks) byStem.set(stems.get(t.id)!, t);
  for (const t of tasks) if (!byStem.has(fileStem(t.name))) byStem.set(fileStem(t.name), t);
  return byStem;
}

/** The task of an image file name an annotation file gives: exact first, then without folders
 *  (COCO and CVAT files often hold "train2017/x.jpg" where the task was uploaded as "x.jpg"). */
export function taskByFileName(tasks: Task[]): (name: string) => Task | null {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const byBase = new Map(tasks.map((t) => [baseName(t.name), t]));
  return (name) => byName.get(name) ?? byBase.get(baseName(name)) ?? null;
}

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/**
 * An import's images matched to tasks one by one: by file name (exact, then without folders),
 * then by `alsoTry`'s form of the name (a tool's own decoration taken off), then by the stem a
 * Tandem export names an image with. An image matching no task is listed in `unmatched`; two
 * images matching one task, or a file whose images match none, are `problem`s.
 */
export function imageMatcher(tasks: Task[], problem: (message: string) => void, alsoTry?: (name: string) => string) {
  const byName = taskByFileName(tasks);
  const byStem = tasksByStem(tasks);
  const claimed = new Map<string, string>();
  const unmatched: string[] = [];
  return {
    unmatched,
    /** The task of an image, or null: matching none (listed), or one claimed already (a problem). */
    match(name: string): Task | null {
      const task = byName(name) ?? (alsoTry ? byName(alsoTry(name)) : null) ?? byStem.get(fileStem(name)) ?? null;
      if (!task) {
        unmatched.push(name);
        return null;
      }
      const other = claimed.get(task.id);
      if (other) {
        problem(`${name} and ${other} both match task ${task.name}`);
        return null;
      }
      claimed.set(task.id, name);
      return task;
    },
    /** Once every image was read: a problem when the file had some and none matched. */
    done(images: number, projectName: string): void {
      if (images && !claimed.size) problem(`no image of the file matches a task of project ${projectName} by file name`);
    },
  };
}
