// A large photo in the browser: an object wider than a GPU texture may be must still be drawn,
// all of it (this Chromium's software GL takes textures up to 8192 px; phones 4096). The document is written by a Node y-websocket client (an import or a
// peer would do the same), the page is looked at in a screenshot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { encodeRle } from '../../shared/codecs/rle';
import { createObject } from '../../shared/schema/annotation';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { launch, openTask, screenAt, shot, waitDrawn } from './browser';

const W = 10_000;
const H = 1200;

describe('a large object on a camera-size photo', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let writer: YClient;
  let taskId: string;
  let projectId: string;

  beforeAll(async () => {
    srv = await startTestServer({ inference: false });
    const black = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
    const created = await srv.createProjectWithTask({ image: black, labels: [{ name: 'road', color: '#ff0000' }] });
    taskId = created.taskId;
    projectId = created.projectId;
    writer = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
    await writer.synced();
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    writer?.destroy();
    await srv?.close();
  });

  it('draws a 9600 px wide mask across its three texture tiles', async () => {
    // A band from x 200 to 9800: one texture would be 9600 px wide, past this GPU's 8192; tiles of
    // 4096 start at x 200, 4296 and 8392.
    const m = new Uint8Array(W * H);
    for (let y = 400; y < 800; y++) m.fill(1, y * W + 200, y * W + 9800);
    const mask = encodeRle(m, W, H);
    const id = createObject(writer.doc, { label: 'road', mask, by: 'importer' });
    const viewer = await srv.addMember(projectId, 'viewer', 'Vi');
    page = await openTask(await browser.newContext(), srv.url, taskId, viewer.token);
    await waitDrawn(page, id, mask.counts);
    await page.waitForTimeout(300); // a frame after the texture upload
    await shot(page, 'large-photo-wide-mask');
    const at = await screenAt(page);
    const red = async (x: number, y: number) => (await at(x, y))[0];
    // The fill over the black photo is red at the fill opacity, in each of the three tiles.
    for (const x of [1000, 5000, 9500]) expect(await red(x, 600)).toBeGreaterThan(60);
    // Outside the band the photo stays black.
    expect(await red(5000, 200)).toBeLessThan(30);
    expect(await red(9900, 600)).toBeLessThan(30);
  });
});
