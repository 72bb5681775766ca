// Bad input of every kind gets a clear code, the server stays up, and nothing already stored is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { makeCorruptPng, makeImage, makePngBomb, makeTruncatedJpeg } from '../helpers/images';
import { openRaw } from '../helpers/rawSocket';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient, type YClient } from '../helpers/yclient';

describe('bad input', () => {
  let s: TestServer;
  let projectId: string;
  let taskId: string;
  let writer: YClient;
  const clients: YClient[] = [];

  beforeAll(async () => {
    s = await startTestServer({
      env: { SYNC_MAX_FRAME_BYTES: '4096', MAX_JSON_BYTES: '2048', MAX_IMAGE_BYTES: '300000', MAX_IMAGE_PIXELS: '4000000' },
    });
    ({ projectId, taskId } = await s.createProjectWithTask());
    // A document edited before the bad input arrives; it must come through intact.
    writer = connectClient(s.wsUrl, `task:${taskId}`, s.adminToken);
    clients.push(writer);
    await writer.synced();
    for (let i = 0; i < 20; i++) writer.doc.getArray('before').push([`edit ${i}`]);
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s?.close();
  });

  async function expectIntact(): Promise<void> {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const fresh = connectClient(s.wsUrl, `task:${taskId}`, s.adminToken);
    clients.push(fresh);
    await fresh.synced();
    await waitFor(() => fresh.doc.getArray('before').length === 20, 'the earlier edits');
    expect(fresh.doc.getArray('before').toArray()).toEqual(writer.doc.getArray('before').toArray());
    expect(writer.provider.wsconnected).toBe(true);
  }

  it('closes sockets that send malformed frames with 4400', async () => {
    const frames: Array<[string, Uint8Array | string]> = [
      ['unknown message type', new Uint8Array([0x7f, 1, 2])],
      ['unknown sync message', new Uint8Array([0, 9, 0])],
      ['truncated payload', new Uint8Array([0, 2, 100, 1, 2])],
      ['trailing bytes', new Uint8Array([0, 0, 0, 9, 9])],
      ['a Yjs update that does not decode', new Uint8Array([0, 2, 3, 1, 2, 3])],
      ['an awareness update that is not JSON', new Uint8Array([1, 5, 1, 1, 1, 1, 0x7b])],
      ['a text frame', 'hello'],
      ['an empty frame', new Uint8Array([])],
    ];
    for (const [what, frame] of frames) {
      const sock = openRaw(s.wsUrl, `task:${taskId}`, s.adminToken);
      await sock.opened;
      // Wait for the server's sync step 1: the socket has joined the room.
      await waitFor(() => sock.frames.length > 0, 'the server greeting');
      sock.ws.send(frame);
      const closed = await sock.closed;
      expect(closed.code, what).toBe(CloseCode.MalformedFrame);
    }
    expect(s.server.sync.metrics.malformedFrames).toBeGreaterThanOrEqual(frames.length);
    await expectIntact();
  });

  it('closes sockets that send oversized frames with 1009', async () => {
    const sock = openRaw(s.wsUrl, `task:${taskId}`, s.adminToken);
    await sock.opened;
    const big = new Uint8Array(10_000);
    big[0] = 0;
    big[1] = 2;
    sock.ws.send(big);
    expect((await sock.closed).code).toBe(CloseCode.MessageTooBig);
    await expectIntact();
  });

  it('refuses unknown rooms with 4404', async () => {
    for (const room of ['task:', 'task:no-such-task', 'tasks:x', '../../etc', 'task:' + 'x'.repeat(100)]) {
      expect((await openRaw(s.wsUrl, room, s.adminToken).closed).code, room).toBe(CloseCode.UnknownRoom);
    }
    await expectIntact();
  });

  it('answers invalid JSON, wrong content types and oversized bodies with clear codes', async () => {
    const raw = (path: string, body: string | Buffer, type: string, method = 'POST') =>
      s.api(method, path, Buffer.isBuffer(body) ? body : Buffer.from(body), s.adminToken, { 'content-type': type });
    let r = await raw('/api/projects', '{"name": ', 'application/json');
    expect([r.status, r.body.error.code]).toEqual([400, 'invalid_json']);
    r = await raw('/api/projects', 'name=x', 'application/x-www-form-urlencoded');
    expect([r.status, r.body.error.code]).toEqual([415, 'unsupported_media_type']);
    r = await raw('/api/projects', JSON.stringify({ name: 'x'.repeat(5000) }), 'application/json');
    expect([r.status, r.body.error.code]).toEqual([413, 'payload_too_large']);
    r = await raw('/api/projects', JSON.stringify({ name: 'ok', labels: [{ name: 'a', color: 'red' }] }), 'application/json');
    expect([r.status, r.body.error.code]).toEqual([400, 'validation_failed']);
    r = await raw(`/api/projects/${projectId}/tasks?name=a.txt`, 'just text', 'text/plain');
    expect([r.status, r.body.error.code]).toEqual([415, 'unsupported_media_type']);
    r = await raw(`/api/projects/${projectId}/tasks?name=a.png`, await makeImage(16, 16, 'jpeg'), 'image/png');
    expect([r.status, r.body.error.code]).toEqual([415, 'unsupported_media_type']);
    r = await raw(`/api/projects/${projectId}/tasks`, await makeImage(16, 16, 'png'), 'image/png');
    expect([r.status, r.body.error.code]).toEqual([400, 'validation_failed']);
    await expectIntact();
  });

  it('refuses corrupt, truncated, oversized and bomb images', async () => {
    const up = (bytes: Buffer, type: string) => s.api('POST', `/api/projects/${projectId}/tasks?name=x`, bytes, s.adminToken, { 'content-type': type });
    let r = await up(makeCorruptPng(), 'image/png');
    expect([r.status, r.body.error.code]).toEqual([400, 'invalid_image']);
    r = await up(await makeTruncatedJpeg(), 'image/jpeg');
    expect([r.status, r.body.error.code]).toEqual([400, 'invalid_image']);
    r = await up(Buffer.alloc(400_000, 7), 'image/png');
    expect([r.status, r.body.error.code]).toEqual([413, 'image_too_large']);
    const bomb = makePngBomb(20_000, 20_000);
    expect(bomb.length).toBeLessThan(300_000); // under the byte cap: only the pixel check can stop it
    r = await up(bomb, 'image/png');
    expect([r.status, r.body.error.code]).toEqual([413, 'image_too_large']);
    // None of these made a task.
    expect((await s.api('GET', `/api/projects/${projectId}/tasks`)).body).toHaveLength(1);
    await expectIntact();
  });
});
