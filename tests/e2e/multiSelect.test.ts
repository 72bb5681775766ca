// Several objects at once, as a crowd needs: the annotator Shift-clicks and drags a box around
// objects on the canvas, relabels, moves, merges and deletes them in one step each (undo brings
// each step back whole), copies every mask at once; a reviewer selects them all and approves them
// in one go. What was stored is checked through separate y-websocket clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { rleBbox } from '../../shared/codecs/rle';
import { listObjects } from '../../shared/schema/annotation';
import { readVerdicts } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { clickImage, dragImage, launch, openTask, shot, toPage, waitFor } from './browser';

describe('multi-selection in the editor', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let reviewer: Page;
  let task: YClient;
  let review: YClient;

  beforeAll(async () => {
    srv = await startTestServer();
    const labels = [{ name: 'car', color: '#ef4444' }, { name: 'bus', color: '#22c55e' }];
    const { projectId, taskId } = await srv.createProjectWithTask({ image: await makeImage(320, 240), taskName: 'street.png', labels });
    const ana = await srv.addMember(projectId, 'annotator', 'Ana');
    const rita = await srv.addMember(projectId, 'reviewer', 'Rita');
    task = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
    review = connectClient(srv.wsUrl, `review:${taskId}`, srv.adminToken);
    await Promise.all([task.synced(), review.synced()]);
    browser = await launch();
    page = await openTask(await browser.newContext(), srv.url, taskId, ana.token);
    reviewer = await openTask(await browser.newContext(), srv.url, taskId, rita.token);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    task?.destroy();
    review?.destroy();
    await srv?.close();
  });

  const objects = () => listObjects(task.doc);
  /** Each stored object's label and the top-left corner of its mask, by its left edge. */
  const layout = () =>
    objects()
      .map((o) => [o.label, ...rleBbox(o.mask!).slice(0, 2)] as [string, number, number])
      .sort((p, q) => p[1] - q[1] || p[2] - q[2]);
  const selectedRows = () => page.locator('[data-testid="object-list"] li[aria-selected="true"]');

  async function square(x: number, y: number) {
    await page.keyboard.press('g');
    for (const [px, py] of [[x, y], [x + 60, y], [x + 60, y + 60], [x, y + 60]] as Array<[number, number]>) await clickImage(page, px, py);
    await page.keyboard.press('Enter');
  }

  async function shiftClick(p: Page, x: number, y: number) {
    const at = await toPage(p, x, y);
    await p.keyboard.down('Shift');
    await p.mouse.click(at.x, at.y);
    await p.keyboard.up('Shift');
  }

  it('Shift-click and a box on the canvas select several; a label key relabels them, a drag moves them, each one undo step', async () => {
    for (const [x, y] of [[20, 20], [120, 20], [220, 20], [120, 150]] as Array<[number, number]>) await square(x, y);
    await waitFor(() => objects().length === 4 && objects().every((o) => o.mask), 'four squares on the server');
    const before = layout();
    expect(before.map(([, x, y]) => [x, y])).toEqual([[20, 20], [120, 20], [120, 150], [220, 20]]);

    await page.keyboard.press('v');
    await clickImage(page, 50, 50);
    await shiftClick(page, 250, 50);
    await waitFor(async () => (await selectedRows().count()) === 2, 'two rows selected');
    await page.getByTestId('selection-bar').getByText('2 selected').waitFor();

    // A box from empty space around the two upper-right squares only.
    await dragImage(page, [[110, 10], [200, 60], [300, 100]]);
    await waitFor(async () => (await selectedRows().count()) === 2, 'the two squares in the box');
    await page.keyboard.press('Shift+Digit2');
    await waitFor(() => layout().filter(([l]) => l === 'bus').length === 2, 'two buses on the server');
    expect(layout().map(([l]) => l)).toEqual(['car', 'bus', 'car', 'bus']);
    await shot(page, 'multiselect-1-box-relabelled');

    // Drag one of them: both move by the same amount; the others stay.
    await dragImage(page, [[150, 50], [160, 70], [170, 90]]);
    await waitFor(() => layout()[1][2] !== 20, 'the move on the server');
    expect(layout().map(([, x, y]) => [x, y])).toEqual([[20, 20], [120, 150], [140, 60], [240, 60]]);
    await page.keyboard.press('Control+z');
    await waitFor(() => JSON.stringify(layout().map(([, x, y]) => [x, y])) === JSON.stringify(before.map(([, x, y]) => [x, y])), 'both moved back by one undo');
    await page.keyboard.press('Control+z');
    await waitFor(() => layout().every(([l]) => l === 'car'), 'both relabels undone by one undo');
  });

  it('M merges the selection into the first selected, Delete removes all; Ctrl+A, Ctrl+C, Ctrl+V copies every mask', async () => {
    await clickImage(page, 150, 50);
    await shiftClick(page, 150, 180);
    await page.keyboard.press('m');
    await waitFor(() => objects().length === 3, 'two squares merged into one');
    const merged = objects().find((o) => rleBbox(o.mask!)[3] > 100)!;
    expect(rleBbox(merged.mask!).slice(0, 2)).toEqual([120, 20]);
    await page.keyboard.press('Control+z');
    await waitFor(() => objects().length === 4, 'the merge undone');

    await page.keyboard.press('Control+a');
    await page.getByTestId('selection-bar').getByText('4 selected').waitFor();
    await page.keyboard.press('Control+c');
    await page.getByText('Copied 4 objects.').waitFor();
    await page.keyboard.press('Control+v');
    await waitFor(() => objects().length === 8, 'four copies on the server');
    await page.getByTestId('selection-bar').getByText('4 selected').waitFor(); // the copies
    await page.keyboard.press('Delete');
    await waitFor(() => objects().length === 4, 'the copies deleted in one go');
    await page.getByText('Deleted 4 objects.').waitFor();
  });

  it('a reviewer selects every object and approves them in one go', async () => {
    await waitFor(async () => (await reviewer.locator('[data-testid="object-list"] li[role="option"]').count()) === 4, 'the reviewer sees four objects');
    await reviewer.locator('[data-testid="object-list"] li[role="option"]').first().click();
    await reviewer.keyboard.press('Control+a');
    await reviewer.getByTestId('approve-selected').click();
    await waitFor(() => objects().every((o) => readVerdicts(review.doc)[o.id]?.verdict === 'approved'), 'four approvals in the review document');
    await waitFor(() => reviewer.getByTestId('approve-selected').isDisabled(), 'nothing left to approve among them');
    await shot(reviewer, 'multiselect-2-approved');
  });

  it('the annotator finds the one object sent back among the approved ones', async () => {
    const rows = reviewer.locator('[data-testid="object-list"] li[role="option"]');
    await rows.nth(2).click();
    await reviewer.getByTestId('request-changes').click();
    await reviewer.getByTestId('changes-message').pressSequentially('the mirror is missing');
    await reviewer.getByTestId('send-changes').click();
    const sentBack = (await rows.nth(2).getAttribute('data-object-id'))!;
    await waitFor(() => readVerdicts(review.doc)[sentBack]?.verdict === 'changes_requested', 'the request in the review document');
    const chips = page.getByTestId('verdict-filter');
    await waitFor(async () => (await chips.allTextContents()).join('|') === 'To fix 1|Approved 3', 'a chip per review state');
    await chips.filter({ hasText: 'To fix' }).click();
    const mine = page.locator('[data-testid="object-list"] li[role="option"]');
    await waitFor(async () => (await mine.count()) === 1, 'only the object to fix');
    expect(await mine.first().getAttribute('data-object-id')).toBe(sentBack);
    await shot(page, 'multiselect-3-to-fix');
  });
});
