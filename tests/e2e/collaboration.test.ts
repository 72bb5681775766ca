// Three browser contexts on one task through the real server (inference on, graph cut engine):
// an annotator (A), a reviewer (B) and a viewer (V). The document is checked through a separate
// Node y-websocket client, as a user would check what was saved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { rleArea, decodeRle } from '../../shared/codecs/rle';
import { listObjects } from '../../shared/schema/annotation';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { clickImage, dragImage, launch, openTask, shot, waitDrawn, waitFor } from './browser';

const W = 320;
const H = 240;

describe('live co-editing in the browser', () => {
  let srv: TestServer;
  let browser: Browser;
  let taskId: string;
  let a: { token: string; userId: string };
  let b: { token: string; userId: string };
  let v: { token: string; userId: string };
  let ctxA: BrowserContext;
  let ctxB: BrowserContext;
  let ctxV: BrowserContext;
  let pageA: Page;
  let pageB: Page;
  let watcher: YClient;
  let segmented: string;

  beforeAll(async () => {
    srv = await startTestServer({ inference: true });
    const created = await srv.createProjectWithTask({
      image: await makeImage(W, H, 'png'),
      labels: [{ name: 'box', color: '#22c55e' }, { name: 'fix', color: '#3b82f6' }],
    });
    taskId = created.taskId;
    a = await srv.addMember(created.projectId, 'annotator', 'Ana');
    b = await srv.addMember(created.projectId, 'reviewer', 'Bo');
    v = await srv.addMember(created.projectId, 'viewer', 'Vi');
    watcher = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
    await watcher.synced();
    browser = await launch();
    [ctxA, ctxB, ctxV] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
    pageA = await openTask(ctxA, srv.url, taskId, a.token);
    pageB = await openTask(ctxB, srv.url, taskId, b.token);
  });

  afterAll(async () => {
    await browser?.close();
    watcher?.destroy();
    await srv?.close();
  });

  const objects = () => listObjects(watcher.doc);

  it('A segments an object with clicks and B sees the mask appear', async () => {
    await pageA.keyboard.press('c');
    await clickImage(pageA, 160, 120);
    const obj = await waitFor(() => objects().find((o) => o.mask && rleArea(o.mask) > 0), 'a segmented mask in the document', 30_000);
    expect(obj.createdBy).toBe(a.userId);
    expect(obj.clicks).toMatchObject([{ positive: true, by: a.userId }]);
    // The bright square is [80, 240) x [60, 180): the mask must cover its centre and not the corners.
    const bm = decodeRle(obj.mask!);
    expect(bm.data[120 * W + 160]).toBe(1);
    expect(bm.data[5 * W + 5]).toBe(0);
    segmented = obj.id;
    await waitDrawn(pageB, obj.id, obj.mask!.counts);
    await pageA.keyboard.press('Enter');
    await shot(pageA, '1-A-segmented');
    await shot(pageB, '1-B-sees-mask');
  });

  it('B brushes a correction and A sees it', async () => {
    const before = objects().find((o) => o.id === segmented)!;
    await pageB.locator(`[data-object-id="${segmented}"]`).click();
    await pageB.keyboard.press('p');
    await dragImage(pageB, [[250, 200], [280, 200], [300, 220]]);
    const after = await waitFor(() => {
      const o = objects().find((x) => x.id === segmented);
      return o && o.updatedBy === b.userId && o.mask!.counts !== before.mask!.counts ? o : null;
    }, 'B’s brush stroke in the document');
    expect(rleArea(after.mask!)).toBeGreaterThan(rleArea(before.mask!));
    expect(decodeRle(after.mask!).data[200 * W + 280]).toBe(1);
    await waitDrawn(pageA, segmented, after.mask!.counts);
    await shot(pageA, '2-A-sees-B-correction');
  });

  it("A's undo removes A's own new object and leaves B's work alone", async () => {
    const bMask = objects().find((o) => o.id === segmented)!.mask!;
    await pageA.keyboard.press('l');
    await dragImage(pageA, [[10, 10], [60, 10], [60, 50], [10, 50]]);
    const lasso = await waitFor(() => objects().find((o) => o.source === 'polygon' && o.createdBy === a.userId), 'A’s lasso object');
    for (let i = 0; i < 4; i++) await pageA.keyboard.press('Control+z');
    await waitFor(() => !objects().some((o) => o.id === lasso.id), 'A’s lasso object undone');
    const kept = objects().find((o) => o.id === segmented);
    expect(kept?.mask).toEqual(bMask);
    expect(kept?.updatedBy).toBe(b.userId);
    await shot(pageA, '3-A-after-undo');
  });

  it('a viewer cannot change anything and is told so', async () => {
    ctxV = ctxV ?? (await browser.newContext());
    const pageV = await openTask(ctxV, srv.url, taskId, v.token);
    await expect(pageV.getByTestId('readonly-banner').textContent()).resolves.toMatch(/viewer/i);
    expect(await pageV.locator('button[data-tool="smart"]').isDisabled()).toBe(true);
    expect(await pageV.locator('button[data-tool="select"]').getAttribute('aria-pressed')).toBe('true');
    const before = JSON.stringify(objects());
    await clickImage(pageV, 160, 120); // selects, to review
    await pageV.keyboard.press('c'); // the smart tool's shortcut
    await clickImage(pageV, 160, 120);
    await pageV.getByTestId('toast').waitFor();
    expect(await pageV.getByTestId('toast').textContent()).toMatch(/not edit/i);
    await pageV.locator(`[data-object-id="${segmented}"]`).click();
    await pageV.keyboard.press('Delete');
    await pageV.keyboard.press('Control+z');
    // What the viewer would have changed would have reached the server long before A's next edit
    // does: make one and wait for it, then compare.
    await pageA.keyboard.press('g');
    for (const [x, y] of [[250, 20], [300, 20], [300, 50]] as Array<[number, number]>) await clickImage(pageA, x, y);
    await pageA.keyboard.press('Enter');
    await waitFor(() => objects().length === JSON.parse(before).length + 1, 'A’s polygon');
    const now = objects().filter((o) => o.createdBy !== a.userId || o.id === segmented);
    expect(JSON.stringify(now.filter((o) => o.id === segmented))).toBe(JSON.stringify(JSON.parse(before).filter((o: { id: string }) => o.id === segmented)));
    expect(objects().some((o) => o.createdBy === v.userId || o.updatedBy === v.userId)).toBe(false);
    await shot(pageV, '4-viewer-read-only');
    await pageV.close();
  });

  it('A picks another model for the smart tools; the choice stays for the project after a reload', async () => {
    const picker = pageA.getByTestId('model-picker');
    await picker.waitFor();
    expect(await picker.inputValue()).toBe(''); // the server's default
    expect(await picker.locator('option').allTextContents()).toEqual(expect.arrayContaining(['tandem-click-v3', 'graphcut']));
    await picker.selectOption('graphcut');
    await pageA.keyboard.press('Escape');
    await pageA.keyboard.press('c');
    const before = new Set(objects().map((o) => o.id));
    await clickImage(pageA, 30, 215);
    const made = await waitFor(() => objects().find((o) => !before.has(o.id) && o.mask && rleArea(o.mask) > 0), 'a mask from the picked model', 30_000);
    expect(made.model).toBe('graphcut');
    // The toolbar says how fast the answer came (the round trip from click to mask) and, with the
    // picker beside it naming the model asked, who answered on hover.
    await waitFor(async () => /^\d+ ms$/.test((await pageA.getByTestId('last-segment').textContent()) ?? ''), 'the time of the last answer');
    expect(await pageA.getByTestId('last-segment').getAttribute('title')).toMatch(/^graphcut answered your last click in \d+ ms/);
    await pageA.keyboard.press('Enter');
    await pageA.reload();
    await pageA.getByTestId('model-picker').waitFor();
    await waitFor(async () => (await pageA.getByTestId('model-picker').inputValue()) === 'graphcut', 'the choice kept');
    await pageA.getByTestId('model-picker').selectOption('');
  });
});
