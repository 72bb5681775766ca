// The file names exports give images (and imports match back): the image's own file name, its
// folders where two images share one (a multi-camera folder upload), the task id only as a last
// resort.
import { describe, expect, it } from 'vitest';
import type { Task } from '../storage/types';
import { tasksByStem } from './import/tasksByStem';
import { taskStems } from './types';

const task = (id: string, name: string) => ({ id, name, width: 1, height: 1 }) as Task;
const stems = (...tasks: Task[]) => [...taskStems(tasks.map((t) => ({ task: t, objects: [] }))).values()];

describe('export file stems', () => {
  it("keeps an image's own file name, and tells images sharing one apart by their folders", () => {
    expect(stems(task('t1', 'cam1/000001.jpg'), task('t2', 'cam2/000001.jpg'), task('t3', 'cam1/000002.jpg'))).toEqual(['cam1_000001', 'cam2_000001', '000002']);
    expect(stems(task('t1', 'a.jpg'), task('t2', 'night/a.png'))).toEqual(['a', 'night_a']);
    expect(stems(task('t1', 'my shots/été.jpg'), task('t2', 'other/été.jpg'))).toEqual(['my_shots__t_', 'other__t_']);
  });

  it('falls back to the task id where names and folders are the same', () => {
    expect(stems(task('t1', 'x.jpg'), task('t2', 'x.jpg'))).toEqual(['x', 'x_t2']);
    expect(stems(task('t1', 'd/x.jpg'), task('t2', 'd/x.jpg'))).toEqual(['d_x', 'd_x_t2']);
  });

  it('matches each stem back to its task (an import of the export)', () => {
    const tasks = [task('t1', 'cam1/000001.jpg'), task('t2', 'cam2/000001.jpg'), task('t3', 'x.jpg'), task('t4', 'x.jpg')];
    const byStem = tasksByStem(tasks);
    expect(['cam1_000001', 'cam2_000001', 'x', 'x_t4'].map((s) => byStem.get(s)?.id)).toEqual(['t1', 't2', 't3', 't4']);
    expect(byStem.get('000001')?.id).toBe('t1'); // another tool's plain file name: the first such image
  });
});
