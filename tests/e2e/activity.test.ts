// The project's activity log on the project page: the owner flags an image and turns No overlap
// on, then opens Activity and reads who did what, newest first, with the uploads in one line; a
// member who is not an owner has no such panel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { launch, shot, waitFor } from './browser';

describe('project activity', () => {
  let srv: TestServer;
  let browser: Browser;
  let projectId: string;

  beforeAll(async () => {
    srv = await startTestServer();
    projectId = (await srv.createProjectWithTask({ image: await makeImage(160, 120), taskName: 'one.png' })).projectId;
    await srv.api('POST', `/api/projects/${projectId}/tasks?name=two.png`, await makeImage(160, 120), undefined, { 'content-type': 'image/png' });
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('lists what the owner did on the page, newest first', async () => {
    const page = await (await browser.newContext()).newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await waitFor(async () => (await page.getByTestId('task').count()) === 2, 'the two tasks listed');
    // The bulk actions act on what a search shows: one of the two.
    await page.getByLabel('Find tasks by file name').fill('two');
    await waitFor(async () => (await page.getByTestId('task').count()) === 1, 'the search narrowed the list');
    await page.getByTestId('flag-shown').selectOption('blurry');
    await page.getByTestId('flag-shown-done').waitFor();
    await page.getByTestId('project-no-overlap').check();
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}`)).body.settings?.noOverlap === true, 'the setting stored');
    const panel = page.getByTestId('project-activity');
    await panel.locator('summary').click();
    const lines = panel.getByTestId('activity-line');
    await waitFor(async () => (await lines.count()) === 4, 'four lines');
    const text = (await lines.allTextContents()).map((t) => t.replace(/ · .*$/, ''));
    expect(text).toEqual(['admin changed the settings (No overlap on)', 'admin flagged 1 image as Blurry', 'admin uploaded 2 images (two.png, one.png)', 'admin created the project']);
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'activity');
    await page.close();
  });

  it('is the owners’ only', async () => {
    const ana = await srv.addMember(projectId, 'annotator', 'Ana');
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(ana.token)}`);
    await waitFor(async () => (await page.getByTestId('task').count()) === 2, 'the tasks listed');
    expect(await page.getByTestId('project-activity').count()).toBe(0);
    await page.close();
  });
});
