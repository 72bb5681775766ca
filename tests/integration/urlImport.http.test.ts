// Images added by URL (POST /api/projects/:id/tasks/from-urls): the server fetches each from an
// image server (here on a local port), follows a redirect, and adds it as a task named after the
// URL, in the order given whatever order the answers come in; each bad URL gets its own error code (missing, too large, not an image, too slow) while the
// others are added; an image the project has already (the same bytes) is not added twice, even by
// two imports at once; a
// default server refuses addresses inside its network; owners only.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';

describe('images added by URL', () => {
  let s: TestServer;
  let images: http.Server;
  let base: string;
  const hits: string[] = [];
  beforeAll(async () => {
    const png = await makeImage(64, 48, 'png');
    const jpg = await makeImage(80, 60, 'jpeg');
    images = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      const path = (req.url ?? '').split('?')[0];
      // The first frame answers last: the tasks must still come in the order given.
      if (path === '/frames/0001.png') setTimeout(() => res.writeHead(200, { 'content-type': 'image/png' }).end(png), req.url?.includes('Signature') ? 200 : 0);
      else if (path === '/frames/street%20view.jpg') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(jpg);
      else if (path === '/moved') res.writeHead(302, { location: '/frames/0001.png' }).end();
      else if (path === '/big.png') res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(64 * 1024));
      else if (path === '/notes.png') res.writeHead(200, { 'content-type': 'image/png' }).end('not an image at all');
      else if (path === '/slow.png') res.writeHead(200, { 'content-type': 'image/png' }).write(png.subarray(0, 10)); // never ends
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
    // The image server is on 127.0.0.1, which the admin allows here; 32 KiB images at most.
    s = await startTestServer({ env: { IMPORT_ALLOW_PRIVATE: 'true', MAX_IMAGE_BYTES: String(32 * 1024), IMPORT_FETCH_TIMEOUT_MS: '500' } });
  });
  afterAll(async () => {
    await s?.close();
    images.closeAllConnections();
    await new Promise((r) => images.close(r));
  });

  it('adds each image as a task named after its URL, and says per URL why the others were not added', async () => {
    const { projectId } = await s.createProjectWithTask({ name: 'From the bucket', image: await makeImage(32, 24, 'png') }); // not one the server serves
    const urls = [
      `${base}/frames/0001.png?X-Amz-Signature=abc`,
      `${base}/frames/street%20view.jpg`,
      `${base}/moved`,
      `${base}/missing.png`,
      `${base}/big.png`,
      `${base}/notes.png`,
      `${base}/slow.png`,
    ];
    const r = await s.api('POST', `/api/projects/${projectId}/tasks/from-urls`, { urls });
    expect(r.status).toBe(200);
    // The redirect leads to the first frame again: the same image, answered with its task, not added twice.
    expect(r.body).toMatchObject({ added: 2, existing: 1, failed: 4 });
    expect(r.body.results.map((x: { url: string }) => x.url)).toEqual(urls);
    const [a, b, c, ...bad] = r.body.results;
    expect([a, b, c]).toMatchObject([
      { name: '0001.png', width: 64, height: 48 },
      { name: 'street view.jpg', width: 80, height: 60 },
      { id: a.id, name: '0001.png', width: 64, height: 48, existing: true },
    ]);
    expect(a.existing).toBeUndefined();
    expect(bad.map((x: { error: { code: string } }) => x.error.code)).toEqual(['unavailable', 'image_too_large', 'unsupported_media_type', 'timeout']);
    expect(bad[0].error.message).toContain('HTTP 404');
    const tasks = (await s.api('GET', `/api/projects/${projectId}/tasks`)).body.map((t: { name: string }) => t.name);
    expect(tasks).toEqual(['image.png', '0001.png', 'street view.jpg']);
    // The list sent again with its links signed anew (a script retried next day): nothing added twice.
    const again = await s.api('POST', `/api/projects/${projectId}/tasks/from-urls`, { urls: [`${base}/frames/0001.png?X-Amz-Signature=def`, `${base}/frames/street%20view.jpg`] });
    expect(again.body).toMatchObject({ added: 0, existing: 2, failed: 0 });
    expect(again.body.results.map((x: { id: string }) => x.id)).toEqual([a.id, b.id]);
    expect((await s.api('GET', `/api/projects/${projectId}/tasks`)).body).toHaveLength(3);
    // Another project has none of them: added there.
    const other = await s.createProjectWithTask({ name: 'Elsewhere', image: await makeImage(32, 24, 'png') });
    expect((await s.api('POST', `/api/projects/${other.projectId}/tasks/from-urls`, { urls: [`${base}/frames/street%20view.jpg`] })).body).toMatchObject({ added: 1, existing: 0 });
    // A list sent twice at once (a client that timed out and retried while the first still ran): each image added once.
    const twice = await s.createProjectWithTask({ name: 'Retried', image: await makeImage(32, 24, 'png'), labels: [{ name: 'car', color: '#ff0000' }] });
    // The project pre-labels new uploads (no worker runs the detector here: they wait, counted).
    expect((await s.api('PUT', `/api/projects/${twice.projectId}/settings`, { noOverlap: false, autoPrelabel: { labels: { car: 'car' } } })).status).toBe(200);
    const list = { urls: [`${base}/frames/0001.png?X-Amz-Signature=ghi`, `${base}/frames/street%20view.jpg`] };
    const both = await Promise.all([0, 1].map(() => s.api('POST', `/api/projects/${twice.projectId}/tasks/from-urls`, list)));
    expect(both.map((x) => x.body.added + x.body.existing)).toEqual([2, 2]);
    expect(both[0].body.added + both[1].body.added).toBe(2);
    expect(both[0].body.results.map((x: { id: string }) => x.id)).toEqual(both[1].body.results.map((x: { id: string }) => x.id));
    expect((await s.api('GET', `/api/projects/${twice.projectId}/tasks`)).body).toHaveLength(3);
    expect((await s.api('GET', `/api/projects/${twice.projectId}/prelabel`)).body.waiting).toBe(2); // the images not made twice are not waiting twice
    // The fetched bytes are what the task serves.
    const served = await s.api('GET', `/api/tasks/${a.id}/image`);
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect((await s.api('GET', '/healthz')).status).toBe(200); // and the server is still up
  });

  it('refuses what is not a list of http(s) URLs, and members who are not the owner', async () => {
    const { projectId } = await s.createProjectWithTask();
    const ana = await s.addMember(projectId, 'annotator');
    const path = `/api/projects/${projectId}/tasks/from-urls`;
    expect((await s.api('POST', path, { urls: [`${base}/frames/0001.png`] }, ana.token)).status).toBe(403);
    expect((await s.api('POST', path, { urls: ['ftp://example.com/a.png'] })).body.error.code).toBe('validation_failed');
    expect((await s.api('POST', path, { urls: [] })).body.error.code).toBe('validation_failed');
    expect((await s.api('POST', path, { urls: Array(101).fill(`${base}/frames/0001.png`) })).body.error.code).toBe('validation_failed');
  });

  it('on its defaults, a server fetches nothing inside its network and says what the admin can set', async () => {
    const strict = await startTestServer();
    try {
      const { projectId } = await strict.createProjectWithTask();
      const before = hits.length;
      const port = new URL(base).port;
      const r = await strict.api('POST', `/api/projects/${projectId}/tasks/from-urls`, { urls: [`${base}/frames/0001.png`, `http://localhost:${port}/frames/0001.png`, 'http://169.254.169.254/latest/meta-data'] });
      expect(r.body).toMatchObject({ added: 0, failed: 3 });
      for (const x of r.body.results) expect(x.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('IMPORT_ALLOW_PRIVATE=true') });
      expect(hits.length).toBe(before); // not one request reached the image server
    } finally {
      await strict.close();
    }
  });
});
