// Webhooks through the running server: the owner adds one, sends a test, and the receiver is told
// when a task's status changes in its review room (signed, with the project, task and who); other
// members may not manage them, bad URLs are refused, a delivery the receiver refused before a
// restart is sent by the server that starts next on the same data, and so is a change stored
// while no server got to queue it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { sqliteFile } from '../../server/storage/openStorage';
import { SqliteDocStore } from '../../server/storage/sqlite/SqliteDocStore';
import type { ObjectId } from '../../shared/schema/ids';
import { createObject, objectLabels } from '../../shared/schema/annotation';
import { clearTaskFlag, createThread, readTaskFlag, reply, setObjectVerdict, setTaskFlag, setTaskStatus } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { webhookReceiver, type Receiver } from '../helpers/webhookReceiver';
import { connectClient } from '../helpers/yclient';

/** The receivers listen on 127.0.0.1: a private address, which a default server refuses. */
const LOCAL = { WEBHOOK_ALLOW_PRIVATE: 'true' };
const signed = (secret: string, body: string) => `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;

describe('webhooks', () => {
  let s: TestServer;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    s = await startTestServer({ env: LOCAL });
  });
  afterAll(async () => {
    await s?.close();
  });
  afterEach(async () => {
    for (const r of receivers.splice(0)) await r.close();
  });
  const receiver = async (statuses: number[]) => {
    const r = await webhookReceiver(statuses);
    receivers.push(r);
    return r;
  };

  it("the owner adds a webhook and tests it; it is told each status change of the project's tasks", async () => {
    const r = await receiver([200]);
    const { projectId, taskId } = await s.createProjectWithTask({ name: 'Street scenes', taskName: 'frame_001.png' });
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    const hooksUrl = `/api/projects/${projectId}/webhooks`;
    expect((await s.api('POST', hooksUrl, { url: 'ftp://example.com/x' })).body.error.code).toBe('validation_failed');
    expect((await s.api('POST', hooksUrl, { url: 'not a url' })).status).toBe(400);
    expect((await s.api('POST', hooksUrl, { url: r.url }, ana.token)).status).toBe(403);
    expect((await s.api('GET', hooksUrl, undefined, ana.token)).status).toBe(403);
    const created = await s.api('POST', hooksUrl, { url: r.url });
    expect(created.status).toBe(201);
    const hook = created.body;
    expect(hook).toMatchObject({ url: r.url, events: ['task.status'] });
    expect(hook.secret.length).toBeGreaterThanOrEqual(24);

    // "Send a test": a ping, signed with the secret.
    expect((await s.api('POST', `${hooksUrl}/${hook.id}/ping`)).status).toBe(202);
    await waitFor(() => r.got.length === 1, 'the ping received');
    expect(r.got[0].headers['x-tandem-event']).toBe('ping');
    expect(r.got[0].headers['x-tandem-signature']).toBe(signed(hook.secret, r.got[0].body));

    // Ana sends the task to review in the editor (its review room): the receiver is told.
    const review = connectClient(s.wsUrl, `review:${taskId}`, ana.token);
    try {
      await review.synced();
      setTaskStatus(review.doc, 'in_review', ana.userId);
      await waitFor(() => r.got.length === 2, 'the status change received');
      const event = JSON.parse(r.got[1].body);
      expect(r.got[1].headers['x-tandem-event']).toBe('task.status');
      expect(r.got[1].headers['x-tandem-signature']).toBe(signed(hook.secret, r.got[1].body));
      expect(event).toMatchObject({
        event: 'task.status',
        project: { id: projectId, name: 'Street scenes' },
        task: { id: taskId, name: 'frame_001.png', status: 'in_review' },
        by: { id: ana.userId, name: 'Ana' },
      });
      // The delivery log, newest first, and the list's last delivery.
      const log = (await s.api('GET', `${hooksUrl}/${hook.id}/deliveries`)).body;
      expect(log.map((d: { event: string; state: string; lastStatus: number }) => [d.event, d.state, d.lastStatus])).toEqual([
        ['task.status', 'delivered', 200],
        ['ping', 'delivered', 200],
      ]);
      expect((await s.api('GET', hooksUrl)).body[0].lastDelivery).toMatchObject({ event: 'task.status', state: 'delivered' });
      // Deleted: the next change is told to nobody.
      expect((await s.api('DELETE', `${hooksUrl}/${hook.id}`)).status).toBe(200);
      expect((await s.api('GET', hooksUrl)).body).toEqual([]);
      setTaskStatus(review.doc, 'done', ana.userId);
      await waitFor(async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body[0].status === 'done', 'the row done');
      await new Promise((res) => setTimeout(res, 200));
      expect(r.got).toHaveLength(2);
    } finally {
      review.destroy();
    }
  });

  it('a webhook that takes uploads and deletions is told of each, and of no status change', async () => {
    const r = await receiver([200]);
    const { projectId, taskId } = await s.createProjectWithTask({ name: 'Mirror' });
    const hook = (await s.api('POST', `/api/projects/${projectId}/webhooks`, { url: r.url, events: ['task.created', 'task.deleted'] })).body;
    expect(hook.events).toEqual(['task.created', 'task.deleted']);
    expect((await s.api('POST', `/api/projects/${projectId}/webhooks`, { url: r.url, events: ['task.renamed'] })).status).toBe(400);
    const up = await s.api('POST', `/api/projects/${projectId}/tasks?name=new.png`, await makeImage(40, 30, 'png'), undefined, { 'content-type': 'image/png' });
    await waitFor(() => r.got.length === 1, 'the upload told');
    expect(JSON.parse(r.got[0].body)).toMatchObject({ event: 'task.created', project: { id: projectId, name: 'Mirror' }, task: { id: up.body.id, name: 'new.png', width: 40, height: 30 } });
    const review = connectClient(s.wsUrl, `review:${taskId}`, s.adminToken);
    try {
      await review.synced();
      setTaskStatus(review.doc, 'in_review', 'someone');
      await waitFor(async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body[0].status === 'in_review', 'the status mirrored');
    } finally {
      review.destroy();
    }
    expect((await s.api('DELETE', `/api/tasks/${up.body.id}`)).status).toBe(200);
    await waitFor(() => r.got.length === 2, 'the deletion told');
    expect(JSON.parse(r.got[1].body)).toMatchObject({ event: 'task.deleted', task: { id: up.body.id, name: 'new.png' } });
    expect(r.got.map((g) => g.headers['x-tandem-event'])).toEqual(['task.created', 'task.deleted']); // no task.status
  });

  it("a chat channel's webhook is told each comment and flag, with a line to show, and no status change", async () => {
    const r = await receiver([200]);
    const { projectId, taskId } = await s.createProjectWithTask({ name: 'Birds', taskName: 'gull_07.jpg' });
    const rev = await s.addMember(projectId, 'reviewer', 'Rita');
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    const hook = (await s.api('POST', `/api/projects/${projectId}/webhooks`, { url: r.url, events: ['comment.created', 'task.flagged', 'task.unflagged', 'comment.created'] })).body;
    expect(hook.events).toEqual(['comment.created', 'task.flagged', 'task.unflagged']);
    const rita = connectClient(s.wsUrl, `review:${taskId}`, rev.token);
    const anas = connectClient(s.wsUrl, `review:${taskId}`, ana.token);
    try {
      await Promise.all([rita.synced(), anas.synced()]);
      const thread = createThread(rita.doc, { objectId: null, x: 40, y: 12, by: rev.userId, text: 'a second gull is missing, @Ana', mentions: ['Ana'], request: true });
      await waitFor(() => r.got.length === 1, 'the comment told');
      expect(JSON.parse(r.got[0].body)).toMatchObject({
        event: 'comment.created',
        project: { id: projectId, name: 'Birds' },
        task: { id: taskId, name: 'gull_07.jpg' },
        by: { id: rev.userId, name: 'Rita' },
        thread: { id: thread, objectId: null, x: 40, y: 12, request: true, reply: false },
        message: { text: 'a second gull is missing, @Ana', mentions: ['Ana'] },
        text: 'Rita asked for a fix on gull_07.jpg: a second gull is missing, @Ana',
      });
      await waitFor(() => anas.doc.getMap('threads').has(thread), 'the thread reached Ana');
      setTaskStatus(anas.doc, 'in_progress', ana.userId);
      reply(anas.doc, thread, { by: ana.userId, text: 'there is only one' });
      setTaskFlag(anas.doc, { reason: 'duplicate', note: 'same as gull_06' }, ana.userId);
      await waitFor(() => r.got.length === 3, 'the reply and the flag told');
      const [answer, flag] = r.got.slice(1).map((g) => JSON.parse(g.body)).sort((a, b) => a.event.localeCompare(b.event));
      expect(answer).toMatchObject({ event: 'comment.created', thread: { id: thread, reply: true }, by: { name: 'Ana' }, text: 'Ana replied on gull_07.jpg: there is only one' });
      expect(flag).toMatchObject({ event: 'task.flagged', flag: { reason: 'duplicate', note: 'same as gull_06' }, text: 'Ana flagged gull_07.jpg: duplicate (same as gull_06)' });
      // Rita finds it is not a duplicate and takes the flag off.
      await waitFor(() => !!readTaskFlag(rita.doc), 'the flag reached Rita');
      clearTaskFlag(rita.doc, undefined, rev.userId);
      await waitFor(() => r.got.length === 4, 'the flag taken off told');
      expect(JSON.parse(r.got[3].body)).toMatchObject({ event: 'task.unflagged', by: { id: rev.userId, name: 'Rita' }, text: 'Rita took the flag off gull_07.jpg' });
    } finally {
      rita.destroy();
      anas.destroy();
    }
    const log = (await s.api('GET', `/api/projects/${projectId}/webhooks/${hook.id}/deliveries`)).body;
    expect(log.map((d: { event: string }) => d.event).sort()).toEqual(['comment.created', 'comment.created', 'task.flagged', 'task.unflagged']); // no task.status
    expect(r.got).toHaveLength(4);
  });

  it("a pipeline's webhook is told each verdict a reviewer gives an object, with its label, once, and nothing else", async () => {
    const r = await receiver([200]);
    const { projectId, taskId } = await s.createProjectWithTask({ name: 'Cars', taskName: 'street_01.jpg' });
    const rev = await s.addMember(projectId, 'reviewer', 'Rita');
    const hook = (await s.api('POST', `/api/projects/${projectId}/webhooks`, { url: r.url, events: ['object.reviewed'] })).body;
    expect(hook.events).toEqual(['object.reviewed']);
    // car-1 is drawn; car-2 is judged without being in the task room (deleted meanwhile): no label.
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    const drawing = connectClient(s.wsUrl, `task:${taskId}`, ana.token);
    await drawing.synced();
    createObject(drawing.doc, { id: 'car-1' as ObjectId, label: 'car', by: ana.userId });
    const server = connectClient(s.wsUrl, `task:${taskId}`, s.adminToken); // what the server has
    await server.synced();
    await waitFor(() => objectLabels(server.doc).get('car-1') === 'car', 'car-1 on the server');
    server.destroy();
    drawing.destroy();
    const rita = connectClient(s.wsUrl, `review:${taskId}`, rev.token);
    try {
      await rita.synced();
      setObjectVerdict(rita.doc, 'car-1' as ObjectId, { verdict: 'approved', by: rev.userId });
      const { threadId } = setObjectVerdict(rita.doc, 'car-2' as ObjectId, { verdict: 'changes_requested', by: rev.userId, message: 'the mirror is cut off' });
      setTaskStatus(rita.doc, 'in_progress', rev.userId); // not asked for
      await waitFor(() => r.got.length === 2, 'both verdicts told');
      const told = r.got.map((g) => JSON.parse(g.body)).sort((a, b) => a.object.id.localeCompare(b.object.id));
      expect(told[0]).toMatchObject({ event: 'object.reviewed', project: { id: projectId, name: 'Cars' }, task: { id: taskId, name: 'street_01.jpg' }, by: { id: rev.userId, name: 'Rita' }, object: { id: 'car-1', label: 'car' }, verdict: 'approved', threadId: null, text: 'Rita approved an object (car) of street_01.jpg' });
      expect(told[1]).toMatchObject({ event: 'object.reviewed', object: { id: 'car-2', label: null }, verdict: 'changes_requested', threadId, text: 'Rita asked for changes on an object of street_01.jpg' });
      // Approved after the fix: a verdict of its own.
      setObjectVerdict(rita.doc, 'car-2' as ObjectId, { verdict: 'approved', by: rev.userId });
      await waitFor(() => r.got.length === 3, 'the new verdict told');
      expect(JSON.parse(r.got[2].body)).toMatchObject({ object: { id: 'car-2' }, verdict: 'approved' });
      await new Promise((res) => setTimeout(res, 300));
      expect(r.got).toHaveLength(3);
    } finally {
      rita.destroy();
    }
  });

  it('a server on its defaults refuses a receiver inside its network, and says what the admin can set', async () => {
    const strict = await startTestServer();
    try {
      const { projectId } = await strict.createProjectWithTask({ name: 'Locked down' });
      const res = await strict.api('POST', `/api/projects/${projectId}/webhooks`, { url: 'http://169.254.169.254/latest/meta-data' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('WEBHOOK_ALLOW_PRIVATE=true') });
      expect((await strict.api('GET', `/api/projects/${projectId}/webhooks`)).body).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('a delivery the receiver refused is sent again, by the next server on the same data', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-hooks-'));
    const env = { ...LOCAL, WEBHOOK_RETRY_MS: '400,400,400' };
    let first: TestServer | null = await startTestServer({ dataDir, env });
    let second: TestServer | null = null;
    try {
      const r = await receiver([503]);
      const { projectId } = await first.createProjectWithTask();
      const hook = (await first.api('POST', `/api/projects/${projectId}/webhooks`, { url: r.url })).body;
      await first.api('POST', `/api/projects/${projectId}/webhooks/${hook.id}/ping`);
      await waitFor(() => r.got.length === 1, 'the first attempt refused');
      // Recorded as refused before the server stops (an attempt still in flight at shutdown is not
      // counted: its claim lapses after the lease, 30 s, which this test does not wait for).
      const server = first;
      await waitFor(async () => (await server.api('GET', `/api/projects/${projectId}/webhooks/${hook.id}/deliveries`)).body[0]?.attempts === 1, 'the refusal recorded');
      await first.close();
      first = null;
      r.answer([200]);
      second = await startTestServer({ dataDir, env }); // the same admin token, kept in the data directory
      await waitFor(async () => (await second!.api('GET', `/api/projects/${projectId}/webhooks/${hook.id}/deliveries`)).body[0]?.state === 'delivered', 'delivered after the restart');
      const [d] = (await second.api('GET', `/api/projects/${projectId}/webhooks/${hook.id}/deliveries`)).body;
      expect(d).toMatchObject({ event: 'ping', attempts: 2, lastStatus: 200 });
      expect(r.got.map((g) => g.headers['x-tandem-delivery'])).toEqual([d.id, d.id]);
    } finally {
      await first?.close();
      await second?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a status change stored while no server queued it (a crash) is told when the server starts again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-hooks-'));
    let srv: TestServer | null = await startTestServer({ dataDir, env: LOCAL });
    try {
      const r = await receiver([200]);
      const { projectId, taskId } = await srv.createProjectWithTask({ taskName: 'late.png' });
      await srv.api('POST', `/api/projects/${projectId}/webhooks`, { url: r.url });
      await srv.close();
      srv = null;
      // The review room's log gets the change with no server running (as if it crashed right
      // after storing it, before queueing the webhook).
      await new Promise((res) => setTimeout(res, 5)); // the change is after the webhook, by the clock
      const docs = SqliteDocStore.open(sqliteFile(dataDir), { batchMs: 5 });
      const doc = new Y.Doc();
      for (const u of (await docs.load(`review:${taskId}`)).updates) Y.applyUpdate(doc, u);
      const before = Y.encodeStateVector(doc);
      setTaskStatus(doc, 'done', 'u-someone');
      await docs.append(`review:${taskId}`, Y.encodeStateAsUpdate(doc, before));
      await docs.close();
      srv = await startTestServer({ dataDir, env: LOCAL });
      await waitFor(() => r.got.length === 1, 'the stored change told at start');
      expect(JSON.parse(r.got[0].body).task).toMatchObject({ id: taskId, name: 'late.png', status: 'done' });
    } finally {
      await srv?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

