// The next frame of a sequence: the object moved. The annotator copies its mask from the first
// frame and pastes it into the next with Ctrl+Shift+V, which also re-fits it with the model (a
// click at its thickest point, its box grown, the pasted mask as the previous mask): the stored
// mask lies on the moved object, where the plain paste did not. Real model, real worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { decodeRle } from '../../shared/codecs/rle';
import { listObjects } from '../../shared/schema/annotation';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient } from '../helpers/yclient';
import { clickImage, launch, openTask, shot, waitFor } from './browser';

const W = 320;
const H = 240;
/** A yellow rectangle of 160×120 at (x, y) on a dark gradient: one frame of a moving object. */
async function frame(x: number, y: number): Promise<Buffer> {
  const data = Buffer.alloc(W * H * 3);
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      const inside = i >= x && i < x + 160 && j >= y && j < y + 120;
      data.set(inside ? [250, 240, 60] : [Math.round((i / W) * 120), 40, Math.round((j / H) * 120)], 3 * (j * W + i));
    }
  }
  return sharp(data, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
}
/** IoU of a stored mask with the rectangle at (x, y). */
function iouWithRect(mask: Parameters<typeof decodeRle>[0], x: number, y: number): number {
  const { data } = decodeRle(mask);
  let inter = 0;
  let union = 0;
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      const g = i >= x && i < x + 160 && j >= y && j < y + 120;
      const m = data[j * W + i] === 1;
      if (g && m) inter++;
      if (g || m) union++;
    }
  }
  return inter / union;
}

describe('paste into the next frame and re-fit', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const tasks: string[] = [];

  beforeAll(async () => {
    srv = await startTestServer({ inference: true });
    const first = await srv.createProjectWithTask({ image: await frame(60, 50), taskName: 'frame-000.png', labels: [{ name: 'box', color: '#22c55e' }] });
    tasks.push(first.taskId);
    const next = await srv.api('POST', `/api/projects/${first.projectId}/tasks?name=frame-001.png`, await frame(84, 68), undefined, { 'content-type': 'image/png' });
    tasks.push(next.body.id);
    const ana = await srv.addMember(first.projectId, 'annotator', 'Ana');
    browser = await launch();
    page = await openTask(await browser.newContext(), srv.url, tasks[0], ana.token);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('Ctrl+Shift+V puts the mask of the frame before onto the moved object', async () => {
    await page.keyboard.press('g');
    for (const [x, y] of [[60, 50], [220, 50], [220, 170], [60, 170]] as Array<[number, number]>) await clickImage(page, x, y);
    await page.keyboard.press('Enter');
    await page.keyboard.press('v');
    await clickImage(page, 140, 110);
    await page.keyboard.press('Control+c');
    await page.getByText('Copied box.').waitFor();
    await page.keyboard.press('PageDown');
    await page.waitForURL(`**/tasks/${tasks[1]}`);
    const second = connectClient(srv.wsUrl, `task:${tasks[1]}`, srv.adminToken);
    try {
      await second.synced();
      // The next task's editor, not the one being torn down: its name in the header, its room synced.
      await page.locator('header b.name', { hasText: 'frame-001.png' }).waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-status') === 'saved');
      await page.keyboard.press('Control+Shift+v');
      await waitFor(() => listObjects(second.doc).length === 1, 'the pasted mask on the server');
      const o = await waitFor(() => listObjects(second.doc).find((x) => x.source === 'model'), 'the re-fitted mask on the server', 30_000);
      // The pasted mask, where the object was, against the re-fitted one, where it is now.
      const pasted = iouRect(60, 50, 84, 68);
      const refit = iouWithRect(o.mask!, 84, 68);
      expect(refit).toBeGreaterThan(0.9);
      expect(refit).toBeGreaterThan(pasted + 0.1);
      expect(o.clicks).toHaveLength(1); // the re-fit's click, kept with the object like any click
      await shot(page, 'refit-next-frame');
    } finally {
      second.destroy();
    }
  });
});

/** IoU of two 160×120 rectangles at (ax, ay) and (bx, by). */
function iouRect(ax: number, ay: number, bx: number, by: number): number {
  const inter = Math.max(0, 160 - Math.abs(ax - bx)) * Math.max(0, 120 - Math.abs(ay - by));
  return inter / (2 * 160 * 120 - inter);
}
