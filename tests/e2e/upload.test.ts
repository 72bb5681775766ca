// Uploading a dataset as it comes: a zip archive of images and a folder of them (its sub-folders
// too) become tasks named by their paths; what is not an image is listed as skipped, not dropped
// without a word.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { launch, shot, waitFor } from './browser';

describe('uploading archives and folders of images', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let projectId: string;
  let dir: string;
  const names = async () => ((await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ name: string }>).map((t) => t.name).sort();

  beforeAll(async () => {
    srv = await startTestServer();
    ({ projectId } = await srv.createProjectWithTask({ taskName: 'first.png' }));
    browser = await launch();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-upload-'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("adds a zip's images under their paths in it, and lists the other entries as skipped", async () => {
    const zip = zipSync({
      // Sizes of their own: the project's first image is a 64x48 one, which would not be added again.
      'batch/a.png': await makeImage(70, 50, 'png'),
      'batch/sub/a.png': await makeImage(72, 50, 'png'), // the same file name in another folder
      'batch/readme.txt': strToU8('what these are'),
    });
    await page.getByTestId('upload-input').setInputFiles([{ name: 'batch.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) }]);
    await waitFor(async () => (await names()).length === 3, 'the two images added');
    expect(await names()).toEqual(['batch/a.png', 'batch/sub/a.png', 'first.png']);
    await page.getByText('batch.zip: batch/readme.txt').waitFor();
    expect(await page.locator('.uploads li', { hasText: 'batch/readme.txt' }).textContent()).toContain('skipped: not a JPEG, PNG or WebP image');
    await shot(page, 'upload-zip');
  });

  it('adds a chosen folder, its sub-folders too, each image named by its path', async () => {
    const frames = path.join(dir, 'frames');
    fs.mkdirSync(path.join(frames, 'cam2'), { recursive: true });
    fs.writeFileSync(path.join(frames, '001.jpg'), await makeImage(80, 60, 'jpeg'));
    fs.writeFileSync(path.join(frames, 'cam2', '001.jpg'), await makeImage(82, 60, 'jpeg'));
    fs.writeFileSync(path.join(frames, 'notes.md'), 'not an image');
    await page.getByTestId('upload-folder').setInputFiles(frames);
    await waitFor(async () => (await names()).length === 5, 'the folder added');
    expect(await names()).toEqual(['batch/a.png', 'batch/sub/a.png', 'first.png', 'frames/001.jpg', 'frames/cam2/001.jpg']);
    await page.getByText('frames/notes.md').waitFor();
  });

  it('lists the last 30 images a large zip added, with the count, not a row for each', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let k = 0; k < 35; k++) files[`big/${String(k).padStart(3, '0')}.png`] = await makeImage(100 + k, 50, 'png');
    const before = (await names()).length;
    await page.getByTestId('upload-input').setInputFiles([{ name: 'big.zip', mimeType: 'application/zip', buffer: Buffer.from(zipSync(files)) }]);
    await waitFor(async () => (await names()).length === before + 35, 'the 35 images added', 60_000);
    const count = page.getByTestId('upload-done-count');
    await waitFor(async () => ((await count.textContent().catch(() => '')) ?? '').startsWith('39 images added'), 'the count of what was added');
    expect(await count.textContent()).toBe('39 images added (the last 30 listed).'); // the 4 of the tests before, and these
    const rows = await page.locator('.uploads li .fname').allTextContents();
    expect(rows.filter((r) => r.startsWith('big/'))).toEqual(Object.keys(files).slice(5));
    expect(rows).toContain('batch.zip: batch/readme.txt'); // what was skipped stays listed
  });
});
