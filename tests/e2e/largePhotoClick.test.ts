// Clicking on a camera photo in the browser, through the real server, worker and served model
// (tandem-click-v3, zoom-in from the second click): a 24 MP photo's mask comes back as a 24 MP RLE,
// the second click sends it back as the previous mask, and the editor draws the result. What an
// annotator checks: the object's outline, after each click, in the document and on the screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { decodeRle } from '../../shared/codecs/rle';
import { listObjects } from '../../shared/schema/annotation';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { clickImage, launch, openTask, screenAt, shot, waitDrawn, waitFor } from './browser';

const W = 6000;
const H = 4000;
// A red ellipse on a grey, lightly textured ground.
const E = { cx: 2600, cy: 1900, rx: 1300, ry: 800 };
const inside = (x: number, y: number) => ((x - E.cx) / E.rx) ** 2 + ((y - E.cy) / E.ry) ** 2 < 1;

async function photo(): Promise<Buffer> {
  const data = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = 3 * (y * W + x);
      if (inside(x, y)) data.set([200, 40, 40], p);
      else data.fill(110 + ((x >> 5) % 3) * 8 + ((y >> 5) % 2) * 6, p, p + 3);
    }
  }
  return sharp(data, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

function iouWithEllipse(mask: Uint8Array): number {
  let i = 0;
  let u = 0;
  for (let y = 0; y < H; y += 2) {
    for (let x = 0; x < W; x += 2) {
      const g = inside(x, y);
      const m = mask[y * W + x] === 1;
      if (g && m) i++;
      if (g || m) u++;
    }
  }
  return u ? i / u : 0;
}

describe('clicking on a 24 MP photo', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let watcher: YClient;

  beforeAll(async () => {
    srv = await startTestServer({ inference: true, env: { INFERENCE_TIMEOUT_MS: '60000' } });
    const created = await srv.createProjectWithTask({ image: await photo(), imageType: 'image/jpeg', taskName: 'camera.jpg', labels: [{ name: 'thing', color: '#22c55e' }] });
    const a = await srv.addMember(created.projectId, 'annotator', 'Ana');
    watcher = connectClient(srv.wsUrl, `task:${created.taskId}`, srv.adminToken);
    await watcher.synced();
    browser = await launch();
    page = await openTask(await browser.newContext(), srv.url, created.taskId, a.token);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    watcher?.destroy();
    await srv?.close();
  });

  it("segments the object at the first click and refines it at the second", async () => {
    const objects = () => listObjects(watcher.doc);
    await page.keyboard.press('c');
    await clickImage(page, E.cx, E.cy);
    const first = await waitFor(() => objects().find((o) => o.mask && o.clicks.length === 1), 'a mask after the first click', 60_000);
    expect(first.mask!.size).toEqual([H, W]);
    expect(iouWithEllipse(decodeRle(first.mask!).data)).toBeGreaterThan(0.85);
    // A second positive click near the rim; the editor sends the first mask (24 MP) back as the
    // previous mask (EditorSession.test.ts checks that it does).
    await clickImage(page, E.cx + 1100, E.cy + 200);
    const second = await waitFor(() => objects().find((o) => o.id === first.id && o.clicks.length === 2 && o.mask!.counts !== first.mask!.counts), 'the refined mask', 60_000);
    expect(iouWithEllipse(decodeRle(second.mask!).data)).toBeGreaterThan(0.85);
    await waitDrawn(page, second.id, second.mask!.counts, 30_000);
    await page.waitForTimeout(300); // a frame after the texture upload
    await shot(page, 'large-photo-clicked');
    // On screen: the ellipse's centre is tinted by the mask, the grey ground beside it is not.
    const rgb = await screenAt(page);
    const [, g] = await rgb(E.cx, E.cy);
    const [r0, g0] = await rgb(5600, 3700);
    expect(g).toBeGreaterThan(65); // the ellipse alone is (200, 40, 40): the green fill lifts g
    expect(Math.abs(r0 - g0)).toBeLessThan(15); // the ground stays grey
  }, 180_000);
});
