// Going offline and back: edits made while the sync socket is down are kept in the browser
// (y-indexeddb, they survive a reload) and reach the server once the socket is back. "Offline"
// is the /sync websocket refused by a Playwright route; HTTP stays up so the page can reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { listObjects } from '../../shared/schema/annotation';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { dragImage, launch, openTask, shot, waitFor } from './browser';

describe('offline edits', () => {
  let srv: TestServer;
  let browser: Browser;
  let watcher: YClient;

  beforeAll(async () => {
    srv = await startTestServer({ inference: false });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    watcher?.destroy();
    await srv?.close();
  });

  const status = (page: Page) => page.getAttribute('[data-testid="sync-status"]', 'data-status');

  it('keeps edits made offline across a reload and syncs them on reconnect', async () => {
    const { projectId, taskId } = await srv.createProjectWithTask({ image: await makeImage(200, 150, 'png') });
    const ann = await srv.addMember(projectId, 'annotator', 'Olga');
    watcher = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
    await watcher.synced();

    const ctx = await browser.newContext();
    let offline = false;
    const open = new Set<WebSocketRoute>();
    await ctx.routeWebSocket(/\/sync\//, (ws) => {
      if (offline) {
        void ws.close({ code: 4999, reason: 'test: offline' });
        return;
      }
      ws.connectToServer();
      open.add(ws);
    });
    const page = await openTask(ctx, srv.url, taskId, ann.token);

    offline = true;
    for (const ws of open) await ws.close({ code: 4999, reason: 'test: offline' });
    open.clear();
    await waitFor(async () => (await status(page)) === 'offline', 'the indicator to say offline');

    await page.keyboard.press('l');
    await dragImage(page, [[20, 20], [90, 20], [90, 80], [20, 80]]);
    const row = page.locator('[data-object-id]');
    await row.first().waitFor();
    const id = await row.first().getAttribute('data-object-id');
    expect(id).toBeTruthy();
    expect(listObjects(watcher.doc).some((o) => o.id === id)).toBe(false);
    await shot(page, '5-offline-edit');

    // Reload while still offline: the edit comes back from IndexedDB.
    await page.reload();
    await page.locator(`[data-object-id="${id}"]`).waitFor({ timeout: 60_000 });
    expect(await status(page)).toBe('offline');
    expect(listObjects(watcher.doc).some((o) => o.id === id)).toBe(false);

    offline = false;
    const synced = await waitFor(() => listObjects(watcher.doc).find((o) => o.id === id), 'the offline edit on the server', 30_000);
    expect(synced.createdBy).toBe(ann.userId);
    expect(synced.mask).not.toBeNull();
    await waitFor(async () => (await status(page)) === 'saved', 'the indicator to say saved', 30_000);
    await shot(page, '6-back-online');
    await ctx.close();
  });
});
