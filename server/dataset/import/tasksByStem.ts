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
