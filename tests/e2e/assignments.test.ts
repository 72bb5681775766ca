// Handing out work: the owner shares the tasks to do among two annotators on the project page and
// moves one by hand; each annotator's list shows theirs, and "Next to do" in the editor goes to
// their own next task, past the other's.
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Request } from 'playwright-core';
import type { InferencePool } from '../../server/inference/index';
import { setTaskStatus } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient } from '../helpers/yclient';
import { launch, openTask, shot, taskCard, waitFor } from './browser';

describe('task assignments', () => {
  let srv: TestServer;
  let browser: Browser;
  let owner: Page;
  let projectId: string;
  const tasks: string[] = [];
  let ana: { userId: string; token: string };
  let ben: { userId: string; token: string };

  beforeAll(async () => {
    srv = await startTestServer({ inference: true });
    const first = await srv.createProjectWithTask({ image: await makeImage(160, 120), taskName: 't1.png' });
    projectId = first.projectId;
    tasks.push(first.taskId);
    for (const name of ['t2.png', 't3.png', 't4.png']) {
      const t = await srv.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(160, 120), undefined, { 'content-type': 'image/png' });
      tasks.push(t.body.id);
    }
    ana = await srv.addMember(projectId, 'annotator', 'Ana');
    ben = await srv.addMember(projectId, 'annotator', 'Ben');
    browser = await launch();
    owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByTestId('task').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  const assignees = async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.map((t: { assignee: string | null }) => t.assignee);

  it('the owner distributes the tasks to do in turn, then gives one to the other by hand', async () => {
    const panel = owner.getByTestId('task-assignments');
    await panel.getByText('Share the 4 unassigned tasks to do among').waitFor();
    await panel.getByRole('button', { name: 'Distribute' }).click();
    await panel.getByRole('status').waitFor();
    expect(await assignees()).toEqual([ana.userId, ben.userId, ana.userId, ben.userId]);
    const select = (name: string) => taskCard(owner, name).getByTestId('task-assignee-select');
    await waitFor(async () => (await select('t2.png').inputValue()) === ben.userId, 'the card shows Ben');
    // t4 goes to Ana by hand.
    await select('t4.png').selectOption({ label: 'Ana' });
    await waitFor(async () => (await assignees())[3] === ana.userId, 't4 assigned to Ana');
    // How far each one is with theirs: Ana sends t1 to review.
    const progress = () => owner.getByTestId('assign-progress').locator('span').allTextContents();
    await waitFor(async () => (await progress()).join('|') === 'Ana 0/3|Ben 0/1', 'the progress per member');
    const review = connectClient(srv.wsUrl, `review:${tasks[0]}`, ana.token);
    await review.synced();
    setTaskStatus(review.doc, 'in_review', ana.userId);
    await waitFor(async () => (await progress()).join('|') === 'Ana 1/3|Ben 0/1', 'Ana one submitted');
    review.destroy();
    await shot(owner, 'assignments-1-owner');
  });

  it("an annotator's list shows theirs, and Next to do goes to their own next task", async () => {
    const ctx = await browser.newContext();
    const list = await ctx.newPage();
    await list.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(ana.token)}`);
    const mine = list.getByTestId('filter-mine');
    await mine.waitFor();
    expect(await mine.textContent()).toBe('Assigned to me 3');
    await mine.click();
    expect((await list.getByTestId('task').locator('.tname').allTextContents()).sort()).toEqual(['t1.png', 't3.png', 't4.png']);
    expect(await list.getByTestId('task-assignee').first().textContent()).toBe('Yours');

    // In the editor of t1: her next is t3, past Ben's t2. A worker loads t3 ahead meanwhile, so her
    // first click there does not wait for its decode.
    const page = await openTask(ctx, srv.url, tasks[0], ana.token);
    const pool = srv.server.inference as InferencePool;
    await waitFor(() => pool.workers().some((w) => w.holds.includes(tasks[2])), 'the worker to hold t3 ahead', 30_000);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toContain('tandem_inference_prefetch_ahead_total{outcome="loaded"} 1');
    await page.keyboard.press('Shift+PageDown');
    await page.waitForURL(`**/tasks/${tasks[2]}`);
    await shot(list, 'assignments-2-annotator-list');
  });

  it('for the other annotator, his own task comes first', async () => {
    const page = await openTask(await browser.newContext(), srv.url, tasks[0], ben.token);
    await page.getByTestId('next-open').click();
    await page.waitForURL(`**/tasks/${tasks[1]}`);
    // From his only task, no task of his is left and all the others are Ana's: nothing next.
    await page.waitForFunction(() => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-status') === 'saved');
    expect(await page.getByTestId('next-open').count()).toBe(0);
  });

  it('the owner gives the tasks a search shows to one member in one go, and takes them back', async () => {
    const search = owner.getByLabel('Find tasks by file name');
    await search.fill('t3');
    const pick = owner.getByTestId('assign-shown');
    await waitFor(async () => (await pick.locator('option').first().textContent()) === 'Assign this task to…', 'the menu for the one task shown');
    await pick.selectOption({ label: 'Ben (annotator)' });
    await owner.getByTestId('assign-shown-done').getByText('1 task assigned to Ben.').waitFor();
    expect(await assignees()).toEqual([ana.userId, ben.userId, ben.userId, ana.userId]);
    await shot(owner, 'assign-shown');
    await search.fill('t');
    expect(await pick.count()).toBe(0); // the whole project shown: nothing narrowed to act on
    await search.fill('t3');
    await owner.getByTestId('assign-shown').selectOption({ label: 'Nobody (unassign)' });
    await waitFor(async () => (await assignees())[2] === null, 't3 unassigned');
    await owner.getByTestId('assign-shown').selectOption({ label: 'Ana (annotator)' });
    await waitFor(async () => (await assignees())[2] === ana.userId, 't3 back with Ana');
    await search.fill('');
  });

  it('the owner gives Ben a new sign-in link: his old one stops working, the new one signs him in', async () => {
    owner.once('dialog', (d) => void d.accept());
    await owner.getByRole('button', { name: 'New sign-in link for Ben' }).click();
    const link = owner.getByTestId('share-link');
    await link.waitFor();
    await waitFor(async () => (await owner.getByText("Ben's new sign-in link").count()) === 1, 'the new link explained');
    await shot(owner, 'members-new-link');
    const token = new URL(await link.inputValue()).searchParams.get('token')!;
    expect(token).not.toBe(ben.token);
    expect((await srv.api('GET', '/api/me', undefined, ben.token)).status).toBe(401);
    const me = await srv.api('GET', '/api/me', undefined, token);
    expect(me.body.name).toBe('Ben');
    ben = { ...ben, token };
  });

  it('the owner takes Ben out: his tasks become unassigned and he is gone from the members', async () => {
    owner.once('dialog', (d) => void d.accept());
    await owner.getByRole('button', { name: 'Remove Ben' }).click();
    await waitFor(async () => (await assignees()).every((a: string | null) => a !== ben.userId), "Ben's tasks unassigned");
    expect(await assignees()).toEqual([ana.userId, null, ana.userId, ana.userId]);
    await waitFor(async () => (await owner.getByRole('button', { name: 'Remove Ben' }).count()) === 0, 'Ben gone from the members');
    expect((await srv.api('GET', `/api/projects/${projectId}/tasks`, undefined, ben.token)).status).toBe(403);
  });

  it('the owner deletes a task from its card, after saying yes', async () => {
    owner.once('dialog', (d) => void d.dismiss());
    await owner.getByRole('button', { name: 'Delete t4.png' }).click();
    expect((await srv.api('GET', `/api/projects/${projectId}/tasks`)).body).toHaveLength(4);
    owner.once('dialog', (d) => void d.accept());
    await owner.getByRole('button', { name: 'Delete t4.png' }).click();
    await waitFor(async () => (await owner.getByRole('button', { name: 'Delete t4.png' }).count()) === 0, 't4 gone from the list');
    expect((await srv.api('GET', `/api/projects/${projectId}/tasks`)).body.map((t: { name: string }) => t.name)).toEqual(['t1.png', 't2.png', 't3.png']);
  });

  it("the owner makes Ana a reviewer from the members list", async () => {
    await owner.getByRole('combobox', { name: 'Role of Ana' }).selectOption('reviewer');
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/members`)).body.find((m: { name: string }) => m.name === 'Ana')?.role === 'reviewer', 'Ana a reviewer');
  });

  it('a task sent to review is shared among the reviewers in one click', async () => {
    const review = connectClient(srv.wsUrl, `review:${tasks[1]}`, srv.adminToken);
    try {
      await review.synced();
      setTaskStatus(review.doc, 'in_review', 'admin');
      const stage = owner.getByTestId('assign-review');
      await stage.getByText('Share the 1 unassigned task in review among').waitFor();
      await stage.getByRole('button', { name: 'Distribute' }).click();
      await waitFor(async () => (await assignees())[1] === ana.userId, 't2 to Ana, now a reviewer');
    } finally {
      review.destroy();
    }
  });

  it("the owner imports a YOLO model's predictions (a zip of label files) and reads the report", async () => {
    const archive = zipSync({
      'preds/data.yaml': strToU8('names: [object, person]\n'),
      'preds/labels/t1.txt': strToU8('1 0.5 0.5 0.25 0.5\n1 0.1 0.1 0.05 0.05\n'),
      'preds/labels/gone.txt': strToU8('0 0.5 0.5 0.1 0.1\n'),
    });
    // Boxes as rectangles this time (the click model's masks are the default: the CVAT file's below).
    await owner.getByTestId('import-boxes').selectOption('rectangle');
    await owner.getByTestId('import-input').setInputFiles({ name: 'preds.zip', mimeType: 'application/zip', buffer: Buffer.from(archive) });
    // It would add a label and leave a file unmatched: a preview asks first, nothing written yet.
    const preview = owner.getByTestId('import-preview');
    await preview.waitFor();
    expect(await preview.textContent()).toMatch(/Will import 2 objects into 1 task\.\s*New labels: person\..*No task for 1 label file: preds\/labels\/gone\.txt.*2 boxes to import as rectangles\./s);
    expect((await srv.api('GET', `/api/projects/${projectId}`)).body.labels.map((l: { name: string }) => l.name)).toEqual(['object']);
    await preview.scrollIntoViewIfNeeded();
    await shot(owner, 'import-preview');
    // The import names the file its preview kept: uploaded once.
    const sent: Array<{ method: string; url: string; bytes: number }> = [];
    const note = (r: Request) => void (/\/import/.test(r.url()) && sent.push({ method: r.method(), url: r.url(), bytes: r.postDataBuffer()?.length ?? 0 }));
    owner.on('request', note);
    await owner.getByTestId('import-confirm').click();
    const report = owner.getByTestId('import-report');
    await report.waitFor();
    expect(sent.map((r) => [r.method, /[?&]preview=\d+-[0-9a-f]+/.test(r.url), r.bytes])).toEqual([['POST', true, 0]]);
    expect(await preview.count()).toBe(0);
    expect(await report.textContent()).toMatch(/Imported 2 objects into 1 task\.\s*New labels: person\..*No task for 1 label file: preds\/labels\/gone\.txt.*2 boxes imported as rectangles\./s);
    await shot(owner, 'import-yolo');
    // And out again as a dataset that trains as downloaded: YOLO with the images in the zip.
    await owner.getByTestId('export-format').selectOption('yolo');
    await owner.getByTestId('export-images').check();
    const href = await owner.getByTestId('export-link').getAttribute('href');
    expect(href).toMatch(/format=yolo.*images=true/);
    const zipped = unzipSync(new Uint8Array(await (await fetch(new URL(href!, srv.url))).arrayBuffer()));
    expect(Object.keys(zipped).filter((k) => k.startsWith('images/')).sort()).toEqual(['images/t1.png', 'images/t2.png', 'images/t3.png']);
    expect(strFromU8(zipped['labels/t1.txt']).trim().split('\n')).toHaveLength(2);
    const coco = await srv.api('GET', `/api/tasks/${tasks[0]}/export?format=coco`);
    expect(coco.body.annotations.map((a: { bbox: number[] }) => a.bbox)).toEqual(expect.arrayContaining([[60, 30, 40, 60]]));
 
    // Another tool's masks: a zip of PNGs, one object each, the folder naming the label.
    const mask = await sharp(Buffer.alloc(160 * 120, 255), { raw: { width: 160, height: 120, channels: 1 } }).png().toBuffer();
    const masks = zipSync({ 'masks/person/t2_1.png': mask, 'masks/gone_1.png': mask });
    // A mask matches no task: asked first. Cancel writes nothing; the same file again, then Import.
    await owner.getByTestId('import-input').setInputFiles({ name: 'masks.zip', mimeType: 'application/zip', buffer: Buffer.from(masks) });
    await owner.getByTestId('import-cancel').click();
    expect(await owner.getByTestId('import-preview').count()).toBe(0);
    await waitFor(() => sent.some((r) => r.method === 'DELETE' && /\/import\/previews\//.test(r.url)), 'the kept file dropped');
    owner.off('request', note);
    expect((await srv.api('GET', `/api/tasks/${tasks[1]}/export?format=coco`)).body.annotations).toEqual([]);
    await owner.getByTestId('import-input').setInputFiles({ name: 'masks.zip', mimeType: 'application/zip', buffer: Buffer.from(masks) });
    await owner.getByTestId('import-confirm').click();
    await waitFor(async () => /Imported 1 object into 1 task\..*No task for 1 mask: masks\/gone_1\.png/s.test((await report.textContent()) ?? ''), 'the mask import report');
    const t2 = await srv.api('GET', `/api/tasks/${tasks[1]}/export?format=coco`);
    expect(t2.body.annotations.map((a: { bbox: number[] }) => a.bbox)).toEqual([[0, 0, 160, 120]]);
    // A team leaving CVAT: its annotations.xml, a polygon imported, a box made a mask by the click
    // model after the import (the default), followed in the pre-labelling panel; a line counted.
    await owner.getByTestId('import-boxes').selectOption('segment');
    const cvat = `<?xml version="1.0" encoding="utf-8"?><annotations><version>1.1</version><image id="2" name="images/t3.png" width="160" height="120"><polygon label="person" occluded="0" points="10,10;50,10;50,60;10,60" z_order="0"></polygon><box label="person" xtl="60" ytl="10" xbr="90" ybr="40" z_order="0"></box><polyline label="person" points="1,1;5,5" z_order="0"></polyline></image></annotations>`;
    await owner.getByTestId('import-input').setInputFiles({ name: 'annotations.xml', mimeType: 'text/xml', buffer: Buffer.from(cvat) });
    await waitFor(async () => /Imported 1 object into 1 task\..*1 shape that is not a mask.*1 box of 1 image given to the click model: the masks appear in the tasks as it goes \(its progress is under Pre-labelling\)/s.test((await report.textContent()) ?? ''), 'the CVAT import report');
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/prelabel`)).body.state === 'done', 'the box run to end', 60_000);
    const panel = owner.getByTestId('prelabel');
    if (!(await panel.evaluate((d) => (d as HTMLDetailsElement).open ?? true))) await panel.locator('summary').click();
    await waitFor(async () => /Done: 1 \/ 1 images, 1 mask of 1 imported box made/.test((await owner.getByTestId('prelabel-status').textContent()) ?? ''), 'the panel to say the box run ended');
    await shot(owner, 'import-cvat-boxes');
    const t3 = await srv.api('GET', `/api/tasks/${tasks[2]}/export?format=coco`);
    const [polygon, fromBox] = t3.body.annotations.map((a: { bbox: number[] }) => a.bbox);
    expect(polygon).toEqual([10, 10, 40, 50]);
    // The box's mask lies inside the box (60, 10) to (90, 40), give or take the 3% it may reach past it.
    const [x, y, w, h] = fromBox;
    expect([x >= 59, y >= 9, x + w <= 91, y + h <= 41, w * h > 0]).toEqual([true, true, true, true, true]);
    // And one leaving Label Studio: its JSON export (a polygon in percent of the image).
    const ls = [{ data: { image: '/data/upload/1/0a1b2c3d-t1.png' }, annotations: [{ result: [{ id: 'p', type: 'polygonlabels', from_name: 'label', to_name: 'image', original_width: 160, original_height: 120, value: { points: [[25, 25], [75, 25], [75, 75], [25, 75]], polygonlabels: ['person'] } }] }] }];
    await owner.getByTestId('import-input').setInputFiles({ name: 'project-1.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(ls)) });
    await waitFor(async () => /Imported 1 object into 1 task\./.test((await report.textContent()) ?? '') && !/not a mask/.test((await report.textContent()) ?? ''), 'the Label Studio import report');
    const t1 = await srv.api('GET', `/api/tasks/${tasks[0]}/export?format=coco`);
    expect(t1.body.annotations.map((a: { bbox: number[] }) => a.bbox)).toContainEqual([40, 30, 80, 60]);
    // A file naming the project's "person" "Persons": the preview proposes taking it as person, and Import does.
    const persons = { images: [{ id: 1, file_name: 't2.png', width: 160, height: 120 }], categories: [{ id: 1, name: 'Persons' }], annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: [[100, 10, 150, 10, 150, 50]] }] };
    /** Drops a JSON file whose label `fileLabel` the preview proposes to take as `proposed`, and imports it so. */
    const importMapped = async (name: string, file: unknown, fileLabel: string, proposed: string) => {
      await owner.getByTestId('import-input').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
      const mapping = owner.getByTestId('import-label-map').getByRole('combobox', { name: `Import ${fileLabel} as` });
      await mapping.waitFor();
      expect(await mapping.inputValue()).toBe(proposed);
      await owner.getByTestId('import-confirm').click();
      await waitFor(async () => /Imported 1 object into 1 task\./.test((await report.textContent()) ?? ''), `the ${name} import report`);
    };
    await importMapped('persons.json', persons, 'Persons', 'person');
    expect((await srv.api('GET', `/api/projects/${projectId}`)).body.labels.map((l: { name: string }) => l.name)).toEqual(['object', 'person']);
    const t2now = await srv.api('GET', `/api/tasks/${tasks[1]}/export?format=coco`);
    expect(t2now.body.categories.map((c: { name: string }) => c.name)).toEqual(['object', 'person']);
    expect(t2now.body.annotations).toHaveLength(2);
    // And one leaving Kili: its raw export (a semantic mask with a hole; its class PERSON, taken as person).
    const sq = (x0: number, y0: number, x1: number, y1: number) => ({ normalizedVertices: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(([x, y]) => ({ x, y })) });
    const kili = [{ externalId: 't3.png', content: 'https://cloud.kili-technology.com/t3.png', latestLabel: { jsonResponse: { OBJECTS: { annotations: [{ type: 'semantic', mid: 'm1', categories: [{ name: 'PERSON' }], boundingPoly: [sq(0.5, 0.5, 1, 1), sq(0.7, 0.7, 0.8, 0.8)], children: {} }] } } } }];
    await importMapped('kili.json', kili, 'PERSON', 'person');
    const t3now = await srv.api('GET', `/api/tasks/${tasks[2]}/export?format=coco`);
    const kiliMask = t3now.body.annotations.at(-1);
    // A 80x60 square less its 16x12 hole, on the 160x120 image.
    expect([kiliMask.bbox, kiliMask.area]).toEqual([[80, 60, 80, 60], 80 * 60 - 16 * 12]);
    // The analytics follow what became of the imported objects and of the box's mask, apart from people's work.
    await owner.goto(`${srv.url}/projects/${projectId}/analytics?token=${encodeURIComponent(srv.adminToken)}`);
    const boxes = owner.getByTestId('analytics-box-masks');
    await boxes.waitFor();
    expect(await boxes.locator('tr.total td').allTextContents()).toEqual(['all', '1', '1 100%', '0', '–', '0', '0 0%']);
    expect(await owner.getByTestId('analytics-imports').locator('tr.total td').first().textContent()).toBe('all');
    await owner.getByTestId('analytics-imports').scrollIntoViewIfNeeded();
    await shot(owner, 'analytics-imports');
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByTestId('dataset-buttons').waitFor();
    // The owner undoes the imports: every imported object here is untouched, so every one goes.
    owner.once('dialog', (d) => void d.accept());
    await owner.getByTestId('import-undo').click();
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/prelabel`)).body.state === 'done', 'the withdrawal to end', 30_000);
    for (const t of tasks.slice(0, 3)) expect((await srv.api('GET', `/api/tasks/${t}/export?format=coco`)).body.annotations).toEqual([]);
    // Reloaded: the panel is closed again.
    if (!(await panel.evaluate((d) => (d as HTMLDetailsElement).open ?? true))) await panel.locator('summary').click();
    await waitFor(async () => /untouched imported objects removed/.test((await owner.getByTestId('prelabel-status').textContent()) ?? ''), 'the panel to say the imports were undone');
  });

  it('the owner moves the imported label to the top of the list: Shift+1 picks it from now on', async () => {
    const labels = owner.getByTestId('labels-editor');
    await labels.getByRole('button', { name: 'Move person up' }).click();
    await labels.getByRole('button', { name: 'Save labels' }).click();
    await labels.getByText('Saved.').waitFor();
    const project = await srv.api('GET', `/api/projects/${projectId}`);
    expect(project.body.labels.map((l: { name: string }) => l.name)).toEqual(['person', 'object']);
    expect(await labels.getByRole('button', { name: 'Move person up' }).isDisabled()).toBe(true);
  });

  it('the owner deletes the whole project, after saying yes, and lands on the projects page', async () => {
    owner.once('dialog', (d) => void d.accept());
    await owner.getByRole('button', { name: 'Delete project' }).click();
    await owner.waitForURL(`${srv.url}/`);
    expect((await srv.api('GET', `/api/projects/${projectId}`)).status).toBe(404);
    expect((await srv.api('GET', `/api/tasks/${tasks[0]}`)).status).toBe(404);
  });
});
