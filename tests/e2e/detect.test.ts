// "Find objects" on a dev photo with the shipped detector and click model: the annotator presses
// D, sees the detector's boxes and its classes matched to the project's labels, skips one class,
// adds the rest as masks in one step (stored, labelled, each on its object), undoes it in one
// Ctrl+Z, and a second look proposes nothing already there again. Real worker, real models.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { rleBbox } from '../../shared/codecs/rle';
import { listObjects } from '../../shared/schema/annotation';
import { boxIou } from '../../shared/geometry/boxIou';
import { devMaskBox, DEV } from '../helpers/devMasks';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { startTestWorker } from '../helpers/inference';
import type { InferencePool } from '../../server/inference';
import type { RunningWorker } from '../../server/inference/worker/startWorker';
import { launch, openTask, shot, waitFor } from './browser';

const ID = 'backpack07_000000370478';

describe('find objects with the detector', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let taskId: string;
  let room: YClient;
  let gt: number[];

  beforeAll(async () => {
    srv = await startTestServer({ inference: true });
    const image = fs.readFileSync(path.join(DEV, 'images', `${ID}.jpg`));
    const t = await srv.createProjectWithTask({
      image,
      imageType: 'image/jpeg',
      taskName: `${ID}.jpg`,
      labels: [{ name: 'Backpack', color: '#22c55e' }, { name: 'laptop', color: '#3b82f6' }, { name: 'chair', color: '#f97316' }],
    });
    taskId = t.taskId;
    gt = await devMaskBox(ID);
    const ana = await srv.addMember(t.projectId, 'annotator', 'Ana');
    browser = await launch();
    page = await openTask(await browser.newContext(), srv.url, taskId, ana.token);
    room = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
    await room.synced();
  }, 120_000);

  afterAll(async () => {
    room?.destroy();
    await browser?.close();
    await srv?.close();
  });

  const objects = () => listObjects(room.doc);
  const addButton = () => page.getByTestId('detect-add');
  const count = async () => Number(/Add (\d+)/.exec((await addButton().textContent()) ?? '')?.[1]);

  it('shows the boxes, matches classes to labels, adds the chosen ones as masks, and undoes them in one step', async () => {
    await page.getByTestId('find-objects').waitFor({ timeout: 30_000 }); // once a worker announced the detector
    await page.keyboard.press('d');
    const panel = page.getByTestId('detect-panel');
    await panel.getByText('Min. score').waitFor({ timeout: 30_000 });
    await page.getByTestId('detect-class').first().waitFor();
    expect(await page.getByTestId('detect-box').count()).toBeGreaterThan(0);
    // Matched by name (case aside); a class with no label of its name is skipped.
    await expect.poll(() => page.getByLabel('Label for backpack').inputValue()).toBe('Backpack');
    await expect.poll(() => page.getByLabel('Label for laptop').inputValue()).toBe('laptop');
    const all = await count();
    expect(all).toBeGreaterThanOrEqual(2);
    // The laptop class skipped: fewer to add.
    const laptops = Number(/(\d+)/.exec((await page.locator('[data-class="laptop"] .muted').textContent()) ?? '')?.[1]);
    await page.getByLabel('Label for laptop').selectOption('');
    await expect.poll(count).toBe(all - laptops);
    // A click on a box's tag leaves that one out, a second brings it back.
    const tag = page.getByTestId('detect-tag').first();
    await tag.click();
    await expect.poll(count).toBe(all - laptops - 1);
    await tag.click();
    await expect.poll(count).toBe(all - laptops);
    await shot(page, 'detect-panel');
    const adding = await count();
    await addButton().click();
    await waitFor(() => objects().length === adding, 'the detected objects to be stored', 60_000);
    const stored = objects();
    expect(new Set(stored.map((o) => o.label))).not.toContain('laptop');
    expect(stored.every((o) => o.source === 'detector' && o.mask)).toBe(true);
    // The backpack's mask lies on the annotated backpack (its box from the click model's mask).
    const bags = stored.filter((o) => o.label === 'Backpack').map((o) => {
      const [x, y, w, h] = rleBbox(o.mask!);
      return boxIou([x, y, x + w, y + h], gt);
    });
    expect(Math.max(...bags)).toBeGreaterThanOrEqual(0.5);
    await page.getByText(`Added ${adding} object`).waitFor();
    await shot(page, 'detect-added');
    await page.keyboard.press('Control+z');
    await waitFor(() => objects().length === 0, 'one undo to take every added object away');
    await page.keyboard.press('Control+Shift+z');
    await waitFor(() => objects().length === adding, 'redo to bring them back');
  }, 120_000);

  it('proposes nothing the image already has', async () => {
    await page.keyboard.press('d');
    await page.getByTestId('detect-class').first().waitFor({ timeout: 30_000 });
    await page.locator('[data-class="backpack"]').getByText('here)').waitFor();
    expect(await count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.getByTestId('detect-panel').waitFor({ state: 'detached' });
  }, 60_000);
});

describe('find objects when the detector joins late', () => {
  it('shows the button (and the project page its panel) a few seconds after a worker with the detector joins, pre-labels the uploads that waited for it, and pauses a run while its worker is away', async () => {
    // No local worker: the editor opens with no detector listed; a (GPU, say) worker joins after.
    const srv = await startTestServer({ inference: true, env: { INFERENCE_WORKERS: '0' } });
    const browser = await launch();
    let worker: RunningWorker | null = null;
    try {
      const image = fs.readFileSync(path.join(DEV, 'images', `${ID}.jpg`));
      const t = await srv.createProjectWithTask({ image, imageType: 'image/jpeg', taskName: 'late.jpg', labels: [{ name: 'Backpack', color: '#22c55e' }] });
      // The project pre-labels new uploads; one arrives while no worker runs the detector.
      expect((await srv.api('PUT', `/api/projects/${t.projectId}/settings`, { noOverlap: false, autoPrelabel: { labels: { backpack: 'Backpack' } } })).status).toBe(200);
      const upload = await srv.api('POST', `/api/projects/${t.projectId}/tasks?name=waiting.jpg`, image, undefined, { 'content-type': 'image/jpeg' });
      expect(upload.status).toBe(201);
      const ctx = await browser.newContext();
      const page = await openTask(ctx, srv.url, t.taskId, srv.adminToken);
      const projectPage = await ctx.newPage(); // and the project page, with its pre-labelling panel
      await projectPage.goto(`${srv.url}/projects/${t.projectId}?token=${encodeURIComponent(srv.adminToken)}`);
      await projectPage.getByTestId('url-import').waitFor();
      await new Promise((r) => setTimeout(r, 1000));
      expect(await page.getByTestId('find-objects').count()).toBe(0);
      expect(await projectPage.getByTestId('prelabel').count()).toBe(0);
      expect(await projectPage.getByTestId('prelabel-waiting').textContent()).toBe('1 new upload waits to be pre-labelled: no worker runs the detector now; it is pre-labelled once one does.');
      await shot(projectPage, 'detect-upload-waiting');
      worker = await startTestWorker(srv.url, (srv.server.inference as InferencePool).workerToken, { modelsDir: path.resolve('models'), cacheBytes: 1 << 26 });
      // Well before the editor's minute-long refresh of its lists.
      await page.getByTestId('find-objects').waitFor({ timeout: 20_000 });
      await projectPage.getByTestId('prelabel').waitFor({ timeout: 20_000 });
      // The upload that waited gets its run, and the page says so.
      const status = projectPage.getByTestId('prelabel-status');
      const said = async () => ((await status.count()) ? ((await status.textContent()) ?? '').replace(/\s+/g, ' ').trim() : '');
      await waitFor(async () => /^New uploads: Done: 1 \/ 1 images, [1-9]\d* objects? added$/.test(await said()), 'the run over the upload that waited', 30_000);
      expect(await projectPage.getByTestId('prelabel-waiting').count()).toBe(0);

      // A run over every image, and the worker goes away under it (a GPU worker redeployed): the
      // page says the run is paused, and once a worker is back, that it was carried on.
      expect((await srv.api('PUT', `/api/projects/${t.projectId}/settings`, { noOverlap: false, autoPrelabel: null })).status).toBe(200);
      for (let i = 0; i < 8; i++) await srv.api('POST', `/api/projects/${t.projectId}/tasks?name=more-${i}.jpg`, image, undefined, { 'content-type': 'image/jpeg' });
      expect((await srv.api('POST', `/api/projects/${t.projectId}/prelabel`, { labels: { backpack: 'Backpack' }, scope: 'all' })).status).toBe(202);
      await waitFor(async () => (await srv.api('GET', `/api/projects/${t.projectId}/prelabel`)).body.done >= 1, 'an image done', 30_000, 20);
      await worker.close();
      worker = null;
      await waitFor(async () => (await said()).startsWith('Paused, no worker runs the detector (it carries on when one does):'), 'the page to say the run is paused', 30_000);
      // Said on the panel's summary too, closed as it is here.
      expect(await projectPage.getByTestId('prelabel-summary-state').textContent()).toMatch(/^· paused, no worker runs the detector: \d+ \/ 10$/);
      await projectPage.getByTestId('prelabel').locator('summary').click();
      await shot(projectPage, 'detect-prelabel-paused');
      worker = await startTestWorker(srv.url, (srv.server.inference as InferencePool).workerToken, { modelsDir: path.resolve('models'), cacheBytes: 1 << 26 });
      await waitFor(async () => /^Done: 10 \/ 10 images, [1-9]\d* objects? added \(carried on after a pause\)$/.test(await said()), 'the run carried on to its end', 60_000);
    } finally {
      await worker?.close();
      await browser.close();
      await srv.close();
    }
  }, 180_000);
});
