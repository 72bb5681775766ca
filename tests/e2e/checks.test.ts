// The mask checks: two masks over one car (two people drew it at once) and specks a brush left
// are found without opening the image: the task list's card says "⚠ 2 to check" and the Checks
// filter lists it; in the editor the object list says which objects and offers the fix: "select
// both" then M merges the pair, "remove" takes the specks off; the list follows. Submitting with
// something to check asks once more. An object whose label the project does not define (a label
// taken off the list) is one to check too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { encodeRle, rleArea } from '../../shared/codecs/rle';
import { createObject, listObjects } from '../../shared/schema/annotation';
import { makeImage } from '../helpers/images';
import { rectRle } from '../helpers/rectRle';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { launch, openTask, shot, taskCard, waitFor } from './browser';

const W = 320;
const H = 240;

describe('mask checks', () => {
  let srv: TestServer;
  let browser: Browser;
  let watcher: YClient;
  let projectId: string;
  let taskId: string;
  let cleanId: string;
  let ana: { userId: string; token: string };

  beforeAll(async () => {
    srv = await startTestServer();
    const labels = [{ name: 'car', color: '#ef4444' }, { name: 'person', color: '#22c55e' }, { name: 'hedge', color: '#65a30d' }];
    const created = await srv.createProjectWithTask({ image: await makeImage(W, H), taskName: 'street.png', labels });
    projectId = created.projectId;
    taskId = created.taskId;
    cleanId = (await srv.api('POST', `/api/projects/${projectId}/tasks?name=clean.png`, await makeImage(W, H), undefined, { 'content-type': 'image/png' })).body.id;
    ana = await srv.addMember(projectId, 'annotator', 'Ana');
    watcher = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
    await watcher.synced();
    // Ana and Ben outlined the same car at once; the person was brushed, with a dab left beside it.
    createObject(watcher.doc, { label: 'car', mask: rectRle(W, H, 20, 20, 120, 100), by: ana.userId });
    createObject(watcher.doc, { label: 'car', mask: rectRle(W, H, 22, 20, 120, 98), by: 'ben' });
    const person = new Uint8Array(W * H);
    for (let y = 40; y < 200; y++) for (let x = 200; x < 260; x++) person[y * W + x] = 1;
    for (let y = 210; y < 213; y++) for (let x = 290; x < 293; x++) person[y * W + x] = 1; // 9 px, well off the person
    createObject(watcher.doc, { label: 'person', mask: encodeRle(person, W, H), by: ana.userId });
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    watcher?.destroy();
    await srv?.close();
  });

  /** A new image of the project with one object, its mask painted by `paint`, and a client on its room. */
  async function imageWith(name: string, label: string, paint: (d: Uint8Array) => void): Promise<{ id: string; client: YClient }> {
    const id = (await srv.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(W, H), undefined, { 'content-type': 'image/png' })).body.id;
    const client = connectClient(srv.wsUrl, `task:${id}`, srv.adminToken);
    await client.synced();
    const d = new Uint8Array(W * H);
    paint(d);
    createObject(client.doc, { label, mask: encodeRle(d, W, H), by: ana.userId });
    return { id, client };
  }

  /** The owner's project page, with `name`'s checks badge shown. */
  async function ownerSeesBadge(name: string) {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    const badge = taskCard(owner, name).getByTestId('task-checks-badge');
    await badge.waitFor();
    return { owner, badge };
  }
  /** The project's checks as stored. */
  const storedChecks = async () => (await srv.api('GET', `/api/projects/${projectId}`)).body.settings?.checks;

  const checksOf = async (name: string) => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { name: string }) => t.name === name)?.objectChecks;

  it("the task list marks the image and finds it with the Checks filter, before anyone opens it", async () => {
    await waitFor(async () => (await checksOf('street.png'))?.duplicate === 1, 'the checks counted on the server');
    expect(await checksOf('street.png')).toEqual({ duplicate: 1, specks: 1, tiny: 0, byLabel: { person: { specks: 1, tiny: 0 } }, pairs: [[0.9555, 1, 1]], small: {}, pieces: { person: [[60 * 160 + 9, 9]] } });
    expect(await checksOf('clean.png')).toEqual({ duplicate: 0, specks: 0, tiny: 0, byLabel: {}, pairs: [], small: {}, pieces: {} });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(ana.token)}`);
    const badge = taskCard(page, 'street.png').getByTestId('task-checks-badge');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('⚠ 2 to check');
    expect(await badge.getAttribute('title')).toBe('Worth a look: 1 object drawn twice? · 1 with specks');
    expect(await taskCard(page, 'clean.png').getByTestId('task-checks-badge').count()).toBe(0);
    await page.getByTestId('filter-checks').click();
    await waitFor(async () => (await page.getByTestId('task').count()) === 1, 'only the image to check listed');
    await shot(page, 'checks-list');
    await page.close();
  });

  it('the editor says which objects and fixes them: the pair merged, the specks removed', async () => {
    const page: Page = await openTask(await browser.newContext(), srv.url, taskId, ana.token);
    const chip = page.getByTestId('checks-filter');
    await waitFor(async () => ((await chip.textContent()) ?? '') === 'Checks 3', 'three objects to look at');
    const rows = page.locator('[data-testid="object-list"] li[role="option"]');
    const note = (n: number) => rows.nth(n).getByTestId('object-check');
    expect(await note(0).textContent()).toContain('over #2 (IoU 0.96)');
    expect(await note(1).textContent()).toContain('over #1 (IoU 0.96)');
    expect(await note(2).textContent()).toContain('1 speck');
    await shot(page, 'checks-editor');
    // Submitting asks once more, with the first object to look at selected.
    const submit = page.getByTestId('submit-next');
    await submit.click();
    expect(await submit.textContent()).toBe('3 to check: submit anyway?');
    expect(await rows.nth(0).getAttribute('aria-selected')).toBe('true');
    await page.waitForTimeout(300);
    expect((await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === taskId).status).toBe('todo');
    // The pair: select both, M merges them into one car.
    await note(1).getByRole('button', { name: 'select both' }).click();
    await page.locator('canvas').first().hover();
    await page.keyboard.press('m');
    await waitFor(() => listObjects(watcher.doc).filter((o) => o.label === 'car').length === 1, 'the cars merged on the server');
    await waitFor(async () => ((await chip.textContent()) ?? '') === 'Checks 1', 'the pair no longer listed');
    // The specks: removed in one step, for everyone.
    const personArea = () => rleArea(listObjects(watcher.doc).find((o) => o.label === 'person')!.mask!);
    expect(personArea()).toBe(60 * 160 + 9);
    await rows.filter({ has: page.getByTestId('object-check') }).getByRole('button', { name: 'remove' }).click();
    await waitFor(() => personArea() === 60 * 160, 'the speck removed on the server');
    await chip.waitFor({ state: 'detached' });
    // The task list follows once the edits settle.
    await waitFor(async () => (await checksOf('street.png'))?.specks === 0, 'the row follows');
    expect(await checksOf('street.png')).toEqual({ duplicate: 0, specks: 0, tiny: 0, byLabel: {}, pairs: [], small: {}, pieces: {} });
    // Nothing left to check: one press submits.
    await submit.click();
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === taskId).status === 'in_review', 'submitted at the first press');
  });

  it('an object whose label the project does not define is one to check, until it gets one of its labels', async () => {
    const other = connectClient(srv.wsUrl, `task:${cleanId}`, srv.adminToken);
    await other.synced();
    createObject(other.doc, { label: 'vehicle', mask: rectRle(W, H, 100, 100, 200, 200), by: ana.userId });
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === cleanId)?.labelCounts?.vehicle === 1, 'the row counted');
    const list = await (await browser.newContext()).newPage();
    await list.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(ana.token)}`);
    const badge = taskCard(list, 'clean.png').getByTestId('task-checks-badge');
    await badge.waitFor();
    expect(await badge.getAttribute('title')).toBe('Worth a look: 1 labelled vehicle, not a label of the project');
    await list.close();
    const page = await openTask(await browser.newContext(), srv.url, cleanId, ana.token);
    const row = page.locator('[data-testid="object-list"] li[role="option"]').first();
    await row.getByTestId('object-check').waitFor();
    expect(await row.getByTestId('object-check').textContent()).toContain('vehicle is not a label of the project');
    await row.getByLabel('Label').selectOption('car');
    await waitFor(() => listObjects(other.doc)[0]?.label === 'car', 'relabelled on the server');
    await page.getByTestId('checks-filter').waitFor({ state: 'detached' });
    other.destroy();
  });

  it('the owner removes the specks on every image the Checks filter shows, in one go', async () => {
    const { client: other } = await imageWith('brushed.png', 'car', (d) => {
      for (let y = 20; y < 120; y++) for (let x = 20; x < 120; x++) d[y * W + x] = 1;
      d[200 * W + 200] = 1;
    });
    await waitFor(async () => (await checksOf('brushed.png'))?.specks === 1, 'the speck counted');
    const page = await (await browser.newContext()).newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await page.getByTestId('filter-checks').click();
    await waitFor(async () => (await page.getByTestId('task').count()) === 1, 'only the brushed image listed');
    await page.getByTestId('specks-shown').click();
    await page.getByTestId('specks-shown-done').waitFor();
    expect(await page.getByTestId('specks-shown-done').textContent()).toBe('Specks removed from 1 object on 1 image.');
    await waitFor(() => rleArea(listObjects(other.doc)[0].mask!) === 100 * 100, 'the speck gone, live');
    await waitFor(async () => (await checksOf('brushed.png'))?.specks === 0, 'the row follows');
    await shot(page, 'checks-specks-removed');
    other.destroy();
    await page.close();
  });

  it("the owner's rules say what is checked: a hedge's pieces are no specks, on the list and in the editor", async () => {
    const { id: hedgeId, client } = await imageWith('hedge.png', 'hedge', (d) => {
      for (let y = 100; y < 140; y++) for (let x = 20; x < 300; x++) d[y * W + x] = 1;
      for (let y = 150; y < 152; y++) for (let x = 40; x < 42; x++) d[y * W + x] = 1; // a clipped sprig
    });
    client.destroy();
    await waitFor(async () => (await checksOf('hedge.png'))?.specks === 1, 'the sprig counted');
    // Before any rule, Ana's editor points at the sprig.
    const before = await openTask(await browser.newContext(), srv.url, hedgeId, ana.token);
    await waitFor(async () => ((await before.getByTestId('checks-filter').textContent().catch(() => '')) ?? '') === 'Checks 1', 'the speck pointed out');
    await before.close();
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    const badge = taskCard(owner, 'hedge.png').getByTestId('task-checks-badge');
    await badge.waitFor();
    await owner.getByTestId('check-pieces-ok').selectOption(['hedge']);
    await badge.waitFor({ state: 'detached' });
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}`)).body.settings?.checks?.piecesOk?.[0] === 'hedge', 'the rule stored');
    await owner.getByTestId('project-checks').scrollIntoViewIfNeeded();
    await shot(owner, 'checks-rules');
    // Turning tiny objects off leaves the rule on hedges as it was.
    await owner.getByTestId('check-tiny').uncheck();
    await waitFor(async () => (await storedChecks())?.off?.[0] === 'tiny', 'tiny turned off');
    expect(await storedChecks()).toEqual({ piecesOk: ['hedge'], off: ['tiny'] });
    await owner.close();
    // Ana's editor, opened again, has nothing to point out, and Submit sends the task at once.
    const page = await openTask(await browser.newContext(), srv.url, hedgeId, ana.token);
    const row = page.locator('[data-testid="object-list"] li[role="option"]').first();
    await row.waitFor();
    expect(await row.getByTestId('object-check').count()).toBe(0);
    expect(await page.getByTestId('checks-filter').count()).toBe(0);
    await page.getByTestId('submit-next').click();
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === hedgeId).status === 'in_review', 'submitted at the first press');
    await page.close();
  });

  it("the owner's thresholds say what is drawn twice: a pair at IoU 0.9 is not from 0.95, on the list and in the editor, with no recount", async () => {
    // A person and a car outlined over one another (IoU 0.9: two labels, so only the IoU counts).
    const { id, client } = await imageWith('crowd.png', 'person', (d) => {
      for (let y = 20; y < 120; y++) for (let x = 150; x < 230; x++) d[y * W + x] = 1;
    });
    createObject(client.doc, { label: 'car', mask: rectRle(W, H, 150, 20, 222, 120), by: 'ben' });
    await waitFor(async () => (await checksOf('crowd.png'))?.duplicate === 1, 'the pair counted');
    const { owner, badge } = await ownerSeesBadge('crowd.png');
    await owner.getByTestId('check-duplicate-iou').fill('0.95');
    await owner.getByTestId('check-duplicate-iou').press('Enter');
    await owner.getByTestId('check-duplicate-iou').blur();
    await badge.waitFor({ state: 'detached' });
    await waitFor(async () => (await storedChecks())?.thresholds?.duplicateIou === 0.95, 'the threshold stored');
    // The row was not counted again: the list applied the threshold to the pair the row keeps.
    expect(await checksOf('crowd.png')).toMatchObject({ duplicate: 1, pairs: [[0.9, 1, 0]] });
    await owner.getByTestId('project-checks').scrollIntoViewIfNeeded();
    await shot(owner, 'checks-thresholds');
    // Out of range is said, not saved.
    await owner.getByTestId('check-duplicate-iou').fill('0.2');
    await owner.getByTestId('check-duplicate-iou').blur();
    await owner.getByTestId('project-settings').getByRole('alert').waitFor();
    expect((await storedChecks())?.thresholds).toEqual({ duplicateIou: 0.95 });
    // Ana's editor has nothing to point out at that threshold.
    const page = await openTask(await browser.newContext(), srv.url, id, ana.token);
    await page.locator('[data-testid="object-list"] li[role="option"]').nth(1).waitFor();
    expect(await page.getByTestId('checks-filter').count()).toBe(0);
    await page.close();
    // Emptied, the default is back and so is the badge.
    await owner.getByTestId('check-duplicate-iou').fill('');
    await owner.getByTestId('check-duplicate-iou').blur();
    await badge.waitFor();
    expect((await storedChecks())?.thresholds).toBeUndefined();
    client.destroy();
    await owner.close();
  });

  it("the owner's speck rule says what a speck is: a road's second piece is none under 0.5%, on the list and in the editor, with no recount", async () => {
    // A road cut by a car into 6,000 px and 50 px (0.8%: a speck by the default 1%).
    const { id, client } = await imageWith('road.png', 'car', (d) => {
      for (let y = 100; y < 160; y++) for (let x = 20; x < 120; x++) d[y * W + x] = 1;
      for (let y = 100; y < 105; y++) for (let x = 130; x < 140; x++) d[y * W + x] = 1;
    });
    await waitFor(async () => (await checksOf('road.png'))?.specks === 1, 'the piece counted as a speck');
    const { owner, badge } = await ownerSeesBadge('road.png');
    await owner.getByTestId('check-speck-share').fill('0.5');
    await owner.getByTestId('check-speck-share').blur();
    await badge.waitFor({ state: 'detached' });
    await waitFor(async () => (await storedChecks())?.thresholds?.speckShare === 0.005, 'the rule stored');
    // The row was not counted again: the list applied the rule to the piece the row keeps.
    expect(await checksOf('road.png')).toMatchObject({ specks: 1, pieces: { car: [[6050, 50]] } });
    // Ana's editor has nothing to point out.
    const page = await openTask(await browser.newContext(), srv.url, id, ana.token);
    await page.locator('[data-testid="object-list"] li[role="option"]').first().waitFor();
    expect(await page.getByTestId('checks-filter').count()).toBe(0);
    await page.close();
    // 50 px and more: a speck again, whatever its share.
    await owner.getByTestId('check-speck-px').fill('51');
    await owner.getByTestId('check-speck-px').blur();
    await badge.waitFor();
    expect((await storedChecks())?.thresholds).toEqual({ speckShare: 0.005, speckPixels: 51 });
    await owner.getByTestId('check-speck-px').fill('1001');
    await owner.getByTestId('check-speck-px').blur();
    await owner.getByTestId('project-settings').getByRole('alert').waitFor();
    expect((await storedChecks())?.thresholds).toEqual({ speckShare: 0.005, speckPixels: 51 });
    client.destroy();
    await owner.close();
  });
});
