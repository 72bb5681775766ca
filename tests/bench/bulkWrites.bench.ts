// The owner's bulk writes over the tasks a list shows (server/dataset/rooms.ts `mutateTaskRooms`):
// an image attribute set on every one, a flag put on every one, as the project page sends them
// (parts of 250 tasks). Each task's room is read, changed and its update made durable (the
// DocStore batches fsyncs in a 20-50 ms window), so how many rooms are written at once decides
// how long a project-wide change takes. `npm run bench -- bulkWrites [--quick]`.
import { makeImage } from '../helpers/images';
import { startTestServer } from '../helpers/testServer';
import type { BenchResult } from './types';

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const n = quick ? 100 : 1000;
  const s = await startTestServer();
  try {
    const projectId = (await s.api('POST', '/api/projects', { name: 'bulk', labels: [{ name: 'car', color: '#3b82f6' }] })).body.id as string;
    await s.api('PUT', `/api/projects/${projectId}/settings`, { imageAttributes: [{ name: 'night', type: 'checkbox' }] });
    const image = await makeImage(64, 48, 'png');
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await s.api('POST', `/api/projects/${projectId}/tasks?name=${i}.png`, image, undefined, { 'content-type': 'image/png' })).body.id);
    const timed = async (path: string, body: (part: string[]) => unknown) => {
      const t0 = performance.now();
      for (let i = 0; i < ids.length; i += 250) {
        const r = await s.api('POST', `/api/projects/${projectId}/${path}`, body(ids.slice(i, i + 250)));
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      }
      return performance.now() - t0;
    };
    const tag = await timed('image-attributes', (taskIds) => ({ taskIds, values: { night: true } }));
    const flag = await timed('flags', (taskIds) => ({ taskIds, flag: { reason: 'blurry' } }));
    return [
      { name: `image attribute set on ${n} tasks`, metric: 'total', value: tag / 1000, unit: 's' },
      { name: `image attribute set on ${n} tasks`, metric: 'per task', value: tag / n, unit: 'ms' },
      { name: `flag put on ${n} tasks`, metric: 'total', value: flag / 1000, unit: 's' },
      { name: `flag put on ${n} tasks`, metric: 'per task', value: flag / n, unit: 'ms' },
    ];
  } finally {
    await s.close();
  }
}
