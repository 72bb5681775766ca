// Reference tasks from the owner's project page: the image a search shows is made a reference task
// (its car kept as the answer, the image handed back cleared), its card and the Reference filter
// say so to the owner and QA leads only, and once the annotator sends it on, Analytics scores her submission.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createObject, listObjects } from '../../shared/schema/annotation';
import { setTaskStatus } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient } from '../helpers/yclient';
import { launch, openTask, shot, waitFor } from './browser';
import { rectRle } from '../helpers/rectRle';

const W = 160;
const H = 120;
const rect = (x0: number, y0: number, x1: number, y1: number) => rectRle(W, H, x0, y0, x1, y1);

describe('reference tasks on the project page', () => {
  let srv: TestServer;
  let browser: Browser;
  let owner: Page;
  let projectId: string;
  let gold: string;
  let ana: { userId: string; token: string };

  beforeAll(async () => {
    srv = await startTestServer();
    const created = await srv.createProjectWithTask({ image: await makeImage(W, H), taskName: 'gold.png', labels: [{ name: 'car', color: '#3b82f6' }] });
    projectId = created.projectId;
    gold = created.taskId;
    await srv.api('POST', `/api/projects/${projectId}/tasks?name=other.png`, await makeImage(W, H), undefined, { 'content-type': 'image/png' });
    ana = await srv.addMember(projectId, 'annotator', 'Ana');
    // The owner's checked answer: one car.
    const c = connectClient(srv.wsUrl, `task:${gold}`, srv.adminToken);
    await c.synced();
    createObject(c.doc, { label: 'car', mask: rect(10, 10, 60, 50), by: 'owner' });
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.some((t: { labelCounts?: Record<string, number> }) => t.labelCounts?.car === 1), 'the car on the task row');
    c.destroy();
    browser = await launch();
    owner = await (await browser.newContext()).newPage();
    owner.on('dialog', (d) => void d.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('the owner makes the image a search shows a reference task; the owner and QA leads see it marked, annotators not', async () => {
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByTestId('task').first().waitFor();
    await owner.getByLabel('Find tasks by file name').fill('gold');
    await waitFor(async () => (await owner.getByTestId('task').count()) === 1, 'the one image found');
    await owner.getByTestId('reference-shown').selectOption('mark');
    await owner.getByTestId('reference-shown-done').waitFor();
    expect(await owner.getByTestId('reference-shown-done').textContent()).toBe('1 image made reference tasks.');
    await owner.getByTestId('task-reference-badge').waitFor();
    await owner.getByLabel('Find tasks by file name').fill('');
    await owner.getByTestId('filter-reference').click();
    await waitFor(async () => (await owner.getByTestId('task').count()) === 1, 'the Reference filter');
    expect(await owner.getByTestId('task').textContent()).toContain('gold.png');
    await shot(owner, 'references-1-project');
    // The annotator's list: no mark, no filter.
    const hers = await (await browser.newContext()).newPage();
    await hers.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(ana.token)}`);
    await waitFor(async () => (await hers.getByTestId('task').count()) === 2, 'her list');
    expect(await hers.getByTestId('task-reference-badge').count()).toBe(0);
    expect(await hers.getByTestId('filter-reference').count()).toBe(0);
    await hers.close();
    // A QA lead's list marks it (their analytics name it anyway).
    const qa = await srv.addMember(projectId, 'qa', 'Quinn');
    const lead = await (await browser.newContext()).newPage();
    await lead.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(qa.token)}`);
    await lead.getByTestId('task-reference-badge').waitFor();
    expect(await lead.getByTestId('filter-reference').count()).toBe(1);
    await lead.close();
  });

  it('the annotator sends it on; Analytics scores her submission against the answer', async () => {
    const task = connectClient(srv.wsUrl, `task:${gold}`, ana.token);
    const review = connectClient(srv.wsUrl, `review:${gold}`, ana.token);
    try {
      await Promise.all([task.synced(), review.synced()]);
      expect(listObjects(task.doc)).toEqual([]); // handed back cleared
      createObject(task.doc, { label: 'car', mask: rect(10, 10, 60, 45), by: ana.userId }); // IoU 0.875
      await waitFor(async () => (await srv.api('GET', `/api/tasks/${gold}/history`)).body.objects?.length === 1, 'her car stored');
      setTaskStatus(review.doc, 'in_review', ana.userId);
      await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/analytics`)).body.references.submissions.length === 1, 'the submission scored');
    } finally {
      task.destroy();
      review.destroy();
    }
    await owner.goto(`${srv.url}/projects/${projectId}/analytics?token=${encodeURIComponent(srv.adminToken)}`);
    const row = owner.getByTestId('reference-annotator');
    await row.waitFor();
    const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
    expect(cells).toEqual(['Ana', '1', '1 of 1', '0', '0', '0', '0.875', '0.875', '–']);
    expect((await owner.getByTestId('reference-labels').locator('tbody td').allTextContents()).map((s) => s.trim())).toEqual(['car', '1', '1 100%', '0', '0', '0', '0.875']);
    expect(await owner.getByTestId('analytics-csv-references').count()).toBe(1);
    expect(await owner.getByTestId('chart-reference-quality').textContent()).toContain('0.875');
    await owner.getByTestId('analytics-references').scrollIntoViewIfNeeded();
    await shot(owner, 'references-2-analytics');
  });

  it('the owner opens it in the editor: scored live against the answer, which can be laid over the image', async () => {
    const page = await openTask(await browser.newContext(), srv.url, gold, srv.adminToken);
    const score = page.getByTestId('reference-score');
    await score.waitFor();
    expect((await score.textContent())?.replace(/\s+/g, ' ').trim()).toBe('Found 1 of 1 · 0 missed · 0 extra · quality 0.88');
    await page.getByTestId('reference-compare').click();
    await shot(page, 'references-3-editor');
    // Her car deleted: the answer's car is missed now.
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await waitFor(async () => (await score.textContent())?.includes('Found 0 of 1 · 1 missed') ?? false, 'the score to follow the edit');
    // The annotator's editor says nothing of it.
    const hers = await openTask(await browser.newContext(), srv.url, gold, ana.token);
    await hers.getByTestId('review-panel').waitFor();
    expect(await hers.getByTestId('reference-answer').count()).toBe(0);
    await hers.close();
    await page.close();
  });

  it("the owner hands it back again for another annotator's turn", async () => {
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByTestId('filter-reference').click();
    await waitFor(async () => (await owner.getByTestId('task').count()) === 1, 'the reference task');
    await owner.getByTestId('reference-shown').selectOption('again');
    await owner.getByTestId('reference-shown-done').waitFor();
    expect(await owner.getByTestId('reference-shown-done').textContent()).toBe('1 image handed back to the team.');
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === gold)?.status === 'todo', 'the task to do again');
    // Her submission stays scored.
    expect((await srv.api('GET', `/api/projects/${projectId}/analytics`)).body.references.submissions).toHaveLength(1);
  });
});
