// Small helpers to drive the editor in Debian's Chromium through playwright-core: launching,
// opening a task as a user, and pointer actions in image coordinates (Excalidraw-style pointer
// helper: tests speak image pixels, the helper maps them through the live camera).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { waitFor } from '../helpers/waitFor';

export const ARTIFACTS = path.resolve('test-results');

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--use-gl=swiftshader', '--enable-unsafe-swiftshader'],
  });
}

/** A page signed in with `token` on the editor of `taskId`, once the canvas shows the document. */
export async function openTask(ctx: BrowserContext, url: string, taskId: string, token: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('[pageerror]', e.message));
  await page.setViewportSize({ width: 1200, height: 800 });
  await page.goto(`${url}/tasks/${taskId}?token=${encodeURIComponent(token)}`);
  await page.waitForFunction(() => (window as any).__tandem !== undefined, undefined, { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-status') === 'saved', undefined, { timeout: 30_000 });
  return page;
}

/** Screen (page) coordinates of an image point, through the editor's camera. */
export async function toPage(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const box = await page.locator('[data-testid="canvas"] canvas').boundingBox();
  if (!box) throw new Error('no canvas');
  const cam = await page.evaluate(() => (window as any).__tandem.camera() as { x: number; y: number; scale: number });
  return { x: box.x + cam.x + x * cam.scale, y: box.y + cam.y + y * cam.scale };
}

export async function clickImage(page: Page, x: number, y: number, opts: { button?: 'left' | 'right'; alt?: boolean } = {}): Promise<void> {
  const p = await toPage(page, x, y);
  if (opts.alt) await page.keyboard.down('Alt');
  await page.mouse.click(p.x, p.y, { button: opts.button ?? 'left' });
  if (opts.alt) await page.keyboard.up('Alt');
}

/** Presses at the first point, moves through the others, releases at the last (image px). */
export async function dragImage(page: Page, points: Array<[number, number]>): Promise<void> {
  const first = await toPage(page, points[0][0], points[0][1]);
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (const [x, y] of points.slice(1)) {
    const p = await toPage(page, x, y);
    await page.mouse.move(p.x, p.y, { steps: 4 });
  }
  await page.mouse.up();
}

/** Waits until the page has drawn `counts` as the mask of object `id`. */
export async function waitDrawn(page: Page, id: string, counts: string, timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction(([i, c]) => (window as any).__tandem.drawnAt(i)?.counts === c, [id, counts] as const, { timeout: timeoutMs });
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `e2e-${name}.png`) });
}

export { waitFor };

/** The project page's card of the task named `name` (by its own name: another card may name it, "≈ one.png"). */
export function taskCard(page: Page, name: string) {
  return page.getByTestId('task').filter({ has: page.locator(`.tname[title="${name.replace(/["\\]/g, '\\$&')}"]`) });
}

/** A screenshot of the page, read back at image points through the camera: [r, g, b] per point. */
export async function screenAt(page: Page): Promise<(x: number, y: number) => Promise<[number, number, number]>> {
  const { data, info } = await sharp(await page.screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return async (x, y) => {
    const p = await toPage(page, x, y);
    const o = (Math.round(p.y) * info.width + Math.round(p.x)) * 3;
    return [data[o], data[o + 1], data[o + 2]];
  };
}
