// The object list's tools: cleaning a mask (the annotator erases a hole into a polygon by mistake,
// or the model left one, and "Fill holes" closes it for everyone; with nothing to fill, the editor
// says so), showing the objects of one label, and masks kept apart ("No overlap").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decodeRle, rleArea, rleIntersection } from '../../shared/codecs/rle';
import { listObjects } from '../../shared/schema/annotation';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { clickImage, launch, openTask, shot, waitFor } from './browser';

describe('mask clean-up in the object list', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let watcher: YClient;
  let projectId: string;

  beforeAll(async () => {
    srv = await startTestServer();
    const labels = [{ name: 'object', color: '#ff0000' }, { name: 'bike', color: '#22c55e' }];
    const created = await srv.createProjectWithTask({ image: await makeImage(320, 240), taskName: 'a.png', labels });
    projectId = created.projectId;
    const taskId = created.taskId;
    const ana = await srv.addMember(projectId, 'annotator', 'Ana');
    watcher = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
    await watcher.synced();
    browser = await launch();
    page = await openTask(await browser.newContext(), srv.url, taskId, ana.token);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    watcher?.destroy();
    await srv?.close();
  });

  const area = () => {
    const m = listObjects(watcher.doc)[0]?.mask;
    return m ? rleArea(m) : 0;
  };

  it('fills the hole an eraser made, for everyone', async () => {
    await page.keyboard.press('g');
    for (const [x, y] of [[40, 40], [280, 40], [280, 200], [40, 200]] as Array<[number, number]>) await clickImage(page, x, y);
    await page.keyboard.press('Enter');
    await waitFor(() => area() > 0, 'the polygon on the server');
    const full = area();
    await page.keyboard.press('e');
    await clickImage(page, 160, 120);
    await waitFor(() => area() < full, 'the hole on the server');
    await page.getByRole('button', { name: 'Fill holes' }).click();
    await waitFor(() => area() === full, 'the hole filled on the server');
    expect(listObjects(watcher.doc)[0].source).toBe('fill-holes');
    await page.getByRole('button', { name: 'Fill holes' }).click();
    await page.getByText('This object has no holes.').waitFor();
    await shot(page, 'cleanup-filled');
  });

  it('shows the objects of one label, numbered as in the whole list', async () => {
    await page.keyboard.press('Shift+Digit2'); // new objects: bike
    await page.keyboard.press('g');
    for (const [x, y] of [[290, 210], [310, 210], [310, 230]] as Array<[number, number]>) await clickImage(page, x, y);
    await page.keyboard.press('Enter');
    await waitFor(() => listObjects(watcher.doc).length === 2, 'the bike on the server');
    const chips = page.getByTestId('label-filter');
    await waitFor(async () => (await chips.allTextContents()).join('|') === 'bike 1|object 1', 'a chip per label');
    const rows = page.locator('[data-testid="object-list"] li[role="option"]');
    expect(await rows.count()).toBe(2);
    await chips.filter({ hasText: 'bike' }).click();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('.n').textContent()).toBe('#2');
    await chips.filter({ hasText: 'bike' }).click();
    expect(await rows.count()).toBe(2);
  });

  it('with "No overlap" a new polygon stops at the objects already there; the choice stays for the project', async () => {
    await page.keyboard.press('Escape');
    await page.getByTestId('masks-apart').check();
    await page.keyboard.press('g');
    for (const [x, y] of [[250, 100], [300, 100], [300, 150], [250, 150]] as Array<[number, number]>) await clickImage(page, x, y);
    await page.keyboard.press('Enter');
    await waitFor(() => listObjects(watcher.doc).length === 3, 'the new polygon on the server');
    const [first, , added] = listObjects(watcher.doc);
    const bm = decodeRle(added.mask!);
    expect([bm.data[120 * 320 + 260], bm.data[120 * 320 + 290]]).toEqual([0, 1]); // the first object's pixel stays its own
    expect(rleArea(rleIntersection(added.mask!, first.mask!))).toBe(0);
    await shot(page, 'cleanup-apart');
    await page.reload();
    await page.getByTestId('masks-apart').waitFor();
    expect(await page.getByTestId('masks-apart').isChecked()).toBe(true);
    await page.getByTestId('masks-apart').uncheck();
  });

  it("the owner's project setting keeps masks apart in every editor, whatever the annotator's own choice", async () => {
    const owner = await page.context().browser()!.newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByTestId('project-no-overlap').check();
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}`)).body.settings?.noOverlap === true, 'the setting stored');
    await owner.close();
    await page.reload();
    const box = page.getByTestId('masks-apart');
    await box.waitFor();
    expect([await box.isChecked(), await box.isDisabled(), await box.getAttribute('data-forced')]).toEqual([true, true, 'true']);
    // And it applies: a new polygon across the first object stops at it.
    await page.keyboard.press('g');
    for (const [x, y] of [[20, 100], [60, 100], [60, 150], [20, 150]] as Array<[number, number]>) await clickImage(page, x, y);
    await page.keyboard.press('Enter');
    await waitFor(() => listObjects(watcher.doc).length === 4, 'the polygon on the server');
    const [first, , , added] = listObjects(watcher.doc);
    expect(rleArea(rleIntersection(added.mask!, first.mask!))).toBe(0);
    expect(decodeRle(added.mask!).data[120 * 320 + 30]).toBe(1); // outside the first object: drawn
  });
});

