// Going through a project: in the editor, previous / next task (PageUp / PageDown, the header's
// buttons), "next to do", which skips tasks whose review room says done, and "submit & next"; on
// the project page, the tasks by status. What an annotator checks: the position in the project,
// that the next image opens, that what they drew just before moving on reached the server, and
// which images are left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createObject, listObjects } from '../../shared/schema/annotation';
import { readVerdicts, setTaskStatus } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { clickImage, launch, openTask, shot, taskCard, waitFor } from './browser';

describe('going through a project', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const tasks: string[] = [];
  let first: YClient;
  let projectId: string;

  beforeAll(async () => {
    srv = await startTestServer();
    const created = await srv.createProjectWithTask({ image: await makeImage(320, 240), taskName: 'one.png', labels: [{ name: 'object', color: '#ff0000' }, { name: 'car', color: '#3b82f6' }] });
    tasks.push(created.taskId);
    projectId = created.projectId;
    for (const name of ['two.png', 'three.png']) {
      const t = await srv.api('POST', `/api/projects/${created.projectId}/tasks?name=${name}`, await makeImage(320, 240), undefined, { 'content-type': 'image/png' });
      tasks.push(t.body.id);
    }
    // The third is done already (its review room says so; the task list mirrors it).
    const review = connectClient(srv.wsUrl, `review:${tasks[2]}`, srv.adminToken);
    await review.synced();
    setTaskStatus(review.doc, 'done', 'admin');
    await waitFor(async () => (await srv.api('GET', `/api/projects/${created.projectId}/tasks`)).body[2].status === 'done', 'the third task done in the list');
    review.destroy();
    const a = await srv.addMember(created.projectId, 'annotator', 'Ana');
    first = connectClient(srv.wsUrl, `task:${tasks[0]}`, srv.adminToken);
    await first.synced();
    browser = await launch();
    page = await openTask(await browser.newContext(), srv.url, tasks[0], a.token);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    first?.destroy();
    await srv?.close();
  });

  const position = () => page.getByTestId('task-position').textContent();
  const opened = async (id: string) => {
    await page.waitForURL(`**/tasks/${id}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-status') === 'saved');
  };

  it('shows where the task is in the project and has no previous task at the first', async () => {
    expect(await position()).toBe('1 / 3');
    expect(await page.getByRole('button', { name: 'Previous task' }).isDisabled()).toBe(true);
  });

  it('relabels with Shift+2 and opens the next task with PageDown; what was drawn just before is on the server', async () => {
    await page.keyboard.press('g');
    for (const [x, y] of [[40, 40], [200, 40], [200, 180]] as Array<[number, number]>) await clickImage(page, x, y);
    await page.keyboard.press('Enter');
    // With the select tool, Shift+2 gives the selected polygon the project's second label.
    await page.keyboard.press('v');
    await page.keyboard.press('Shift+Digit2');
    await waitFor(() => listObjects(first.doc)[0]?.label === 'car', 'the polygon labelled car');
    await page.keyboard.press('PageDown');
    await opened(tasks[1]);
    expect(await position()).toBe('2 / 3');
    // The third image is being fetched ahead; the first's link went with the first editor.
    const ahead = await page.locator('link[data-testid="next-image-prefetch"]').evaluateAll((ls) => ls.map((l) => (l as HTMLLinkElement).href));
    expect(ahead).toHaveLength(1);
    expect(ahead[0]).toContain(`/api/tasks/${tasks[2]}/image`);
    await waitFor(() => listObjects(first.doc).length === 1, 'the polygon drawn on the first task');
    await shot(page, 'task-nav-second');
  });

  it('"Next to do" skips the done task and wraps to the first; PageUp goes back', async () => {
    await page.getByTestId('next-open').click();
    await opened(tasks[0]);
    expect(await position()).toBe('1 / 3');
    await page.getByRole('button', { name: 'Next task' }).click();
    await opened(tasks[1]);
    await page.keyboard.press('PageUp');
    await opened(tasks[0]);
    expect(await position()).toBe('1 / 3');
  });

  it('the project page shows who is in each task and shows and exports the tasks by status; the projects page how many are done', async () => {
    // Ava has the first task open in the editor; the list shows her there, and nobody for looking at the list.
    const ava = await srv.addMember(projectId, 'annotator', 'Ava');
    const avaCtx = await browser.newContext();
    await openTask(avaCtx, srv.url, tasks[0], ava.token);
    // Ava also has the task list open in another tab: looking at it puts her in no task.
    const avaList = await avaCtx.newPage();
    await avaList.goto(`${srv.url}/projects/${projectId}`);
    await avaList.getByTestId('task').first().waitFor();
    await page.goto(`${srv.url}/projects/${projectId}`);
    const card = (name: string) => taskCard(page, name);
    await card('one.png').getByTestId('task-present').waitFor();
    expect(await card('one.png').getByTestId('task-present').textContent()).toBe('Ava');
    expect(await page.getByTestId('task-present').count()).toBe(1);
    // Still so once y-protocols has renewed every awareness state (15-18 s after it was set): a list
    // tab has none to renew.
    await new Promise((r) => setTimeout(r, 18_500));
    expect(await page.getByTestId('task-present').count()).toBe(1);
    await avaCtx.close();
    await waitFor(async () => (await page.getByTestId('task-present').count()) === 0, 'Ava gone from the list');
    const names = async () => (await page.getByTestId('task').locator('.tname').allTextContents()).sort();
    await waitFor(async () => (await page.getByTestId('status-filter-done').textContent()) === 'Done 1', 'one task done');
    expect(await page.getByTestId('status-filter-todo').textContent()).toBe('To do 2');
    expect(await page.getByTestId('status-filter-in_review').isDisabled()).toBe(true);
    await page.getByTestId('status-filter-todo').click();
    expect(await names()).toEqual(['one.png', 'two.png']);
    await page.getByTestId('status-filter-done').click();
    expect(await names()).toEqual(['three.png']);
    await shot(page, 'task-list-done');
    await page.getByTestId('status-filter-all').click();
    expect(await names()).toEqual(['one.png', 'three.png', 'two.png']);
    await page.getByRole('searchbox', { name: 'Find tasks by file name' }).fill('THR');
    expect(await names()).toEqual(['three.png']);
    await page.getByRole('searchbox', { name: 'Find tasks by file name' }).fill('');
    // Exporting the done tasks only: the COCO file has the third image alone.
    await page.getByTestId('export-scope').selectOption('done');
    const href = await page.getByTestId('export-link').getAttribute('href');
    const coco = await (await page.request.get(href!)).json();
    expect(coco.images.map((i: { file_name: string }) => i.file_name)).toEqual(['three.png']);
    // One label only: a one-class set, its class the only category.
    await page.getByTestId('export-label').selectOption({ label: 'Only car' });
    const carOnly = await (await page.request.get((await page.getByTestId('export-link').getAttribute('href'))!)).json();
    expect(carOnly.categories.map((c: { name: string }) => c.name)).toEqual(['car']);
    await page.getByTestId('export-label').selectOption('');
    // The projects page: how far the project is.
    await page.goto(`${srv.url}/`);
    expect(await page.getByTestId('project-progress').textContent()).toBe('3 tasks · 1 done');
  });

  it('"Submit & next" (Ctrl+Enter) sends the task to review and opens the next one to do', async () => {
    await page.goto(`${srv.url}/tasks/${tasks[1]}`);
    await opened(tasks[1]);
    expect(await page.getByTestId('submit-next').textContent()).toBe('Submit & next');
    await page.keyboard.press('Control+Enter');
    await opened(tasks[0]); // the third is done: the next to do wraps to the first
    const status = async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body[1].status;
    await waitFor(async () => (await status()) === 'in_review', 'the second task in review');
    // On a task already in review there is nothing to submit.
    await page.goto(`${srv.url}/tasks/${tasks[1]}`);
    await opened(tasks[1]);
    await page.locator('[data-testid="task-status"][data-status="in_review"]').waitFor();
    expect(await page.getByTestId('submit-next').count()).toBe(0);
  });

  it('a reviewer approves what is left unreviewed, goes through the tasks in review and closes them', async () => {
    const rita = await srv.addMember(projectId, 'reviewer', 'Rita');
    const r = await openTask(await browser.newContext(), srv.url, tasks[0], rita.token);
    // The first task has Ana's polygon, not yet reviewed: approved in one go.
    const verdicts = connectClient(srv.wsUrl, `review:${tasks[0]}`, srv.adminToken);
    await verdicts.synced();
    await r.getByTestId('approve-unreviewed').click();
    const [polygon] = listObjects(first.doc);
    await waitFor(() => readVerdicts(verdicts.doc)[polygon.id]?.verdict === 'approved', 'the polygon approved');
    expect(readVerdicts(verdicts.doc)[polygon.id].by).toBe(rita.userId);
    expect(await r.getByTestId('approve-unreviewed').count()).toBe(0);
    verdicts.destroy();
    const next = r.getByTestId('next-open');
    expect(await next.textContent()).toBe('Next to review');
    await next.click();
    await r.waitForURL(`**/tasks/${tasks[1]}`); // the one task in review
    await r.locator('[data-testid="task-status"][data-status="in_review"]').waitFor();
    expect(await r.getByTestId('submit-next').textContent()).toBe('Done'); // nothing else to review
    await r.keyboard.press('Control+Enter');
    const status = async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body[1].status;
    await waitFor(async () => (await status()) === 'done', 'the second task done');
    expect(r.url()).toContain(`/tasks/${tasks[1]}`);
    await r.close();
  });

  it('brightness and contrast change only this view of the image, and stay for the next task of the project', async () => {
    await page.goto(`${srv.url}/tasks/${tasks[0]}`);
    await opened(tasks[0]);
    const filter = () => page.getByTestId('task-image').evaluate((img) => (img as HTMLImageElement).style.filter);
    expect(await filter()).toBe('');
    await page.getByRole('button', { name: 'Image adjustments' }).click();
    await page.getByRole('slider', { name: 'Brightness' }).fill('1.5');
    await page.getByRole('slider', { name: 'Contrast' }).fill('2');
    expect(await filter()).toBe('brightness(1.5) contrast(2) saturate(1)');
    await shot(page, 'image-adjust');
    await page.keyboard.press('Escape');
    expect(await page.getByRole('slider', { name: 'Brightness' }).count()).toBe(0);
    await page.keyboard.press('PageDown');
    await opened(tasks[1]);
    await waitFor(async () => (await filter()) === 'brightness(1.5) contrast(2) saturate(1)', 'the same adjustments on the next task');
    await page.getByRole('button', { name: 'Image adjustments' }).click();
    await page.getByRole('button', { name: 'Reset' }).click();
    expect(await filter()).toBe('');
  });

  it('copies the polygon of the first task and pastes it into the next one (Ctrl+C, PageDown, Ctrl+V)', async () => {
    await page.goto(`${srv.url}/tasks/${tasks[0]}`);
    await opened(tasks[0]);
    const [polygon] = listObjects(first.doc);
    await page.keyboard.press('v');
    await clickImage(page, 150, 60); // inside the polygon (40,40)-(200,40)-(200,180)
    await page.keyboard.press('Control+c');
    await page.getByText('Copied car.').waitFor();
    await page.keyboard.press('PageDown');
    await opened(tasks[1]);
    const second = connectClient(srv.wsUrl, `task:${tasks[1]}`, srv.adminToken);
    try {
      await second.synced();
      await page.keyboard.press('Control+v');
      await waitFor(() => listObjects(second.doc).length === 1, 'the pasted polygon on the second task');
      const pasted = listObjects(second.doc)[0];
      expect([pasted.label, pasted.mask, pasted.source]).toEqual(['car', polygon.mask, 'paste']);
    } finally {
      second.destroy();
    }
  });

  it('the task list shows 200 cards at a time, and the rest on request', async () => {
    const tiny = await makeImage(8, 8);
    for (let i = 0; i < 200; i++) {
      await srv.api('POST', `/api/projects/${projectId}/tasks?name=extra-${String(i).padStart(3, '0')}.png`, tiny, undefined, { 'content-type': 'image/png' });
    }
    await page.goto(`${srv.url}/projects/${projectId}`);
    const cards = page.getByTestId('task');
    await waitFor(async () => (await cards.count()) === 200, '200 cards');
    const more = page.getByTestId('show-more');
    expect(await more.textContent()).toBe('Show 3 more of 3');
    await more.click();
    await waitFor(async () => (await cards.count()) === 203, 'all 203 cards');
    expect(await more.count()).toBe(0);

    // The last card, far past the first screens: scrolled to, it is live like the first ones
    // (its status as a reviewer moves it, and who has it open).
    const list = (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ id: string; name: string }>;
    const last = list.find((t) => t.name === 'extra-199.png')!;
    const card = cards.filter({ hasText: 'extra-199.png' });
    await card.scrollIntoViewIfNeeded();
    const ava = await srv.addMember(projectId, 'reviewer', 'Ava');
    const review = connectClient(srv.wsUrl, `review:${last.id}`, ava.token);
    try {
      await review.synced();
      review.provider.awareness.setLocalStateField('cursor', null);
      await card.getByTestId('task-present').waitFor();
      expect(await card.getByTestId('task-present').textContent()).toBe('Ava');
      setTaskStatus(review.doc, 'in_review', ava.userId);
      await waitFor(async () => /In review/.test((await card.textContent()) ?? ''), 'the last card in review, live');
      await shot(page, 'task-list-last-card-live');
    } finally {
      review.destroy();
    }
  });

  it('the owner deletes the tasks a search shows in one go; the rest stay', async () => {
    const search = (p: Page) => p.getByRole('searchbox', { name: 'Find tasks by file name' });
    // An annotator narrowing the list gets no such button.
    await search(page).fill('extra-19');
    await waitFor(async () => (await page.getByTestId('task').count()) === 10, "the annotator's ten");
    expect(await page.getByTestId('delete-shown').count()).toBe(0);
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    const cards = owner.getByTestId('task');
    await waitFor(async () => (await cards.count()) === 200, 'the first page of cards');
    expect(await owner.getByTestId('delete-shown').count()).toBe(0); // never for the whole list
    await search(owner).fill('extra-19');
    await waitFor(async () => (await cards.count()) === 10, 'extra-190 to extra-199');
    owner.once('dialog', (d) => void d.accept());
    await owner.getByTestId('delete-shown').click();
    await waitFor(async () => (await cards.count()) === 0, 'the ten gone from the list');
    const left = (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ name: string }>;
    expect(left).toHaveLength(193);
    expect(left.some((t) => t.name.startsWith('extra-19'))).toBe(false);
    expect(left.some((t) => t.name === 'extra-189.png')).toBe(true);
  });

  it('orders the task list by upload, by file name (numbers as numbers) or by status', async () => {
    await page.getByRole('searchbox', { name: 'Find tasks by file name' }).fill('');
    const cards = page.getByTestId('task');
    // The owner deleted ten in another window: this list re-reads the server's when focused.
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await waitFor(async () => (await cards.count()) === 193, 'every task left');
    const first = async () => (await cards.first().locator('.tname').textContent())?.trim();
    expect(await first()).toBe('one.png');
    await page.getByTestId('task-order').selectOption('name');
    await waitFor(async () => (await first()) === 'extra-000.png', 'by file name');
    await page.getByTestId('task-order').selectOption('status');
    await waitFor(async () => /To do/.test((await cards.first().textContent()) ?? ''), 'to do first');
    expect(await cards.last().textContent()).toMatch(/Done/);
  });

  it('says how many objects each image has and finds the images with a label, still without one, or with none yet', async () => {
    // Two cars drawn in three.png by a colleague.
    const other = connectClient(srv.wsUrl, `task:${tasks[2]}`, srv.adminToken);
    try {
      await other.synced();
      const mask = listObjects(first.doc).find((o) => o.mask)?.mask ?? null;
      expect(mask).not.toBeNull(); // one.png has what Ana drew earlier
      for (let i = 0; i < 2; i++) createObject(other.doc, { label: 'car', mask, by: 'colleague' });
      const rows = async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ name: string; labelCounts: Record<string, number> | null }>;
      await waitFor(async () => (await rows()).find((t) => t.name === 'three.png')?.labelCounts?.car === 2, 'the cars counted');
      await page.getByTestId('task-order').selectOption('upload');
      await page.evaluate(() => window.dispatchEvent(new Event('focus'))); // the list re-reads the server's
      const card = taskCard(page, 'three.png');
      await waitFor(async () => (await card.getByTestId('task-objects').textContent()) === ' · 2 objects', 'three.png says 2 objects');
      expect(await card.getByTestId('task-objects').getAttribute('title')).toBe('car 2');
      // The filter shows exactly the images the server counts a car in, and those with none.
      const names = async () => (await page.getByTestId('task').locator('.tname').allTextContents()).sort();
      const expected = async (test: (c: Record<string, number>) => boolean) =>
        (await rows()).filter((t) => t.labelCounts && test(t.labelCounts)).map((t) => t.name).sort();
      await page.getByTestId('label-filter').selectOption('car');
      expect(await names()).toEqual(await expected((c) => (c.car ?? 0) > 0));
      expect(await names()).toContain('three.png');
      await page.getByTestId('label-filter').selectOption({ label: `No object yet (${(await expected((c) => Object.keys(c).length === 0)).length})` });
      expect(await names()).toEqual(await expected((c) => Object.keys(c).length === 0));
      expect(await names()).not.toContain('three.png');
      // And those still without a car (counted ones only).
      const noCar = await expected((c) => !c.car);
      await page.getByTestId('label-filter').selectOption({ label: `without car (${noCar.length})` });
      expect(await names()).toEqual(noCar);
      expect(noCar.length).toBeGreaterThan(0);
      await shot(page, 'task-list-label-filter');
      // Opened from that list, the editor goes through the images with a car only.
      const cars = (await rows()).filter((t) => (t.labelCounts?.car ?? 0) > 0).map((t) => t.name); // upload order, as listed
      await page.getByTestId('label-filter').selectOption('car');
      await taskCard(page, cars[0]).locator('a.open').click();
      await page.getByTestId('task-scope').waitFor();
      expect(await page.getByTestId('task-scope').textContent()).toContain('car');
      expect(await page.getByTestId('task-position').textContent()).toBe(`1 / ${cars.length}`);
      expect(cars.length).toBeGreaterThan(1); // one.png, relabelled a car earlier, and three.png
      await page.keyboard.press('PageDown');
      await waitFor(async () => (await page.getByTestId('task-position').textContent()) === `2 / ${cars.length}`, 'the next image with a car');
      expect(await page.title()).toContain(cars[1]);
      // × goes back to the whole project.
      await page.getByTestId('task-scope-leave').click();
      await waitFor(async () => (await page.getByTestId('task-position').textContent())?.endsWith(' / 193') ?? false, 'the whole project again');
      expect(await page.getByTestId('task-scope').count()).toBe(0);
      await page.goto(`${srv.url}/projects/${projectId}`);
      await page.getByTestId('label-filter').selectOption('');
    } finally {
      other.destroy();
    }
  });

  it('a QA lead checks a random sample: 10 of the 193 at random, the same draw after a refresh, another on request, gone through in the editor', async () => {
    const cards = page.getByTestId('task');
    await waitFor(async () => (await cards.count()) > 10, 'the list');
    const names = async () => (await cards.locator('.tname').allTextContents()).join('|');
    await page.getByTestId('task-sample').selectOption({ label: '10 at random' });
    await waitFor(async () => (await cards.count()) === 10, 'ten cards');
    const drawn = await names();
    await page.evaluate(() => window.dispatchEvent(new Event('focus'))); // the list re-read from the server
    await new Promise((r) => setTimeout(r, 500));
    expect(await names()).toBe(drawn);
    expect(await page.getByTestId('export-scope').locator('option').allTextContents()).toContain('The 10 shown');
    await shot(page, 'task-list-sample');
    await page.getByTestId('task-sample-again').click();
    await waitFor(async () => (await names()) !== drawn, 'another draw');
    expect(await cards.count()).toBe(10);
    // Opened from the sample, the editor goes through those ten.
    await cards.first().locator('a.open').click();
    await page.getByTestId('task-scope').waitFor();
    expect(await page.getByTestId('task-scope').textContent()).toContain('10 at random');
    expect(await page.getByTestId('task-position').textContent()).toBe('1 / 10');
    await page.getByTestId('task-scope-leave').click();
    await page.goto(`${srv.url}/projects/${projectId}`);
  });
});
