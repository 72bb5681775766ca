// A bad image: the annotator flags it (a duplicate, with a note) instead of annotating it; everyone
// in the task sees the flag, "Next to do" passes over it, and the owner finds it on the project
// page by its badge and the Flagged filter; taking the flag off puts it back in the queue.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readTaskFlag } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { launch, openTask, shot, waitFor } from './browser';

describe('flagging an image', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let projectId: string;
  const tasks: string[] = [];
  let review: YClient;

  beforeAll(async () => {
    srv = await startTestServer();
    const created = await srv.createProjectWithTask({ image: await makeImage(160, 120), taskName: 'one.png' });
    projectId = created.projectId;
    tasks.push(created.taskId);
    for (const name of ['two.png', 'three.png']) {
      const t = await srv.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(160, 120), undefined, { 'content-type': 'image/png' });
      tasks.push(t.body.id);
    }
    const ana = await srv.addMember(projectId, 'annotator', 'Ana');
    review = connectClient(srv.wsUrl, `review:${tasks[0]}`, srv.adminToken);
    await review.synced();
    browser = await launch();
    page = await openTask(await browser.newContext(), srv.url, tasks[0], ana.token);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    review?.destroy();
    await srv?.close();
  });

  const rows = async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ id: string; flag: string | null }>;
  const opened = async (id: string) => {
    await page.waitForURL(`**/tasks/${id}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-status') === 'saved');
  };

  it('the annotator flags the image; the room and the task row say so; the queue passes over it', async () => {
    await page.getByTestId('flag-button').click();
    await page.getByLabel('Why').selectOption('duplicate');
    await page.getByLabel('Note').fill('same as two.png');
    await page.getByTestId('flag-submit').click();
    await page.getByTestId('task-flag').waitFor();
    expect(await page.getByTestId('task-flag').getAttribute('data-reason')).toBe('duplicate');
    await waitFor(() => readTaskFlag(review.doc)?.note === 'same as two.png', 'the flag in the review room');
    await waitFor(async () => (await rows())[0].flag === 'duplicate', 'the flag in the task row');
    await shot(page, 'flag-1-editor');
    // From the second task, "Next to do" wraps past the flagged first one to the third.
    await page.getByRole('button', { name: 'Next task' }).click();
    await opened(tasks[1]);
    await page.getByTestId('next-open').click();
    await opened(tasks[2]);
  });

  it('the owner finds it by its badge and the Flagged filter; unflagged, it is back in the queue', async () => {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByTestId('task').first().waitFor();
    expect(await owner.getByTestId('task-flag-badge').allTextContents()).toEqual(['⚑ Duplicate']);
    // The three uploads are one picture: the later two say which one they look like, and the
    // Look-alikes filter lists them.
    expect(await owner.getByTestId('task-looks-like').allTextContents()).toEqual(['≈ one.png', '≈ one.png']);
    await owner.getByTestId('filter-looks-like').click();
    await waitFor(async () => (await owner.getByTestId('task').count()) === 2, 'the two look-alikes');
    expect(await owner.getByTestId('task').allTextContents()).toEqual([expect.stringContaining('two.png'), expect.stringContaining('three.png')]);
    await shot(owner, 'flag-look-alikes');
    await owner.getByTestId('filter-looks-like').click();
    await waitFor(async () => (await owner.getByTestId('task').count()) === 3, 'the whole list again');
    // Sharing out the work leaves it out: two to do, not three.
    await owner.getByTestId('task-assignments').getByText('Share the 2 unassigned tasks to do among').waitFor();
    await owner.getByTestId('filter-flagged').click();
    await waitFor(async () => (await owner.getByTestId('task').count()) === 1, 'only the flagged task');
    expect(await owner.getByTestId('task').first().textContent()).toContain('one.png');
    await shot(owner, 'flag-2-project');
    // The dataset leaves it out unless asked for.
    const exported = async () => (await (await fetch(new URL((await owner.getByTestId('export-link').getAttribute('href'))!, srv.url))).json()).images.length;
    expect(await exported()).toBe(2);
    await owner.getByTestId('export-flagged').check();
    expect(await exported()).toBe(3);

    await page.goto(`${srv.url}/tasks/${tasks[0]}`);
    await opened(tasks[0]);
    await page.getByTestId('unflag').click();
    await waitFor(async () => (await rows())[0].flag === null, 'the flag off the task row');
    await page.goto(`${srv.url}/tasks/${tasks[2]}`);
    await opened(tasks[2]);
    await page.getByTestId('next-open').click();
    await opened(tasks[0]);
  });

  it('the owner flags the look-alikes as duplicates in one go, and takes the flags off again', async () => {
    const owner = await (await browser.newContext()).newPage();
    owner.on('dialog', (d) => void d.accept());
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByTestId('task').first().waitFor();
    await owner.getByTestId('filter-looks-like').click();
    await waitFor(async () => (await owner.getByTestId('task').count()) === 2, 'the two look-alikes');
    await owner.getByTestId('flag-shown').selectOption({ label: 'Duplicate' });
    await owner.getByTestId('flag-shown-done').getByText('2 images flagged "Duplicate".').waitFor();
    expect(await owner.getByTestId('task-flag-badge').allTextContents()).toEqual(['⚑ Duplicate', '⚑ Duplicate']);
    await waitFor(async () => (await rows()).map((r) => r.flag).join() === ',duplicate,duplicate', 'the rows flagged');
    await shot(owner, 'flag-look-alikes-flagged');
    await owner.getByTestId('flag-shown').selectOption({ label: 'No flag (take it off)' });
    await owner.getByTestId('flag-shown-done').getByText('Flags taken off 2 images.').waitFor();
    await waitFor(async () => (await rows()).every((r) => r.flag === null), 'the flags off');
  });

  it('the owner exports only what the list shows; a task deleted meanwhile refuses the export with its reason', async () => {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByTestId('task').first().waitFor();
    // Every task: no choice of the shown ones.
    expect(await owner.getByTestId('export-scope').locator('option').allTextContents()).toEqual(['All tasks', 'Done tasks', 'Done and in review']);
    await owner.getByTestId('filter-looks-like').click();
    await waitFor(async () => (await owner.getByTestId('task').count()) === 2, 'the two look-alikes');
    await owner.getByTestId('export-scope').selectOption({ label: 'The 2 shown' });
    await shot(owner, 'export-shown');
    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByTestId('export-link').click()]);
    const coco = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as { images: Array<{ file_name: string }> };
    expect(coco.images.map((i) => i.file_name)).toEqual(['two.png', 'three.png']);
    // three.png deleted by someone else while the list still shows it: nothing is exported, and
    // the page says why.
    expect((await srv.api('DELETE', `/api/tasks/${tasks[2]}`)).status).toBe(200);
    await owner.getByTestId('export-link').click();
    await owner.getByTestId('export-error').getByText(`Export refused: task ${tasks[2]} not found in project ${projectId}`).waitFor();
    // Back to the whole list: the export is of every task again.
    await owner.getByTestId('filter-looks-like').click();
    await waitFor(async () => (await owner.getByTestId('export-scope').inputValue()) === '', 'the scope back to all tasks');
  });
});
