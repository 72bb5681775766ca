// The rework loop: a reviewer asks for changes on two objects of a task in review; the submit
// button then sends the task back instead of closing it. The annotator finds it on the home page,
// on the project page ("to fix" badge and filter; the threads that @mention her) and first in
// "Next to do", sees which objects to fix, deletes one as asked (its change request and thread go
// with it) and fixes the other, and sends it to review again; the reviewer sees what changed
// since, approves (a comment on the image sends it back again until resolved), and closes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decodeRle, encodeRle, rleArea } from '../../shared/codecs/rle';
import type { ObjectId } from '../../shared/schema/ids';
import { createObject, listObjects } from '../../shared/schema/annotation';
import { listThreads, readTaskStatus, readVerdicts, setTaskStatus } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { dragImage, launch, openTask, screenAt, shot, toPage, waitFor } from './browser';

const W = 320;
const H = 240;

/** A W x H mask with the square [x, x + s) x [y, y + s) set. */
function square(x: number, y: number, s: number) {
  const m = new Uint8Array(W * H);
  for (let r = y; r < y + s; r++) m.fill(1, r * W + x, r * W + x + s);
  return encodeRle(m, W, H);
}

describe('the rework loop', () => {
  let srv: TestServer;
  let browser: Browser;
  let projectId: string;
  const tasks: string[] = [];
  let ana: { token: string; userId: string };
  let rita: { token: string; userId: string };
  let reviewer: Page;
  let annotator: Page;
  let task: YClient;
  let review: YClient;
  const ids = { edge: 'obj-edge' as ObjectId, sign: 'obj-sign' as ObjectId };

  beforeAll(async () => {
    srv = await startTestServer();
    const created = await srv.createProjectWithTask({ image: await makeImage(W, H), taskName: 'one.png', labels: [{ name: 'car', color: '#ef4444' }] });
    projectId = created.projectId;
    tasks.push(created.taskId);
    for (const name of ['two.png', 'three.png']) {
      const t = await srv.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(W, H), undefined, { 'content-type': 'image/png' });
      tasks.push(t.body.id);
    }
    ana = await srv.addMember(projectId, 'annotator', 'Ana');
    rita = await srv.addMember(projectId, 'reviewer', 'Rita');
    task = connectClient(srv.wsUrl, `task:${tasks[0]}`, srv.adminToken);
    review = connectClient(srv.wsUrl, `review:${tasks[0]}`, srv.adminToken);
    await Promise.all([task.synced(), review.synced()]);
    // Ana's two cars, and the task sent to review.
    createObject(task.doc, { id: ids.edge, label: 'car', mask: square(40, 40, 80), by: ana.userId });
    createObject(task.doc, { id: ids.sign, label: 'car', mask: square(190, 60, 60), by: ana.userId });
    setTaskStatus(review.doc, 'in_review', ana.userId);
    browser = await launch();
    reviewer = await openTask(await browser.newContext(), srv.url, tasks[0], rita.token);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    task?.destroy();
    review?.destroy();
    await srv?.close();
  });

  const row = async (id: string) => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === id) as { status: string; toFix: number };
  const submit = (p: Page) => p.getByTestId('submit-next');

  async function requestChanges(id: string, message: string) {
    await reviewer.locator(`[data-object-id="${id}"]`).first().click();
    await reviewer.getByTestId('request-changes').click();
    await reviewer.getByTestId('changes-message').fill(message);
    await reviewer.getByTestId('send-changes').click();
    await waitFor(() => readVerdicts(review.doc)[id]?.verdict === 'changes_requested', `changes requested on ${id}`);
  }

  it('asking for changes turns the reviewer\'s "Done" into "Send back", which returns the task to the annotators', async () => {
    await submit(reviewer).waitFor();
    expect(await submit(reviewer).getAttribute('data-to')).toBe('done');
    await requestChanges(ids.edge, '@Ana the mirror is missing');
    await requestChanges(ids.sign, 'a road sign, not a car: delete it');
    expect(await submit(reviewer).getAttribute('data-to')).toBe('in_progress');
    expect(await submit(reviewer).textContent()).toMatch(/^Send back/);
    await shot(reviewer, 'rework-1-send-back');
    await submit(reviewer).click();
    await waitFor(() => readTaskStatus(review.doc)?.status === 'in_progress', 'the task back in progress');
    await waitFor(async () => (await row(tasks[0])).toFix === 2, 'two to fix in the task row');
  });

  it('the annotator finds it by its badge and filter, and first in "Next to do", past a new task', async () => {
    const list = await (await browser.newContext()).newPage();
    // The home page: what waits for Ana across her projects.
    await list.goto(`${srv.url}/?token=${encodeURIComponent(ana.token)}`);
    await list.getByTestId('inbox').waitFor();
    expect(await list.getByTestId('inbox-to-fix').locator('li').allTextContents()).toEqual(['one.png test project · 2 to fix']);
    expect(await list.getByTestId('inbox-mentions').locator('li').allTextContents()).toEqual(['one.png test project · 2 open threads']);
    expect((await list.getByTestId('inbox-queues').locator('li').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual(['Start annotating test project · 3 to do']);
    expect(await list.getByTestId('inbox-start').getAttribute('href')).toBe(`/tasks/${tasks[0]}`); // the one sent back first
    await shot(list, 'rework-2a-home');
    // The mention opens the editor with the thread that mentions her open, its object selected.
    await list.getByTestId('inbox-mentions').getByRole('link', { name: 'one.png' }).click();
    await list.waitForURL(`**/tasks/${tasks[0]}?open=mention`);
    const mentioning = listThreads(review.doc).find((t) => t.messages[0].text.startsWith('@Ana'))!;
    await list.locator(`[data-testid="thread"][data-thread-id="${mentioning.id}"].open`).waitFor();
    await waitFor(async () => (await list.evaluate(() => (window as any).__tandem?.selectedId())) === ids.edge, 'its object selected');
    await list.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(ana.token)}`);
    await list.getByTestId('task').first().waitFor();
    expect(await list.getByTestId('task-to-fix-badge').allTextContents()).toEqual(['✎ 2 to fix']);
    // The requests opened two threads, one of them @mentioning Ana.
    expect(await list.getByTestId('task-threads-badge').allTextContents()).toEqual([' 2 · @you']);
    await list.getByTestId('filter-to-fix').click();
    await waitFor(async () => (await list.getByTestId('task').count()) === 1, 'only the task sent back');
    expect(await list.getByTestId('task').first().textContent()).toContain('one.png');
    await shot(list, 'rework-2-project');
    await list.getByTestId('filter-to-fix').click();
    await waitFor(async () => (await list.getByTestId('task').count()) === 3, 'all three again');
    expect(await list.getByTestId('filter-mentions').textContent()).toBe('Mentions me 1');
    await list.getByTestId('filter-mentions').click();
    await waitFor(async () => (await list.getByTestId('task').count()) === 1, 'only the task that mentions Ana');
    // "Start annotating": three tasks wait for her, the one sent back first.
    const start = list.getByTestId('queue-start');
    expect([await start.textContent(), await start.getAttribute('data-count')]).toEqual(['Start annotating 3', '3']);
    await start.click();
    await list.waitForURL(`**/tasks/${tasks[0]}`);
    await list.close();

    // From two.png the next in the project order to do is three.png; the queue takes one.png first.
    annotator = await openTask(await browser.newContext(), srv.url, tasks[1], ana.token);
    await annotator.getByTestId('next-open').click();
    await annotator.waitForURL(`**/tasks/${tasks[0]}`);
  });

  it('shows the annotator what to fix; a deleted object takes its request along, a fixed one leaves the count', async () => {
    const banner = annotator.getByTestId('rework-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Rita asked for changes on 2 objects');
    await annotator.getByTestId('rework-show').click();
    await annotator.getByTestId('selection-bar').getByText('2 selected').waitFor();
    await shot(annotator, 'rework-3-annotator');
    // Submitting before fixing anything asks once more instead of sending it.
    await submit(annotator).click();
    expect(await submit(annotator).textContent()).toBe('2 not fixed: submit anyway?');
    expect(readTaskStatus(review.doc)?.status).toBe('in_progress');
    // Delete the sign, as asked.
    await annotator.locator(`[data-object-id="${ids.sign}"]`).first().click();
    await annotator.keyboard.press('Delete');
    await waitFor(() => !listObjects(task.doc).some((o) => o.id === ids.sign), 'the sign deleted');
    await waitFor(() => readVerdicts(review.doc)[ids.sign] === undefined, "the sign's change request gone with it");
    await waitFor(() => listThreads(review.doc).find((t) => t.objectId === ids.sign)?.resolved === true, "the sign's thread resolved");
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body[0].openThreads === 1, 'one open thread left in the row');
    // Undo the deletion: the sign comes back with its request as Rita left it; delete it again.
    const asked = listThreads(review.doc).find((t) => t.objectId === ids.sign)!;
    await annotator.keyboard.press('Control+z');
    await waitFor(() => listObjects(task.doc).some((o) => o.id === ids.sign), 'the sign back');
    await waitFor(() => readVerdicts(review.doc)[ids.sign]?.verdict === 'changes_requested' && readVerdicts(review.doc)[ids.sign].by === rita.userId, "the sign's request back");
    await waitFor(() => listThreads(review.doc).find((t) => t.id === asked.id)?.resolved === false, "the sign's thread open again");
    await waitFor(async () => /on 2 objects/.test((await banner.textContent()) ?? ''), 'two to fix again');
    await annotator.locator(`[data-object-id="${ids.sign}"]`).first().click();
    await annotator.keyboard.press('Delete');
    await waitFor(() => readVerdicts(review.doc)[ids.sign] === undefined && listThreads(review.doc).find((t) => t.id === asked.id)?.resolved === true, 'closed again');
    await waitFor(async () => /on 1 object;/.test((await banner.textContent()) ?? ''), 'one left to fix');
    // Fix the other with the brush: once changed, it is no longer the annotator's to do.
    await annotator.locator(`[data-object-id="${ids.edge}"]`).first().click();
    await annotator.keyboard.press('p');
    await dragImage(annotator, [[115, 60], [135, 70], [150, 80]]);
    await waitFor(() => listObjects(task.doc).find((o) => o.id === ids.edge)?.updatedBy === ana.userId && listObjects(task.doc).find((o) => o.id === ids.edge)!.updatedAt > readVerdicts(review.doc)[ids.edge].at, 'the fix stored');
    await waitFor(async () => (await banner.count()) === 0, 'nothing left to fix');
    await submit(annotator).click();
    await waitFor(() => readTaskStatus(review.doc)?.status === 'in_review', 'back in review');
    await waitFor(async () => (await row(tasks[0])).toFix === 1, 'the row counts the one request still open');
  });

  it('the reviewer sees what changed since the request, approves it, and the task can be closed', async () => {
    await reviewer.reload();
    await reviewer.waitForFunction(() => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-status') === 'saved');
    const banner = reviewer.getByTestId('rework-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('1 object changed since changes were requested (by Rita)');
    // …and so does the object's badge in the list.
    expect(await reviewer.locator(`[data-object-id="${ids.edge}"] [data-testid="object-verdict"]`).getAttribute('data-changed')).toBe('true');
    // "Show it" selects the object and compares its mask as judged (v1) with the fix: green where it grew.
    await reviewer.getByTestId('rework-show').click();
    await waitFor(async () => (await reviewer.locator('[data-testid="version"][data-version="1"] [data-testid="compare"]').getAttribute('aria-pressed')) === 'true', 'v1 compared');
    const fixed = listObjects(task.doc).find((o) => o.id === ids.edge)!.mask!;
    const grown = rleArea(fixed) - 80 * 80; // the brush only added to the 80 px square
    expect(grown).toBeGreaterThan(100);
    await waitFor(async () => (await reviewer.getByTestId('compare-summary').textContent())?.startsWith(`+${grown.toLocaleString('en-US')} px · −0 px`), 'the comparison summed up');
    const grew = decodeRle(fixed);
    const [gx, gy] = [135, 70];
    expect(grew.data[gy * W + gx]).toBe(1); // a pixel the brush added, outside the old square
    await waitFor(async () => {
      const [r, g, b] = await (await screenAt(reviewer))(gx, gy);
      return g > r + 40 && g > b + 40;
    }, 'the added pixels drawn green');
    await shot(reviewer, 'rework-4a-compare');
    await reviewer.locator('[data-testid="version"][data-version="1"] [data-testid="compare"]').click(); // off again
    await reviewer.getByTestId('compare-summary').waitFor({ state: 'detached' });
    await reviewer.getByTestId('review-tab').click();
    await reviewer.getByTestId('approve').click();
    await waitFor(() => readVerdicts(review.doc)[ids.edge]?.verdict === 'approved', 'approved');
    await waitFor(async () => (await submit(reviewer).getAttribute('data-to')) === 'done', 'Done again');
    // A comment on the image itself ("one is missing here") sends the task back too, until resolved.
    await reviewer.keyboard.press('Escape'); // nothing selected: the comment is on the image
    await reviewer.keyboard.press('f'); // the whole image again (Show zoomed to the object)
    await waitFor(async () => (await reviewer.evaluate(() => (window as any).__tandem.selectedId())) === null, 'nothing selected');
    await reviewer.getByTestId('new-comment').click();
    await reviewer.getByTestId('comment-placer').waitFor();
    const at = await toPage(reviewer, 280, 200);
    await reviewer.mouse.click(at.x, at.y);
    await reviewer.getByTestId('comment-input').fill('is there a car behind the tree?');
    expect(await reviewer.getByTestId('comment-request').isChecked()).toBe(true); // a reviewer's comment on the image asks for a fix
    await reviewer.getByTestId('comment-send').click();
    await waitFor(async () => (await submit(reviewer).getAttribute('data-to')) === 'in_progress', 'Send back for the open comment');
    await waitFor(async () => (await row(tasks[0])).toFix === 1, 'the open comment counted in the row');
    expect(await reviewer.getByTestId('thread-request').count()).toBe(1);
    await reviewer.getByTestId('resolve').click();
    await waitFor(async () => (await submit(reviewer).getAttribute('data-to')) === 'done', 'Done once it is resolved');
    // A note on the image, unticked: not a request, the task can still be closed.
    await reviewer.getByTestId('new-comment').click();
    await reviewer.getByTestId('comment-placer').waitFor();
    const at2 = await toPage(reviewer, 60, 200);
    await reviewer.mouse.click(at2.x, at2.y);
    await reviewer.getByTestId('comment-input').fill('nice work on the crowd');
    await reviewer.getByTestId('comment-request').uncheck();
    await reviewer.getByTestId('comment-send').click();
    await waitFor(() => listThreads(review.doc).some((t) => t.messages[0].text === 'nice work on the crowd' && !t.resolved && !t.request), 'the note stored, not a request');
    expect(await submit(reviewer).getAttribute('data-to')).toBe('done');
    expect(await reviewer.getByTestId('thread-request').count()).toBe(0);
    await submit(reviewer).click();
    await waitFor(() => readTaskStatus(review.doc)?.status === 'done', 'done');
    await waitFor(async () => (await row(tasks[0])).toFix === 0, 'nothing to fix in the row');
    await shot(reviewer, 'rework-4-done');
  });
});
