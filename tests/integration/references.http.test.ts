// Reference tasks (POST /api/projects/:id/references): the owner keeps what an image holds as the
// answer and hands it back to the team as new work; an annotator's submission is scored against it
// in the analytics (found, wrong label, missed, extra, IoU, attribute agreement), their first one
// per task counting for them; the answer stays out of the annotators' reach (the list, the
// history); taken back, it can be restored as the task's annotation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createObject, listObjects } from '../../shared/schema/annotation';
import { readImageAttributes, setImageAttributes } from '../../shared/schema/imageAttributes';
import { createThread, listThreads, readTaskStatus, setTaskStatus } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient } from '../helpers/yclient';
import { rectRle } from '../helpers/rectRle';

const W = 64;
const H = 48;
const rect = (x0: number, y0: number, x1: number, y1: number) => rectRle(W, H, x0, y0, x1, y1);
const labels = [
  { name: 'car', color: '#3b82f6', attributes: [{ name: 'occluded', type: 'checkbox' }] },
  { name: 'person', color: '#ef4444' },
];

describe('reference tasks', () => {
  let s: TestServer;
  let projectId: string;
  const ids: string[] = [];
  let ana: { userId: string; token: string };
  beforeAll(async () => {
    s = await startTestServer();
    projectId = (await s.api('POST', '/api/projects', { name: 'street', labels })).body.id;
    await s.api('PUT', `/api/projects/${projectId}/settings`, { imageAttributes: [{ name: 'weather', type: 'select', options: ['clear', 'rain'] }] });
    for (const name of ['a.png', 'b.png']) ids.push((await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(W, H, 'png'), undefined, { 'content-type': 'image/png' })).body.id);
    ana = await s.addMember(projectId, 'annotator', 'Ana');
  });
  afterAll(async () => {
    await s?.close();
  });

  const analytics = async () => (await s.api('GET', `/api/projects/${projectId}/analytics`)).body.references;

  it('keeps the answer, hands the image back cleared, and scores what an annotator sends', async () => {
    // The owner's answer: a car (occluded), a person, rain.
    const owner = connectClient(s.wsUrl, `task:${ids[0]}`, s.adminToken);
    await owner.synced();
    createObject(owner.doc, { label: 'car', mask: rect(0, 0, 20, 20), by: 'owner', attributes: { occluded: true } });
    createObject(owner.doc, { label: 'person', mask: rect(40, 10, 50, 40), by: 'owner' });
    setImageAttributes(owner.doc, { weather: 'rain' }, undefined, 'owner');
    await waitFor(async () => (await s.api('GET', `/api/tasks/${ids[0]}/history`)).body.objects?.length === 2, 'the owner\'s objects stored');
    // The answer's own review: a request on the image that would tell the team what is there.
    const ownerReview = connectClient(s.wsUrl, `review:${ids[0]}`, s.adminToken);
    await ownerReview.synced();
    createThread(ownerReview.doc, { objectId: null, x: 45, y: 20, by: 'owner', text: 'the person on the right is missing', request: true });
    await waitFor(async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === ids[0])?.openThreads === 1, 'the thread on the task row');
    ownerReview.destroy();

    const marked = await s.api('POST', `/api/projects/${projectId}/references`, { taskIds: [ids[0]] });
    expect(marked.body).toEqual({ marked: 1, already: 0, objects: 2 });
    // The open editor sees the image cleared: no objects, no values; the task is to do again.
    await waitFor(() => listObjects(owner.doc).length === 0, 'the objects cleared in the open editor');
    expect(readImageAttributes(owner.doc)).toEqual({});
    owner.destroy();
    const listed = await s.api('GET', `/api/projects/${projectId}/references`);
    expect(listed.body.references).toMatchObject([{ taskId: ids[0], objects: 2 }]);
    // The answer, for the owner (and QA leads) to compare in the editor.
    const answer = await s.api('GET', `/api/tasks/${ids[0]}/reference`);
    expect(answer.body).toMatchObject({ taskId: ids[0], objects: 2, image: { weather: 'rain' } });
    expect(answer.body.answer.map((o: { label: string; attributes: object }) => [o.label, o.attributes]).sort()).toEqual([['car', { occluded: true }], ['person', {}]]);
    expect((await s.api('GET', `/api/tasks/${ids[1]}/reference`)).body.error).toMatchObject({ code: 'not_found', message: 'b.png is not a reference task' });
    // A QA lead sees the list too (the analytics name the tasks to them already).
    const qa = await s.addMember(projectId, 'qa', 'Quinn');
    expect((await s.api('GET', `/api/projects/${projectId}/references`, undefined, qa.token)).body.references).toMatchObject([{ taskId: ids[0] }]);
    expect((await s.api('POST', `/api/projects/${projectId}/references/remove`, { taskIds: [ids[0]] }, qa.token)).status).toBe(403);
    // Not for annotators: neither the list, nor the answer, nor the answer through the task's history.
    expect((await s.api('GET', `/api/projects/${projectId}/references`, undefined, ana.token)).status).toBe(403);
    expect((await s.api('GET', `/api/tasks/${ids[0]}/reference`, undefined, ana.token)).status).toBe(403);
    expect((await s.api('GET', `/api/tasks/${ids[0]}/history`, undefined, ana.token)).body.objects).toEqual([]);
    // Marked again: left as it is (the team's work is not the answer).
    expect((await s.api('POST', `/api/projects/${projectId}/references`, { taskIds: [ids[0]] })).body).toEqual({ marked: 0, already: 1, objects: 0 });

    // Ana annotates: the car a little off and not marked occluded, no person, a stray car; clear sky.
    const task = connectClient(s.wsUrl, `task:${ids[0]}`, ana.token);
    const review = connectClient(s.wsUrl, `review:${ids[0]}`, ana.token);
    try {
      await Promise.all([task.synced(), review.synced()]);
      expect(readTaskStatus(review.doc)?.status).toBe('todo');
      expect(listThreads(review.doc)).toEqual([]);
      // Nothing of the answer reaches her: the deleted objects' content is not in what she syncs.
      expect(Buffer.from(Y.encodeStateAsUpdate(task.doc)).includes('person')).toBe(false);
      createObject(task.doc, { label: 'car', mask: rect(2, 0, 22, 20), by: ana.userId }); // IoU 360/440
      createObject(task.doc, { label: 'car', mask: rect(30, 30, 36, 36), by: ana.userId });
      setImageAttributes(task.doc, { weather: 'clear' }, undefined, ana.userId);
      await waitFor(async () => (await s.api('GET', `/api/tasks/${ids[0]}/history`)).body.objects?.length === 2, 'Ana\'s objects stored');
      setTaskStatus(review.doc, 'in_review', ana.userId);
      await waitFor(async () => (await analytics()).submissions.length === 1, 'the submission scored');
      const r = await analytics();
      expect(r.tasks).toBe(1);
      const iou = 360 / 440;
      expect(r.annotators).toHaveLength(1);
      const a = r.annotators[0];
      expect(a).toMatchObject({ userId: ana.userId, name: 'Ana', tasks: 1, objects: 2, found: 1, wrongLabel: 0, missed: 1, extra: 1, attributesCompared: 2, attributesAgreed: 0 });
      expect(a.meanIou).toBeCloseTo(iou, 6);
      expect(a.quality).toBeCloseTo(iou / 2, 6); // found 1 + (missed 1 + extra 1) / 2
      expect(a.attributeAgreement).toBe(0);

      // Sent back, fixed (the person added, occluded set, the stray removed), sent again: a second
      // submission, better, which does not replace Ana's first in her figures.
      setTaskStatus(review.doc, 'todo', 'owner');
      const car = listObjects(task.doc).find((o) => o.mask && o.mask.counts === rect(2, 0, 22, 20).counts)!;
      const { setAttributes, deleteObject } = await import('../../shared/schema/annotation');
      setAttributes(task.doc, car.id, { occluded: true }, ana.userId);
      for (const o of listObjects(task.doc)) if (o.id !== car.id) deleteObject(task.doc, o.id);
      // The person is drawn by a co-editor: the submission says so, and stays Ana's.
      createObject(task.doc, { label: 'person', mask: rect(40, 10, 50, 40), by: 'owner' });
      await waitFor(async () => (await s.api('GET', `/api/tasks/${ids[0]}/history`)).body.objects?.some((o: { deleted: boolean }) => o.deleted), 'the fix stored');
      setTaskStatus(review.doc, 'in_review', ana.userId);
      await waitFor(async () => (await analytics()).submissions.length === 2, 'the second submission scored');
      const again = await analytics();
      expect(again.submissions[0].with).toEqual([]);
      expect(again.submissions[1]).toMatchObject({ name: 'Ana', with: ['owner'], first: false, found: 2, missed: 0, extra: 0, attributesAgreed: 1, attributesCompared: 2 });
      expect(again.annotators[0]).toMatchObject({ tasks: 1, found: 1, missed: 1, extra: 1 });
      // A reviewer's approval is not a submission.
      setTaskStatus(review.doc, 'done', 'owner');
      await new Promise((r) => setTimeout(r, 500));
      expect((await analytics()).submissions).toHaveLength(2);
      const csv = String((await s.api('GET', `/api/projects/${projectId}/analytics?format=csv&table=references`)).body).trim().split('\r\n');
      expect(csv[0]).toBe('task_id,task_name,user_id,name,submitted_at,first,objects,found,wrong_label,missed,extra,mean_iou,quality,attributes_compared,attributes_agreed,with');
      expect(csv.slice(1).map((l) => l.split(',').slice(3, 11).filter((_, i) => i !== 1).join(','))).toEqual(['Ana,true,2,1,0,1,1', 'Ana,false,2,2,0,0,0']);
    } finally {
      task.destroy();
      review.destroy();
    }
  });

  it("hands it back again for another annotator's turn: the image cleared, each scored against the same answer", async () => {
    const again = await s.api('POST', `/api/projects/${projectId}/references/again`, { taskIds: [ids[0], ids[1]] });
    expect(again.body).toEqual({ handedBack: 1, notReference: 1 });
    const ben = await s.addMember(projectId, 'annotator', 'Ben');
    const task = connectClient(s.wsUrl, `task:${ids[0]}`, ben.token);
    const review = connectClient(s.wsUrl, `review:${ids[0]}`, ben.token);
    try {
      await Promise.all([task.synced(), review.synced()]);
      expect(listObjects(task.doc)).toEqual([]);
      expect(readTaskStatus(review.doc)?.status).toBe('todo');
      // Ana's turn is in the history (the owner sees it), not for Ben to restore her scored work.
      const all = (await s.api('GET', `/api/tasks/${ids[0]}/history`)).body.objects as Array<{ objectId: string; deleted: boolean }>;
      expect(all.filter((o) => o.deleted).length).toBeGreaterThanOrEqual(2);
      expect((await s.api('GET', `/api/tasks/${ids[0]}/history`, undefined, ben.token)).body.objects).toEqual([]);
      expect((await s.api('GET', `/api/tasks/${ids[0]}/objects/${all[0].objectId}/history`, undefined, ben.token)).status).toBe(404);
      expect((await s.api('POST', `/api/tasks/${ids[0]}/objects/${all[0].objectId}/restore`, { version: 1 }, ben.token)).status).toBe(404);
      expect((await s.api('GET', `/api/tasks/${ids[0]}/image/history`, undefined, ben.token)).body.versions).toEqual([]);
      // Ben draws both right, as a car and a truck.
      createObject(task.doc, { label: 'car', mask: rect(0, 0, 20, 20), by: ben.userId, attributes: { occluded: true } });
      createObject(task.doc, { label: 'car', mask: rect(40, 10, 50, 40), by: ben.userId });
      setImageAttributes(task.doc, { weather: 'rain' }, undefined, ben.userId);
      await waitFor(async () => (await s.api('GET', `/api/tasks/${ids[0]}/history`)).body.objects?.filter((o: { deleted: boolean }) => !o.deleted).length === 2, 'Ben\'s objects stored');
      // His own turn he sees.
      expect((await s.api('GET', `/api/tasks/${ids[0]}/history`, undefined, ben.token)).body.objects).toHaveLength(2);
      setTaskStatus(review.doc, 'in_review', ben.userId);
      await waitFor(async () => (await analytics()).submissions.length === 3, 'Ben\'s submission scored');
      const r = await analytics();
      expect(r.submissions[2]).toMatchObject({ name: 'Ben', first: true, found: 1, wrongLabel: 1, missed: 0, extra: 0, attributesCompared: 2, attributesAgreed: 2 });
      expect(r.annotators.map((a: { name: string; tasks: number; found: number }) => [a.name, a.tasks, a.found])).toEqual([['Ben', 1, 1], ['Ana', 1, 1]]);
    } finally {
      task.destroy();
      review.destroy();
    }
  });

  it('takes a task back, restoring the answer as its annotation when asked', async () => {
    const r = await s.api('POST', `/api/projects/${projectId}/references/remove`, { taskIds: [ids[0], ids[1]], restore: true });
    expect(r.body).toEqual({ unmarked: 1, restored: 1 }); // b was never one
    expect((await s.api('GET', `/api/projects/${projectId}/references`)).body.references).toEqual([]);
    const view = connectClient(s.wsUrl, `task:${ids[0]}`, s.adminToken);
    try {
      await view.synced();
      const objects = listObjects(view.doc).map((o) => [o.label, o.attributes]).sort();
      expect(objects).toEqual([['car', { occluded: true }], ['person', {}]]);
      expect(readImageAttributes(view.doc)).toEqual({ weather: 'rain' });
    } finally {
      view.destroy();
    }
    expect((await analytics()).tasks).toBe(0);
  });

  it('refuses what is not the owner\'s to do, or not the project\'s, writing nothing', async () => {
    const post = (path: string, body: unknown, token?: string) => s.api('POST', `/api/projects/${projectId}/references${path}`, body, token);
    expect((await post('', { taskIds: [ids[1]] }, ana.token)).status).toBe(403);
    expect((await post('/remove', { taskIds: [ids[1]] }, ana.token)).status).toBe(403);
    const stranger = await post('', { taskIds: [ids[1], 'elsewhere'] });
    expect(stranger.status).toBe(400);
    expect(stranger.body.error).toMatchObject({ code: 'validation_failed', message: 'task elsewhere is not in this project' });
    expect((await post('', { taskIds: [] })).status).toBe(400);
    expect((await s.api('GET', `/api/projects/${projectId}/references`)).body.references).toEqual([]);
  });
});
