// The review loop in real Chromium through the real server: an annotator (A) draws an object, a
// reviewer (B) requests changes on it with a message that @mentions A, A sees the thread live
// (side panel and a pin on the canvas), fixes the mask with the brush, replies and resolves;
// B sees the fix, approves and moves the task to done; the task list and the analytics page show
// it. What was stored is checked through separate Node y-websocket clients, as a user would check
// what was saved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { decodeRle, encodeRle, rleArea, rleIou } from '../../shared/codecs/rle';
import { createObject, listObjects } from '../../shared/schema/annotation';
import { listThreads, readTaskStatus, readVerdicts } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { clickImage, dragImage, launch, openTask, shot, toPage, waitDrawn, waitFor } from './browser';

const W = 320;
const H = 240;

describe('review in the browser: request changes, fix, approve', () => {
  let srv: TestServer;
  let browser: Browser;
  let projectId: string;
  let taskId: string;
  let a: { token: string; userId: string };
  let b: { token: string; userId: string };
  let ctxA: BrowserContext;
  let ctxB: BrowserContext;
  let pageA: Page;
  let pageB: Page;
  let task: YClient;
  let review: YClient;
  let objectId: string;
  let threadId: string;
  let drawnCounts: string;

  beforeAll(async () => {
    // Inference on, as in the editor's own e2e: the editor of an annotator opens the /inference
    // socket, and without socket.io on the server its polling requests keep HTTP sockets half
    // open, so the server would never finish closing.
    srv = await startTestServer({ inference: true });
    const created = await srv.createProjectWithTask({ image: await makeImage(W, H, 'png'), labels: [{ name: 'box', color: '#22c55e' }], taskName: 'street.png' });
    ({ projectId, taskId } = created);
    a = await srv.addMember(projectId, 'annotator', 'Ana');
    b = await srv.addMember(projectId, 'reviewer', 'Bo');
    task = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
    review = connectClient(srv.wsUrl, `review:${taskId}`, srv.adminToken);
    await Promise.all([task.synced(), review.synced()]);
    browser = await launch();
    [ctxA, ctxB] = await Promise.all([browser.newContext(), browser.newContext()]);
    pageA = await openTask(ctxA, srv.url, taskId, a.token);
    pageB = await openTask(ctxB, srv.url, taskId, b.token);
  });

  afterAll(async () => {
    await browser?.close();
    task?.destroy();
    review?.destroy();
    await srv?.close();
  });

  const object = () => listObjects(task.doc).find((o) => o.id === objectId);

  it('A draws an object; B requests changes with a message that mentions A', async () => {
    await pageA.keyboard.press('g');
    for (const [x, y] of [[80, 60], [200, 60], [200, 180], [80, 180]] as Array<[number, number]>) await clickImage(pageA, x, y);
    await pageA.keyboard.press('Enter');
    const o = await waitFor(() => listObjects(task.doc).find((x) => x.createdBy === a.userId && x.mask && rleArea(x.mask) > 0), 'A’s polygon in the document');
    objectId = o.id;
    drawnCounts = o.mask!.counts;
    await waitDrawn(pageB, objectId, o.mask!.counts);

    await pageB.locator(`[data-object-id="${objectId}"]`).click();
    await pageB.getByTestId('request-changes').click();
    const box = pageB.getByTestId('changes-message');
    await box.pressSequentially('@An');
    // The member list completes the mention.
    await pageB.getByTestId('mention-suggestions').getByText('@Ana').waitFor();
    await box.press('Enter');
    await box.pressSequentially('please cover the right edge too');
    expect(await box.inputValue()).toBe('@Ana please cover the right edge too');
    await pageB.getByTestId('send-changes').click();

    const v = await waitFor(() => readVerdicts(review.doc)[objectId], 'B’s verdict in the review document');
    expect(v).toMatchObject({ verdict: 'changes_requested', by: b.userId });
    const [t] = listThreads(review.doc);
    expect(t).toMatchObject({ id: v.threadId, objectId, resolved: false, createdBy: b.userId });
    expect(t.messages[0]).toMatchObject({ text: '@Ana please cover the right edge too', mentions: ['Ana'] });
    // Anchored on the object: the centre of the polygon's bounding box, in image pixels.
    expect(Math.abs(t.x - 140)).toBeLessThanOrEqual(2);
    expect(Math.abs(t.y - 120)).toBeLessThanOrEqual(2);
    threadId = t.id;
    await shot(pageB, 'review-1-B-requests-changes');
  });

  it('A sees the thread live, in the panel and as a pin on the canvas, and is told B mentioned her', async () => {
    const toast = pageA.getByTestId('toast');
    await waitFor(async () => (await toast.count()) > 0 && ((await toast.textContent()) ?? '').includes('Bo mentioned you: “@Ana please cover the right edge too”'), 'the mention told A');
    const thread = pageA.locator(`[data-testid="thread"][data-thread-id="${threadId}"]`);
    await thread.waitFor();
    expect(await thread.textContent()).toContain('please cover the right edge too');
    expect(await thread.locator('mark').textContent()).toBe('@Ana');
    await pageA.locator(`[data-testid="pin"][data-thread-id="${threadId}"]`).waitFor();
    expect(await pageA.getByTestId('open-threads').textContent()).toBe('1');
    await shot(pageA, 'review-2-A-sees-thread');
  });

  it('A fixes the mask with the brush, replies and resolves the thread', async () => {
    const before = object()!;
    // Opening the thread selects its object.
    await pageA.locator(`[data-testid="thread"][data-thread-id="${threadId}"] .head`).click();
    await waitFor(async () => (await pageA.evaluate(() => (window as any).__tandem.selectedId())) === objectId, 'the thread’s object selected');
    await pageA.keyboard.press('p');
    await dragImage(pageA, [[195, 100], [230, 110], [250, 120]]);
    const fixed = await waitFor(() => {
      const o = object();
      return o && o.updatedBy === a.userId && o.mask!.counts !== before.mask!.counts ? o : null;
    }, 'A’s brushed fix in the document');
    expect(rleArea(fixed.mask!)).toBeGreaterThan(rleArea(before.mask!));
    expect(decodeRle(fixed.mask!).data[110 * W + 230]).toBe(1);

    await pageA.getByTestId('reply-input').fill('Done, rigth edge coverd.');
    await pageA.getByTestId('reply-send').click();
    // A fixes her typo in place and takes back a reply sent by mistake; Bo's message is not hers to change.
    const messages = pageA.locator(`[data-testid="thread"][data-thread-id="${threadId}"] [data-testid="message"]`);
    await waitFor(async () => (await messages.count()) === 2, 'the reply shown');
    expect(await messages.nth(0).getByTestId('message-edit').count()).toBe(0);
    await messages.nth(1).getByTestId('message-edit').click();
    await pageA.getByTestId('message-edit-input').fill('Done, right edge covered.');
    await pageA.getByTestId('message-edit-input').press('Enter');
    await waitFor(() => listThreads(review.doc).find((x) => x.id === threadId)?.messages[1]?.text === 'Done, right edge covered.', 'the edit stored');
    await messages.nth(1).getByTestId('edited').waitFor();
    // What it said before stays readable for anyone who wonders what changed.
    await messages.nth(1).getByTestId('edited').click();
    expect(await messages.nth(1).getByTestId('earlier').textContent()).toContain('Done, rigth edge coverd.');
    await pageA.getByTestId('reply-input').fill('(wrong thread, sorry)');
    await pageA.getByTestId('reply-send').click();
    await waitFor(async () => (await messages.count()) === 3, 'the second reply shown');
    await messages.nth(2).getByTestId('message-delete').click();
    expect(listThreads(review.doc).find((x) => x.id === threadId)?.messages[2]?.deleted).toBeUndefined(); // a second press confirms
    await messages.nth(2).getByTestId('message-delete').click();
    await waitFor(async () => (await messages.nth(2).getAttribute('data-deleted')) === 'true', 'the reply deleted');
    expect(await messages.nth(2).textContent()).toContain('message deleted');
    await shot(pageA, 'review-2a-A-edits-and-deletes');
    await pageA.getByTestId('resolve').click();
    const t = await waitFor(() => listThreads(review.doc).find((x) => x.id === threadId && x.resolved), 'the thread resolved');
    expect(t.resolvedBy).toBe(a.userId);
    expect(t.messages.map((m) => [m.by, m.text, m.deleted ?? false])).toEqual([
      [b.userId, '@Ana please cover the right edge too', false],
      [a.userId, 'Done, right edge covered.', false],
      [a.userId, '', true],
    ]);
    await waitDrawn(pageB, objectId, fixed.mask!.counts);

    // The object's history shows A's fix as its newest version.
    await pageA.getByTestId('history-tab').click();
    const versions = pageA.getByTestId('version');
    await waitFor(async () => (await versions.count()) >= 2 && /Mask changed/.test((await versions.first().textContent()) ?? ''), 'the fix in A’s history panel');
    expect(await versions.first().textContent()).toContain('Ana');
    expect(await versions.last().textContent()).toMatch(/Created/);
    await shot(pageA, 'review-2b-A-history');
    await pageA.getByTestId('review-tab').click();
  });

  it('B sees the fix and the resolution, approves and moves the task to done', async () => {
    await waitFor(async () => (await pageB.locator('[data-testid="pin"]').count()) === 0, 'the pin gone on B’s canvas');
    await pageB.getByTestId('show-resolved').check();
    const thread = pageB.locator(`[data-testid="thread"][data-thread-id="${threadId}"]`);
    await waitFor(async () => (await thread.getAttribute('data-resolved')) === 'true', 'B sees the thread resolved');
    await pageB.getByTestId('approve').click();
    await waitFor(() => readVerdicts(review.doc)[objectId]?.verdict === 'approved', 'the approval in the review document');
    expect(readVerdicts(review.doc)[objectId].by).toBe(b.userId);
    await pageB.getByTestId('task-status').locator('select').selectOption('done');
    await waitFor(() => readTaskStatus(review.doc)?.status === 'done', 'the task status in the review document');
    expect(readTaskStatus(review.doc)?.by).toBe(b.userId);

    // A, with the object still selected, sees the verdict change live.
    await waitFor(async () => (await pageA.getByTestId('verdict').getAttribute('data-verdict')) === 'approved', 'A sees the approval');
    expect(await pageA.getByTestId('verdict').textContent()).toContain('Bo');
    // …and in the object list.
    expect(await pageA.locator(`[data-object-id="${objectId}"] [data-testid="object-verdict"]`).getAttribute('data-verdict')).toBe('approved');
    await shot(pageA, 'review-3-A-sees-approval');
    await shot(pageB, 'review-3-B-approved');
  });

  it('the task list shows the status and who moved it; analytics count the first verdict', async () => {
    const list = await ctxA.newPage();
    await list.goto(`${srv.url}/projects/${projectId}`);
    const badge = list.getByTestId('task-status-badge');
    await waitFor(async () => (await badge.getAttribute('data-status')) === 'done', 'Done in the task list');
    expect(await list.getByTestId('task-status-by').textContent()).toContain('Bo');
    expect(await list.getByTestId('status-filter-done').textContent()).toBe('Done 1');
    await shot(list, 'review-4-task-list');
    await list.close();

    // The owner's analytics: A's only object was sent back once, so A's pass rate is 0%.
    const ctxO = await browser.newContext();
    const owner = await ctxO.newPage();
    await owner.goto(`${srv.url}/projects/${projectId}/analytics?token=${encodeURIComponent(srv.adminToken)}`);
    const ana = owner.getByTestId('chart-pass-rate').locator('g[data-label="Ana"]');
    await ana.waitFor();
    expect(await ana.getAttribute('data-value')).toBe('0');
    // How much of A's polygon the approved mask kept: the IoU of the polygon (as B judged it) with
    // the brushed fix, as the stored masks give it.
    const final = object()!.mask!;
    const kept = rleIou({ size: final.size, counts: drawnCounts }, final);
    expect(kept).toBeGreaterThan(0.5);
    expect(kept).toBeLessThan(1);
    const keptBar = owner.getByTestId('chart-kept-iou').locator('g[data-label="Ana"]');
    expect(Number(await keptBar.getAttribute('data-value'))).toBeCloseTo(kept, 6);
    expect(await owner.getByTestId('kept-iou').textContent()).toBe(kept.toFixed(3));
    // B as a reviewer: a change request, then an approval.
    expect(await owner.getByTestId('chart-reviewer-verdicts').locator('g[data-label="Bo"]').getAttribute('data-value')).toBe('2');
    expect(await owner.getByTestId('chart-reviewer-requests').locator('g[data-label="Bo"]').getAttribute('data-value')).toBe('0.5');
    // The QA report: B's thread on the object, resolved by A.
    expect(await owner.getByTestId('open-comments').textContent()).toBe('0');
    const report = await (await fetch(new URL((await owner.getByTestId('analytics-csv-threads').getAttribute('href'))!, srv.url))).text();
    const lines = report.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${threadId},${objectId},box,`);
    expect(lines[1]).toMatch(/,Bo,.*,true,Ana,.*,2,@Ana please cover the right edge too$/);
    expect(await owner.getByTestId('chart-clicks-per-object').locator('g[data-label="Ana"]').count()).toBe(1);
    // Per label: one object of label "box" (class balance).
    expect(await owner.getByTestId('chart-objects-per-label').locator('g[data-label="box"]').getAttribute('data-value')).toBe('1');
    // Progress: the one task sent on (Bo moved it to done) and done today.
    expect(await owner.getByTestId('progress-summary').textContent()).toBe('1 of 1 task done (100%), 0 left · 1.0 a day over the last week');
    const today = owner.getByTestId('analytics-progress').locator('g[data-day]').last();
    expect([await today.getAttribute('data-submitted'), await today.getAttribute('data-done')]).toEqual(['1', '1']);
    // Who did what this week: Ana drew the object, Bo moved the task to done (from work: a submission too).
    expect(await owner.getByTestId('progress-members').locator('tbody tr').allTextContents()).toEqual(['Bo110', 'Ana001']);
    await shot(owner, 'review-5-analytics');
    await ctxO.close();
  });

  it('a QA lead cannot edit masks but comments at a point of the image and decides', async () => {
    const q = await srv.addMember(projectId, 'qa', 'Quinn');
    const ctxQ = await browser.newContext();
    const pageQ = await openTask(ctxQ, srv.url, taskId, q.token);
    expect(await pageQ.getByTestId('readonly-banner').textContent()).toMatch(/QA lead/);
    expect(await pageQ.locator('button[data-tool="brush"]').isDisabled()).toBe(true);

    // + Comment, then a click on the image places the pin; the first message is typed there.
    await pageQ.getByTestId('new-comment').click();
    await pageQ.getByTestId('comment-placer').waitFor();
    const at = await toPage(pageQ, 40, 200);
    await pageQ.mouse.click(at.x, at.y);
    await pageQ.getByTestId('comment-input').fill('Is the shadow part of it? @Bo');
    await pageQ.getByTestId('comment-send').click();
    const t = await waitFor(() => listThreads(review.doc).find((x) => x.createdBy === q.userId), 'the QA lead’s thread');
    expect(t).toMatchObject({ objectId: null, resolved: false });
    expect(Math.abs(t.x - 40)).toBeLessThanOrEqual(2);
    expect(Math.abs(t.y - 200)).toBeLessThanOrEqual(2);
    expect(t.messages[0].mentions).toEqual(['Bo']);
    await pageB.locator(`[data-testid="pin"][data-thread-id="${t.id}"]`).waitFor();

    // QA decides: sends the object back again, without touching its mask.
    const mask = object()!.mask;
    await pageQ.locator(`[data-object-id="${objectId}"]`).click();
    await pageQ.getByTestId('request-changes').click();
    await pageQ.getByTestId('changes-message').fill('Second look: the right edge is ragged');
    await pageQ.getByTestId('send-changes').click();
    await waitFor(() => readVerdicts(review.doc)[objectId]?.by === q.userId, 'the QA lead’s verdict');
    expect(readVerdicts(review.doc)[objectId].verdict).toBe('changes_requested');
    expect(object()!.mask).toEqual(mask);
    // Ana and Bo both have the object open: QA sees two "is editing" tags, one above the other.
    const tags = await waitFor(async () => {
      const all = (await pageQ.evaluate(() => (window as any).__tandem.nameTags())) as Array<{ text: string; x: number; y: number; width: number; height: number }>;
      const editing = all.filter((g) => g.text.endsWith('is editing'));
      return editing.length === 2 ? editing : null;
    }, 'two editing tags');
    const [a, b] = tags;
    const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    expect(overlap).toBe(false);
    await shot(pageQ, 'review-6-qa-comment-and-verdict');
    await ctxQ.close();
  });

  it('B restores the first version of the object from its history panel', async () => {
    if ((await pageB.evaluate(() => (window as any).__tandem.selectedId())) !== objectId) await pageB.locator(`[data-object-id="${objectId}"]`).click();
    await pageB.getByTestId('history-tab').click();
    const v1 = pageB.locator('[data-testid="version"][data-version="1"]');
    await v1.waitFor();
    await v1.getByTestId('restore').click();
    await waitFor(() => object()?.mask?.counts === drawnCounts, 'A’s first mask restored in the document');
    expect(object()!.updatedBy).toBe(b.userId);
    await waitDrawn(pageA, objectId, drawnCounts);
    const newest = pageB.getByTestId('version').first();
    await waitFor(async () => /Restored from v1/.test((await newest.textContent()) ?? ''), 'the restore listed as the newest version');
    await shot(pageB, 'review-7-B-restored-v1');
  });

  it('B goes through new objects with the keyboard: A approves and selects the next unreviewed, R asks for changes', async () => {
    const rect = (x0: number) => {
      const m = new Uint8Array(W * H);
      for (let y = 150; y < 190; y++) m.fill(1, y * W + x0, y * W + x0 + 40);
      return encodeRle(m, W, H);
    };
    const ids = [20, 100, 180].map((x0) => createObject(task.doc, { label: 'box', mask: rect(x0), by: a.userId }));
    const row = (id: string) => pageB.locator(`[data-object-id="${id}"]`);
    await row(ids[2]).waitFor();
    await pageB.getByTestId('review-tab').click();
    await row(ids[0]).click();
    await pageB.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const selected = () => pageB.evaluate(() => (window as any).__tandem.selectedId() as string | null);
    await pageB.keyboard.press('a');
    await waitFor(() => readVerdicts(review.doc)[ids[0]]?.verdict === 'approved', 'the first approved by A');
    await waitFor(async () => (await selected()) === ids[1], 'the next unreviewed selected');
    await pageB.keyboard.press('a');
    await waitFor(() => readVerdicts(review.doc)[ids[1]]?.verdict === 'approved', 'the second approved');
    await waitFor(async () => (await selected()) === ids[2], 'the third selected (the first object has a verdict: skipped)');
    await pageB.keyboard.press('r');
    await pageB.getByTestId('changes-message').fill('Too loose at the bottom');
    await pageB.getByTestId('send-changes').click();
    await waitFor(() => readVerdicts(review.doc)[ids[2]]?.verdict === 'changes_requested', 'changes requested by R');
    expect(readVerdicts(review.doc)[ids[2]].by).toBe(b.userId);
    // The QA lead joined after B opened the task: once B's window is focused again, her comment
    // shows her name, not her id.
    await pageB.evaluate(() => window.dispatchEvent(new Event('focus')));
    await waitFor(async () => (await pageB.getByTestId('thread').filter({ hasText: 'Is the shadow part of it?' }).textContent())?.includes('Quinn'), "the QA lead's name on her comment");
    await shot(pageB, 'review-8-B-keys');
  });
});
