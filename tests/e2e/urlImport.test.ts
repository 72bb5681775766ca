// Adding images by URL on the project page: the owner pastes a list, the images the server could
// fetch become tasks in the list, and the ones it could not stay in the box with the reason; the
// same list pasted again adds nothing twice.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { launch, shot, waitFor } from './browser';

describe('images added from URLs', () => {
  let srv: TestServer;
  let browser: Browser;
  let images: http.Server;
  let base: string;

  beforeAll(async () => {
    const frames = [await makeImage(120, 90, 'png'), await makeImage(122, 90, 'png')];
    images = http.createServer((req, res) => {
      const m = /^\/cam\/frame-(\d)\.png$/.exec(req.url ?? '');
      if (m && frames[Number(m[1]) - 1]) res.writeHead(200, { 'content-type': 'image/png' }).end(frames[Number(m[1]) - 1]);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
    srv = await startTestServer({ env: { IMPORT_ALLOW_PRIVATE: 'true' } }); // the image server is on 127.0.0.1
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await new Promise((r) => images.close(r));
  });

  it('adds the images it can fetch and keeps the others with the reason', async () => {
    const { projectId } = await srv.createProjectWithTask({ taskName: 'first.png' });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await page.getByTestId('url-import').locator('summary').click();
    await page.getByTestId('url-import-input').fill(`${base}/cam/frame-1.png\n${base}/cam/frame-2.png\n\n${base}/cam/gone.png\n`);
    expect(await page.getByTestId('url-import-send').textContent()).toContain('Add 3 images');
    await page.getByTestId('url-import-send').click();
    await page.getByTestId('url-import-added').waitFor();
    expect(await page.getByTestId('url-import-added').textContent()).toBe('2 added');
    expect(await page.getByTestId('url-import-failures').textContent()).toContain('gone.png');
    expect(await page.getByTestId('url-import-failures').textContent()).toContain('HTTP 404');
    expect(await page.getByTestId('url-import-input').inputValue()).toBe(`${base}/cam/gone.png`);
    const names = async () => (await page.getByTestId('task').locator('.tname').allTextContents()).sort();
    await waitFor(async () => (await names()).length === 3, 'the two new tasks listed');
    expect(await names()).toEqual(['first.png', 'frame-1.png', 'frame-2.png']);
    await shot(page, 'url-import');
    // The same list again (a second paste, a retried script): nothing is added twice.
    await page.getByTestId('url-import-input').fill(`${base}/cam/frame-1.png\n${base}/cam/frame-2.png`);
    await page.getByTestId('url-import-send').click();
    await page.getByTestId('url-import-added').getByText('already in the project').waitFor();
    expect(await page.getByTestId('url-import-added').textContent()).toBe('0 added, 2 already in the project');
    expect(await names()).toHaveLength(3);
  });
});
