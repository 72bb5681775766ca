// Editor benchmarks in headless Chromium (Debian's, software WebGL: --disable-gpu) against a real
// server with inference on:
//   1. frame time while panning and zooming a 4096×3072 image with 300 masks;
//   2. click → mask drawn on screen (server + graph-cut worker + render), p50/p95;
//   3. a peer's commit (Node y-websocket client) → drawn in the browser, p50/p95.
// Needs a built app (`npx vite build`).
import { encodeRle } from '../../shared/codecs/rle';
import { createObject, listObjects, setMask } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import { makeImage } from '../helpers/images';
import { startTestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient } from '../helpers/yclient';
import { clickImage, launch, openTask } from '../e2e/browser';
import type { BenchResult } from './types';

const BIG_W = 4096;
const BIG_H = 3072;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

/** A mask: an axis-aligned ellipse (image px), as masks of real objects are blobs. */
function ellipseMask(cx: number, cy: number, rx: number, ry: number): Uint8Array {
  const data = new Uint8Array(BIG_W * BIG_H);
  for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(BIG_H, Math.ceil(cy + ry)); y++) {
    const dy = (y + 0.5 - cy) / ry;
    const half = rx * Math.sqrt(Math.max(0, 1 - dy * dy));
    const x0 = Math.max(0, Math.round(cx - half));
    const x1 = Math.min(BIG_W, Math.round(cx + half));
    data.fill(1, y * BIG_W + x0, y * BIG_W + x1);
  }
  return data;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const srv = await startTestServer({ inference: true });
  const browser = await launch();
  try {
    // ---- 1. pan/zoom frame time, 4096×3072 with 300 masks --------------------------------------
    const big = await srv.createProjectWithTask({ image: await makeImage(BIG_W, BIG_H, 'jpeg'), imageType: 'image/jpeg', taskName: 'big.jpg' });
    const seeder = connectClient(srv.wsUrl, `task:${big.taskId}`, srv.adminToken);
    await seeder.synced();
    const nMasks = quick ? 100 : 300;
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < nMasks; i++) {
      const rx = 20 + rnd() * 180;
      const ry = 20 + rnd() * 180;
      const mask = encodeRle(ellipseMask(rx + rnd() * (BIG_W - 2 * rx), ry + rnd() * (BIG_H - 2 * ry), rx, ry), BIG_W, BIG_H);
      createObject(seeder.doc, { label: 'object', mask, by: 'bench', source: 'bench' });
    }
    const ctx = await browser.newContext();
    const admin = srv.adminToken;
    const page = await openTask(ctx, srv.url, big.taskId, admin);
    await page.waitForFunction((n) => (window as any).__tandem.masksDrawn >= n, nMasks, { timeout: 120_000 });
    const box = (await page.locator('[data-testid="canvas"] canvas').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.evaluate(() => (window as any).__tandem.frameTimes());
    const t0 = Date.now();
    const seconds = quick ? 2 : 5;
    // Alternate wheel zooms and space-drag pans for a few seconds.
    await page.mouse.move(cx, cy);
    let k = 0;
    while (Date.now() - t0 < seconds * 1000) {
      await page.mouse.wheel(0, k % 8 < 4 ? -120 : 120);
      await page.keyboard.down('Space');
      await page.mouse.down();
      await page.mouse.move(cx + 60 * Math.sin(k), cy + 40 * Math.cos(k), { steps: 5 });
      await page.mouse.up();
      await page.keyboard.up('Space');
      k++;
    }
    const frames = (await page.evaluate(() => (window as any).__tandem.frameTimes())) as number[];
    const measured = frames.slice(-Math.min(frames.length, seconds * 60));
    const label = `pan/zoom ${BIG_W}x${BIG_H}, ${nMasks} masks`;
    results.push({ name: label, metric: 'frame p50', value: pct(measured, 50), unit: 'ms', goal: '<= 16.7' });
    results.push({ name: label, metric: 'frame p95', value: pct(measured, 95), unit: 'ms' });

    // ---- 3. peer commit → drawn ---------------------------------------------------------------
    const ids = listObjects(seeder.doc).map((o) => o.id);
    const peer: number[] = [];
    const rounds = quick ? 5 : 20;
    for (let i = 0; i < rounds; i++) {
      const id = ids[i % ids.length] as ObjectId;
      const mask = encodeRle(ellipseMask(500 + i * 100, 600, 80 + i, 60), BIG_W, BIG_H);
      const sent = Date.now();
      setMask(seeder.doc, id, mask, 'bench', { source: 'bench' });
      const drawn = await page.waitForFunction(
        ([i2, c]) => {
          const d = (window as any).__tandem.drawnAt(i2);
          return d?.counts === c ? performance.timeOrigin + d.t : null;
        },
        [id, mask.counts] as const,
        { timeout: 30_000, polling: 'raf' },
      );
      peer.push((await drawn.jsonValue()) - sent);
    }
    results.push({ name: `peer commit -> drawn (4K doc, ${nMasks} masks)`, metric: 'p50', value: pct(peer, 50), unit: 'ms' });
    results.push({ name: `peer commit -> drawn (4K doc, ${nMasks} masks)`, metric: 'p95', value: pct(peer, 95), unit: 'ms' });
    seeder.destroy();
    await ctx.close();

    // ---- 2. click → mask drawn (1024×768, graph cut worker) ------------------------------------
    const small = await srv.createProjectWithTask({ image: await makeImage(1024, 768, 'png') });
    const ctx2 = await browser.newContext();
    const p2 = await openTask(ctx2, srv.url, small.taskId, admin);
    await p2.evaluate(() => {
      const c = document.querySelector('[data-testid="canvas"] canvas')!;
      c.addEventListener('pointerdown', (e) => ((window as any).__lastDown = performance.timeOrigin + e.timeStamp), { capture: true });
    });
    const click: number[] = [];
    for (let i = 0; i < (quick ? 5 : 20); i++) {
      await clickImage(p2, 400 + (i % 5) * 40, 300 + Math.floor(i / 5) * 30);
      const id = await waitFor(() => p2.evaluate(() => (window as any).__tandem.selectedId()), 'object id');
      const h = await p2.waitForFunction((i2) => {
        const d = (window as any).__tandem.drawnAt(i2);
        return d ? performance.timeOrigin + d.t - (window as any).__lastDown : null;
      }, id, { timeout: 60_000, polling: 'raf' });
      click.push(Number(await h.jsonValue()));
      await p2.keyboard.press('Escape');
    }
    results.push({ name: 'click -> mask drawn (1024x768, graph cut)', metric: 'p50', value: pct(click, 50), unit: 'ms', goal: '< 1000' });
    results.push({ name: 'click -> mask drawn (1024x768, graph cut)', metric: 'p95', value: pct(click, 95), unit: 'ms' });
    await ctx2.close();
  } finally {
    await browser.close();
    await srv.close();
  }
  return results;
}

