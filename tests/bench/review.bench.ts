// What the review loop's lists cost: the home page's inbox over many tasks (GET /api/me/inbox reads
// every task row of the member's projects) and the review room summaries the task rows mirror on
// every review change (server/dataset/rowMirrors.ts). `npm run bench -- review [--quick]`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import type { ObjectId } from '../../shared/schema/ids';
import { createThread, reply, setObjectVerdict } from '../../shared/schema/review';
import { countToFix, threadSummary } from '../../shared/schema/reviewSummary';
import { createAuth } from '../../server/auth/createAuth';
import { loadInbox } from '../../server/http/inbox';
import { SqliteMetaStore } from '../../server/storage/sqlite/SqliteMetaStore';
import type { BenchResult } from './types';

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-review-'));
  const meta = SqliteMetaStore.open(path.join(dir, 'meta.db'));
  try {
    // 1. The inbox of an annotator in 10 projects of 1,000 tasks each (2,000 with --quick: 10 x 200),
    //    one task in 20 sent back, one in 10 with an open thread, half of those mentioning her.
    const perProject = quick ? 200 : 1000;
    const owner = await meta.createUser({ name: 'Owner' });
    const ana = await meta.createUser({ name: 'Ana' });
    for (let p = 0; p < 10; p++) {
      const project = await meta.createProject({ name: `P${p}`, labels: [{ name: 'car', color: '#ff0000' }], createdBy: owner.id });
      await meta.addMember(project.id, owner.id, 'owner');
      await meta.addMember(project.id, ana.id, 'annotator');
      for (let i = 0; i < perProject; i++) {
        const t = await meta.createTask({ projectId: project.id, name: `img${i}.jpg`, width: 640, height: 480, imageKey: `k${p}-${i}`, mime: 'image/jpeg' });
        if (i % 20 === 0) {
          await meta.setTaskStatus(t.id, 'in_progress');
          await meta.setTaskToFix(t.id, 2);
        }
        if (i % 10 === 0) await meta.setTaskThreads(t.id, { open: 1, mentioned: i % 20 === 0 ? ['Ana'] : ['Bo'] });
      }
    }
    const auth = createAuth(meta);
    const times: number[] = [];
    let inbox = await loadInbox(meta, auth, ana);
    for (let k = 0; k < (quick ? 5 : 20); k++) {
      const t0 = performance.now();
      inbox = await loadInbox(meta, auth, ana);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const what = `inbox, 10 projects x ${perProject} tasks (${inbox.toFix.length} to fix, ${inbox.mentions.length} mentions, lists capped at 50)`;
    out.push({ name: what, metric: 'p50', value: times[times.length >> 1], unit: 'ms' });
    out.push({ name: what, metric: 'max', value: times[times.length - 1], unit: 'ms' });

    // 2. The summaries of a busy review room: 300 objects judged (a third asked to change), 200
    //    threads of 3 messages; computed on every change of the room.
    const doc = new Y.Doc();
    for (let i = 0; i < 300; i++) setObjectVerdict(doc, `o${i}` as ObjectId, { verdict: i % 3 ? 'approved' : 'changes_requested', by: 'rita' });
    for (let i = 0; i < 200; i++) {
      const th = createThread(doc, { objectId: i % 2 ? (`o${i}` as ObjectId) : null, x: i, y: i, by: 'rita', text: `@Ana look at ${i}`, mentions: ['Ana'] });
      reply(doc, th, { by: 'ana', text: 'done', mentions: [] });
      reply(doc, th, { by: 'rita', text: 'thanks', mentions: [] });
    }
    const rounds = quick ? 20 : 100;
    const t0 = performance.now();
    for (let k = 0; k < rounds; k++) {
      countToFix(doc);
      threadSummary(doc);
    }
    out.push({ name: 'row summaries of a review room (300 verdicts, 200 threads x 3 messages)', metric: 'per change', value: (performance.now() - t0) / rounds, unit: 'ms' });
  } finally {
    await meta.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
