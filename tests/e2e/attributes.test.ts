// Label attributes in the browser: the owner adds one on the project page, the annotator sets the
// selected object's attributes in the object list (a value out of range is refused and not
// kept), a QA lead on the same image sees them live and cannot change them, undo takes back one
// change, and the export says what the editor showed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createObject, listObjects } from '../../shared/schema/annotation';
import { readImageAttributes } from '../../shared/schema/imageAttributes';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { clickImage, launch, openTask, screenAt, shot, taskCard, waitFor } from './browser';

describe('label attributes in the editor', () => {
  let srv: TestServer;
  let browser: Browser;
  let ana: Page;
  let qa: Page;
  let projectId: string;
  let taskId: string;
  let watcher: YClient;
  let anaToken: string;

  beforeAll(async () => {
    srv = await startTestServer();
    const labels = [
      {
        name: 'car',
        color: '#3b82f6',
        attributes: [
          { name: 'occluded', type: 'checkbox' },
          { name: 'colour', type: 'select', options: ['red', 'blue'] },
          { name: 'plate', type: 'text' },
          { name: 'doors', type: 'number', min: 2, max: 5 },
        ],
      },
    ];
    ({ projectId, taskId } = await srv.createProjectWithTask({ image: await makeImage(320, 240), taskName: 'street.png', labels: labels as never }));
    const a = await srv.addMember(projectId, 'annotator', 'Ana');
    anaToken = a.token;
    const q = await srv.addMember(projectId, 'qa', 'Quinn');
    watcher = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
    await watcher.synced();
    browser = await launch();
    ana = await openTask(await browser.newContext(), srv.url, taskId, a.token);
    qa = await openTask(await browser.newContext(), srv.url, taskId, q.token);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    watcher?.destroy();
    await srv?.close();
  });

  const attrs = () => listObjects(watcher.doc)[0]?.attributes ?? {};
  const field = (page: Page, name: string) => page.getByTestId('object-attributes').getByLabel(name);

  it("sets the new polygon's attributes from the object list; a number out of range is refused", async () => {
    await ana.keyboard.press('g');
    for (const [x, y] of [[40, 40], [200, 40], [200, 180]] as Array<[number, number]>) await clickImage(ana, x, y);
    await ana.keyboard.press('Enter');
    await waitFor(() => listObjects(watcher.doc).length === 1, 'the polygon on the server');
    // The new object is selected: its attributes show with their defaults.
    expect(await field(ana, 'occluded').isChecked()).toBe(false);
    expect(await field(ana, 'colour').inputValue()).toBe('red');
    expect(await field(ana, 'doors').inputValue()).toBe('2');

    await field(ana, 'occluded').check();
    await field(ana, 'colour').selectOption('blue');
    await field(ana, 'plate').fill('AB 123');
    await field(ana, 'plate').press('Enter');
    await waitFor(() => attrs().plate === 'AB 123', 'the plate on the server');
    await field(ana, 'doors').fill('9');
    await field(ana, 'doors').press('Enter');
    await ana.getByRole('alert').filter({ hasText: 'doors' }).waitFor();
    expect(await field(ana, 'doors').inputValue()).toBe('2');
    await field(ana, 'doors').fill('3');
    await field(ana, 'doors').press('Enter');
    await waitFor(() => attrs().doors === 3, 'three doors on the server');
    expect(attrs()).toEqual({ occluded: true, colour: 'blue', plate: 'AB 123', doors: 3 });
    await shot(ana, 'attributes-1-annotator');
  });

  it('shows them live to the QA lead, who cannot change them', async () => {
    // Not selected: the values that differ from the defaults, in one line.
    await waitFor(async () => (await qa.getByTestId('attribute-line').textContent().catch(() => null)) === 'occluded · colour blue · plate AB 123 · doors 3', 'the line of values');
    await qa.locator('[data-testid="object-list"] li[role="option"]').first().click();
    await waitFor(async () => (await field(qa, 'doors').inputValue()) === '3', 'the QA lead sees three doors');
    expect(await field(qa, 'occluded').isChecked()).toBe(true);
    expect(await field(qa, 'colour').inputValue()).toBe('blue');
    expect(await field(qa, 'plate').inputValue()).toBe('AB 123');
    expect(await field(qa, 'occluded').isDisabled()).toBe(true);
    await shot(qa, 'attributes-2-qa');
  });

  it("undo takes back the annotator's last attribute change only", async () => {
    await ana.locator('canvas').first().hover();
    await ana.keyboard.press('Control+z');
    await waitFor(() => attrs().doors === undefined, 'the doors change undone');
    expect(attrs()).toEqual({ occluded: true, colour: 'blue', plate: 'AB 123' });
    await waitFor(async () => (await field(qa, 'doors').inputValue()) === '2', 'the QA lead sees the default again');
  });

  it("the object's history lists an attribute change with the values", async () => {
    await qa.getByRole('tab', { name: 'History' }).click();
    const latest = qa.getByTestId('version').first();
    const text = () => latest.getByTestId('version-attributes').textContent({ timeout: 500 }).catch(() => null);
    // Everything so far settled as one version (the server records an object once edits pause).
    await waitFor(async () => (await text()) === 'occluded, colour blue, plate AB 123, doors 2', 'the first version', 20_000);
    await field(ana, 'occluded').uncheck();
    await waitFor(async () => (await text()) === 'colour blue, plate AB 123, doors 2', 'the version without occluded', 20_000);
    expect(await latest.textContent()).toContain('Attributes changed');
    expect(await qa.getByTestId('version').count()).toBe(2);
    await shot(qa, 'attributes-3-history');
  });

  it('Alt+1..9 flips a checkbox and steps through a choice of the selected object', async () => {
    await ana.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await ana.keyboard.press('Alt+Digit1');
    await waitFor(() => attrs().occluded === true, 'occluded by Alt+1');
    await ana.keyboard.press('Alt+Digit2');
    await waitFor(() => attrs().colour === 'red', 'the next colour (wrapping) by Alt+2');
    await ana.keyboard.press('Alt+Digit2');
    await ana.keyboard.press('Alt+Digit1');
    await waitFor(() => attrs().colour === 'blue' && attrs().occluded === false, 'both back');
  });

  it('Alt+3 / Alt+4 put the keys in the text and number fields: Enter applies, Escape leaves the value as it was', async () => {
    await ana.keyboard.press('Alt+Digit3');
    await ana.keyboard.type('XY 987');
    await ana.keyboard.press('Enter');
    await waitFor(() => attrs().plate === 'XY 987', 'the plate typed after Alt+3');
    // The keys are the canvas's again: Alt+1 flips the checkbox.
    await ana.keyboard.press('Alt+Digit1');
    await waitFor(() => attrs().occluded === true, 'occluded by Alt+1 after Enter');
    await ana.keyboard.press('Alt+Digit4');
    await ana.keyboard.type('4');
    await ana.keyboard.press('Escape');
    expect(await field(ana, 'doors').inputValue()).toBe('2');
    await ana.keyboard.press('Alt+Digit4');
    await ana.keyboard.type('3');
    await ana.keyboard.press('Enter');
    await waitFor(() => attrs().doors === 3, 'doors typed after Alt+4');
    expect(attrs().plate).toBe('XY 987');
    await ana.keyboard.press('Alt+Digit1');
    await waitFor(() => attrs().occluded === false, 'occluded back');
  });

  it('Z zooms to the selected object and F back to the whole image; a double click in the list zooms too', async () => {
    const cam = () => ana.evaluate(() => (window as any).__tandem.camera() as { x: number; y: number; scale: number });
    const box = (await ana.locator('[data-testid="canvas"] canvas').boundingBox())!;
    /** The image point at the middle of the view. */
    const centre = async () => {
      const c = await cam();
      return [(box.width / 2 - c.x) / c.scale, (box.height / 2 - c.y) / c.scale];
    };
    const whole = await cam();
    await ana.keyboard.press('z');
    await waitFor(async () => (await cam()).scale > whole.scale * 1.05, 'zoomed in on the triangle');
    // The triangle (40,40)-(200,40)-(200,180) is centred: its box's middle is (120, 110).
    const [cx, cy] = await centre();
    expect(Math.abs(cx - 120)).toBeLessThan(2);
    expect(Math.abs(cy - 110)).toBeLessThan(2);
    await ana.keyboard.press('f');
    await waitFor(async () => Math.abs((await cam()).scale - whole.scale) < 1e-6, 'the whole image again');
    // A double click in the plate field selects a word there and zooms nowhere; on the row it zooms.
    await field(ana, 'plate').dblclick();
    expect((await cam()).scale).toBeCloseTo(whole.scale, 6);
    await ana.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await ana.locator('[data-testid="object-list"] li[role="option"] .n').first().dblclick();
    await waitFor(async () => (await cam()).scale > whole.scale * 1.05, 'zoomed in by the double click');
    await ana.keyboard.press('f');
    await waitFor(async () => Math.abs((await cam()).scale - whole.scale) < 1e-6, 'the whole image again');
    // + and - zoom about the middle of the view: what is in the middle stays there.
    const before = await centre();
    await ana.keyboard.press('+');
    await waitFor(async () => Math.abs((await cam()).scale - whole.scale * 1.25) < 1e-6, 'zoomed in by +');
    const after = await centre();
    expect(Math.hypot(after[0] - before[0], after[1] - before[1])).toBeLessThan(0.5);
    await ana.keyboard.press('-');
    await waitFor(async () => Math.abs((await cam()).scale - whole.scale) < 1e-6, 'zoomed back out by -');
    expect(attrs().plate).toBe('XY 987');
  });

  it('Shift+H hides every mask in this view only, and brings them back', async () => {
    await ana.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const inside = async () => (await screenAt(ana))(170, 60); // inside the triangle, outside the yellow box
    const withMask = await inside();
    await ana.keyboard.press('Shift+H');
    await waitFor(async () => (await inside()).join() !== withMask.join(), 'the mask gone from the view');
    expect(await ana.getByTestId('masks-shown').isChecked()).toBe(false);
    expect(listObjects(watcher.doc)[0].hidden).toBeFalsy(); // nobody else's view changes
    await waitFor(async () => ((await screenAt(qa))(170, 60)).then((c) => c.join() === withMask.join()), "the QA lead's view unchanged");
    await ana.keyboard.press('Shift+H');
    await waitFor(async () => (await inside()).join() === withMask.join(), 'the mask back');
  });

  it('merges a second polygon into the car and splits it again from the object list; undo takes both back', async () => {
    const first = listObjects(watcher.doc)[0].id;
    await ana.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await ana.keyboard.press('Escape');
    await ana.keyboard.press('g');
    for (const [x, y] of [[240, 160], [300, 160], [300, 220]] as Array<[number, number]>) await clickImage(ana, x, y);
    await ana.keyboard.press('Enter');
    await waitFor(() => listObjects(watcher.doc).length === 2, 'the second polygon on the server');
    await ana.locator(`[data-testid="object-list"] li[data-object-id="${first}"]`).click();
    await shot(ana, 'attributes-merge-before');
    await ana.getByRole('combobox', { name: 'Merge another object into #1' }).selectOption({ label: '#2 car' });
    await waitFor(() => listObjects(watcher.doc).length === 1, 'merged into one object');
    const merged = listObjects(watcher.doc)[0];
    expect([merged.id, merged.source, merged.attributes?.plate]).toEqual([first, 'merge', 'XY 987']);
    await shot(ana, 'attributes-merge-after');
    await ana.getByRole('button', { name: 'Split parts' }).click();
    await waitFor(() => listObjects(watcher.doc).length === 2, 'split into two objects');
    expect(listObjects(watcher.doc).map((o) => o.attributes?.plate)).toEqual(['XY 987', 'XY 987']);
    await ana.locator('canvas').first().hover();
    for (let i = 0; i < 3; i++) await ana.keyboard.press('Control+z'); // the split, the merge, the second polygon
    await waitFor(() => listObjects(watcher.doc).length === 1 && listObjects(watcher.doc)[0].source !== 'merge', 'back to the one car');
    await ana.locator(`[data-testid="object-list"] li[data-object-id="${first}"]`).click();
  });

  it('the project page adds an attribute to a label, and the export carries the values', async () => {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    const editor = owner.getByTestId('labels-editor');
    await editor.getByRole('button', { name: 'Attributes (4)' }).click();
    await editor.getByRole('button', { name: 'Add attribute' }).click();
    await editor.getByLabel('Attribute name').last().fill('truncated');
    await editor.getByRole('button', { name: 'Save labels' }).click();
    await editor.getByText('Saved.').waitFor();
    expect(await editor.getByLabel('Attribute name').count()).toBe(5); // still open after the save
    const project = await srv.api('GET', `/api/projects/${projectId}`);
    expect(project.body.labels[0].attributes.map((a: { name: string }) => a.name)).toEqual(['occluded', 'colour', 'plate', 'doors', 'truncated']);

    const coco = await srv.api('GET', `/api/tasks/${taskId}/export?format=coco`);
    expect(coco.body.annotations[0].attributes).toMatchObject({ occluded: false, colour: 'blue', plate: 'XY 987', doors: 3, truncated: false });
    await shot(owner, 'attributes-4-labels');
  });

  it('renaming the label on the project page renames its objects, which keep their attributes', async () => {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    const editor = owner.getByTestId('labels-editor');
    await editor.getByLabel('Label name').first().fill('vehicle');
    await editor.getByRole('button', { name: 'Save labels' }).click();
    await editor.getByText('Saved.').waitFor();
    await waitFor(() => listObjects(watcher.doc)[0]?.label === 'vehicle', 'the object relabelled');
    expect(attrs()).toMatchObject({ colour: 'blue', plate: 'XY 987' });
    const project = await srv.api('GET', `/api/projects/${projectId}`);
    expect(project.body.labels.map((l: { name: string }) => l.name)).toEqual(['vehicle']);
    // Her open editor takes the new labels when its window comes back into focus: the object's
    // attributes show under the new name.
    await ana.evaluate(() => window.dispatchEvent(new Event('focus')));
    await waitFor(async () => (await ana.locator('[data-testid="object-list"] select[aria-label="Label"]').first().inputValue()) === 'vehicle', 'vehicle in her list');
    await waitFor(async () => (await field(ana, 'plate').inputValue().catch(() => null)) === 'XY 987', 'the attributes under the new name');
  });

  it("the owner defines the image's own attributes; the annotator sets them in the Image panel, the QA lead sees them live, undo takes one back, the export carries them", async () => {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    const card = owner.getByTestId('image-attributes-editor');
    await card.getByRole('button', { name: 'Add attribute' }).click();
    await card.getByLabel('Attribute name').last().fill('weather');
    await card.getByLabel('Attribute type').last().selectOption('select');
    await card.getByLabel('Options of weather').fill('clear, rain, snow');
    await card.getByRole('button', { name: 'Add attribute' }).click();
    await card.getByLabel('Attribute name').last().fill('night');
    await card.getByRole('button', { name: 'Save image attributes' }).click();
    await card.getByText('Saved.').waitFor();
    expect((await srv.api('GET', `/api/projects/${projectId}`)).body.settings.imageAttributes).toEqual([
      { name: 'weather', type: 'select', options: ['clear', 'rain', 'snow'] },
      { name: 'night', type: 'checkbox' },
    ]);
    await shot(owner, 'image-attributes-project');
    // Open editors take them when their window comes back into focus.
    for (const p of [ana, qa]) await p.evaluate(() => window.dispatchEvent(new Event('focus')));
    const image = (page: Page) => page.getByTestId('image-attributes');
    await image(ana).getByLabel('weather').waitFor();
    expect(await image(ana).getByLabel('weather').inputValue()).toBe('clear');
    await image(ana).getByLabel('weather').selectOption('rain');
    await image(ana).getByLabel('night').check();
    await waitFor(() => readImageAttributes(watcher.doc).night === true, 'the values on the server');
    expect(readImageAttributes(watcher.doc)).toEqual({ weather: 'rain', night: true });
    // Two changes, two updates: the QA lead may see the first before the second.
    await waitFor(async () => (await image(qa).getByLabel('weather').inputValue().catch(() => null)) === 'rain', "rain in the QA lead's panel");
    await waitFor(() => image(qa).getByLabel('night').isChecked().catch(() => false), "night in the QA lead's panel");
    expect(await image(qa).getByLabel('night').isDisabled()).toBe(true);
    // The QA lead sees on hover who set it.
    await waitFor(async () => ((await image(qa).locator('[data-attr="weather"]').getAttribute('title')) ?? '').startsWith('set by Ana'), 'who set the weather');
    // Undo takes back her last change (night), not the weather. (The history's state with night is
    // recorded first: reading it records what the room has.)
    await srv.api('GET', `/api/tasks/${taskId}/image/history`);
    await ana.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await ana.locator('canvas').first().hover();
    await ana.keyboard.press('Control+z');
    await waitFor(() => readImageAttributes(watcher.doc).night === undefined, 'night undone');
    expect(readImageAttributes(watcher.doc)).toEqual({ weather: 'rain' });
    expect(await image(ana).getByLabel('night').isChecked()).toBe(false);
    await shot(ana, 'image-attributes-editor');
    // The QA lead's History lists the image's values as they went, newest first: night taken back
    // by Ana's undo, before it Ana's weather and night.
    await qa.getByTestId('image-attributes-history-toggle').click();
    const lines = qa.getByTestId('image-attributes-history').locator('li');
    await lines.first().waitFor();
    expect(await lines.allTextContents()).toEqual([expect.stringMatching(/ · Ana: night back to its default$/), expect.stringMatching(/ · Ana: night yes, weather rain$/)]);
    await shot(qa, 'image-attributes-history');
    const coco = await srv.api('GET', `/api/tasks/${taskId}/export?format=coco`);
    expect(coco.body.images[0].attributes).toEqual({ weather: 'rain', night: false });
    // The task list finds the image by them (the row follows the room once edits settle).
    await waitFor(async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body[0].imageAttributes?.weather === 'rain', 'the row to follow');
    await owner.reload();
    const filter = owner.getByTestId('label-filter');
    const imageOptions = filter.locator('optgroup[label="Image"] option');
    await waitFor(async () => (await imageOptions.count()) > 0, 'the list loaded');
    expect(await imageOptions.allTextContents()).toEqual(['weather: clear (0)', 'weather: rain (1)', 'weather: snow (0)', 'night (0)', 'not night (1)']);
    await filter.selectOption({ label: 'weather: rain (1)' });
    await waitFor(async () => (await owner.getByTestId('task').allTextContents()).some((t) => t.includes('street.png')), 'the rainy image listed');
    await shot(owner, 'image-attributes-filter');
    await filter.selectOption({ label: 'night (0)' });
    await waitFor(async () => (await owner.getByTestId('task').count()) === 0, 'no night image listed');
  });

  it('the owner sets an image attribute on the images a search shows, in one go; the list counts them at once', async () => {
    const add = async (name: string) => (await srv.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(64, 48), undefined, { 'content-type': 'image/png' })).body.id as string;
    const b1 = await add('bridge_1.png');
    const b2 = await add('bridge_2.png');
    const owner = await (await browser.newContext()).newPage();
    owner.on('dialog', (d) => void d.accept());
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByLabel('Find tasks by file name').fill('bridge');
    const tag = owner.getByTestId('tag-shown');
    await waitFor(async () => ((await tag.locator('option').first().textContent()) ?? '').includes('for these 2'), 'the two bridges shown');
    await tag.selectOption({ label: 'night: yes' });
    await owner.getByTestId('tag-shown-done').getByText('Set night to yes on 2 images.').waitFor();
    // Each card says what its image has besides the defaults.
    await waitFor(async () => (await owner.getByTestId('task-image-attributes').allTextContents()).join('|') === 'night|night', 'night on both cards');
    await shot(owner, 'image-attributes-tag-shown');
    const night = async (id: string) => {
      const c = connectClient(srv.wsUrl, `task:${id}`, srv.adminToken);
      try {
        await c.synced();
        return readImageAttributes(c.doc).night;
      } finally {
        c.destroy();
      }
    };
    expect([await night(b1), await night(b2), await night(taskId)]).toEqual([true, true, undefined]);
    // The filter counts them before the rows are re-read.
    await owner.getByLabel('Find tasks by file name').fill('');
    const options = owner.getByTestId('label-filter').locator('optgroup[label="Image"] option');
    expect(await options.allTextContents()).toContain('night (2)');
    expect(await owner.getByTestId('task-image-attributes').allTextContents()).toEqual(['rain', 'night', 'night']);

    // The next frame in Ana's tab: "Same as street.png" makes its values the last image's (rain,
    // no night) in one undo step.
    await ana.goto(`${srv.url}/tasks/${b1}?token=${encodeURIComponent(anaToken)}`);
    const same = ana.getByTestId('image-attributes-same');
    await same.waitFor();
    expect(await same.textContent()).toBe('Same as street.png');
    expect(await same.getAttribute('title')).toBe('street.png: weather: rain, night: no');
    const frame = connectClient(srv.wsUrl, `task:${b1}`, srv.adminToken);
    try {
      await frame.synced();
      await shot(ana, 'image-attributes-same-as-last');
      await same.click();
      await waitFor(() => readImageAttributes(frame.doc).weather === 'rain', 'rain on the next frame');
      expect(readImageAttributes(frame.doc)).toEqual({ weather: 'rain' });
      await ana.getByTestId('image-attributes-same').waitFor({ state: 'detached' });
      await ana.locator('canvas').first().hover();
      await ana.keyboard.press('Control+z');
      await waitFor(() => readImageAttributes(frame.doc).night === true, 'the copy undone');
      expect(readImageAttributes(frame.doc)).toEqual({ night: true });
    } finally {
      frame.destroy();
    }
  });

  it('a required image attribute stops the submit until it is set; choosing the default counts', async () => {
    // Ana is on bridge_1 (night, no weather). The owner makes weather required on the project page.
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    const card = owner.getByTestId('image-attributes-editor');
    await card.getByLabel('weather required').check();
    await card.getByRole('button', { name: 'Save image attributes' }).click();
    await card.getByText('Saved.').waitFor();
    expect((await srv.api('GET', `/api/projects/${projectId}`)).body.settings.imageAttributes[0]).toEqual({ name: 'weather', type: 'select', options: ['clear', 'rain', 'snow'], required: true });
    await ana.evaluate(() => window.dispatchEvent(new Event('focus')));
    const weather = ana.getByTestId('image-attributes').locator('[data-attr="weather"]');
    await waitFor(async () => (await weather.getAttribute('data-missing')) !== null, 'weather marked as missing');
    const status = async () => ((await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ name: string; status: string }>).find((t) => t.name === 'bridge_1.png')!.status;
    await ana.locator('canvas').first().hover();
    await ana.keyboard.press('Control+Enter');
    await ana.getByTestId('toast').getByText('Set before submitting: weather (the image)').waitFor();
    await shot(ana, 'image-attributes-required');
    expect(await status()).toBe('todo');
    // Alt+1 with no object selected is the image's first attribute: a required choice not made
    // takes the first option, clear, which is its default too: chosen, it is set.
    await ana.locator('canvas').first().hover();
    await ana.keyboard.press('Alt+Digit1');
    await waitFor(async () => (await weather.getAttribute('data-missing')) === null, 'weather set');
    expect(await ana.getByTestId('image-attributes').getByLabel('weather').inputValue()).toBe('clear');
    // Again: the next option.
    await ana.keyboard.press('Alt+Digit1');
    await waitFor(async () => (await ana.getByTestId('image-attributes').getByLabel('weather').inputValue()) === 'rain', 'the next option');
    await ana.locator('canvas').first().hover();
    await ana.keyboard.press('Control+Enter');
    await waitFor(async () => (await status()) === 'in_review', 'bridge_1 in review');
  });

  it("a label's required attribute stops the submit until each object has it: the first such object is selected, and 'no' sets a checkbox", async () => {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    const editor = owner.getByTestId('labels-editor');
    await editor.getByRole('button', { name: 'Attributes (5)' }).click();
    await editor.getByLabel('truncated required').check();
    await editor.getByRole('button', { name: 'Save labels' }).click();
    await editor.getByText('Saved.').waitFor();
    expect((await srv.api('GET', `/api/projects/${projectId}`)).body.labels[0].attributes[4]).toEqual({ name: 'truncated', type: 'checkbox', required: true });
    // The project page finds what the rules leave unset, with no task counted again: street.png's
    // vehicle (truncated), bridge_2's image (weather, required since the test before; bridge_1's
    // weather, set just before, once its row follows).
    const rows = async () => (await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ name: string; imageAttributes: Record<string, unknown> | null }>;
    await waitFor(async () => (await rows()).find((t) => t.name === 'bridge_1.png')!.imageAttributes?.weather === 'rain', "bridge_1's row to follow");
    await owner.reload();
    const unset = owner.getByTestId('filter-unset');
    await unset.waitFor();
    expect(await unset.textContent()).toBe('Required unset 2');
    await unset.click();
    await waitFor(async () => (await owner.getByTestId('task').count()) === 2, 'the two tasks with something unset');
    expect(await taskCard(owner, 'street.png').getByTestId('task-unset-badge').getAttribute('title')).toBe('Required but not set: truncated on 1 vehicle');
    expect(await taskCard(owner, 'bridge_2.png').getByTestId('task-unset-badge').getAttribute('title')).toBe('Required but not set: weather (the image)');
    await taskCard(owner, 'street.png').scrollIntoViewIfNeeded();
    await shot(owner, 'required-unset-filter');
    await unset.click();
    // The objects' own attributes are choices of the list's filter too: the vehicle never set
    // truncated, so it shows (and is found as) not truncated.
    const objectOptions = owner.getByTestId('label-filter').locator('optgroup[label="Objects"] option');
    expect(await objectOptions.allTextContents()).toEqual(expect.arrayContaining(['vehicle: truncated (0)', 'vehicle: not truncated (1)']));
    await owner.getByTestId('label-filter').selectOption({ label: 'vehicle: not truncated (1)' });
    await waitFor(async () => (await owner.getByTestId('task').count()) === 1, 'the image with such a vehicle');
    expect(await taskCard(owner, 'street.png').count()).toBe(1);
    // And a second condition on the image: street.png is rainy, not a night image.
    await owner.getByTestId('label-filter-and').click();
    const second = owner.getByTestId('label-filter-2');
    await second.selectOption({ label: (await second.locator('option', { hasText: /^night \(/ }).textContent())! });
    await waitFor(async () => (await owner.getByTestId('task').count()) === 0, 'no night image with such a vehicle');
    await second.selectOption({ label: (await second.locator('option', { hasText: /^weather: rain \(/ }).textContent())! });
    await waitFor(async () => (await owner.getByTestId('task').count()) === 1, 'the rainy one');
    expect(await taskCard(owner, 'street.png').count()).toBe(1);
    await shot(owner, 'filter-two-conditions');
    // Back on street.png (its weather is set), nothing selected: the object list says which object
    // needs what, and the submit says what is missing.
    await ana.goto(`${srv.url}/tasks/${taskId}?token=${encodeURIComponent(anaToken)}`);
    await ana.getByTestId('image-attributes').waitFor();
    expect(await ana.getByTestId('unset-filter').textContent()).toBe('Required unset 1');
    expect(await ana.getByTestId('attribute-needs').textContent()).toBe('needs truncated');
    await ana.locator('canvas').first().hover();
    await ana.keyboard.press('Control+Enter');
    await ana.getByTestId('toast').getByText('Set before submitting: truncated on 1 vehicle').waitFor();
    const truncated = ana.getByTestId('object-attributes').locator('[data-attr="truncated"]');
    expect(await truncated.getAttribute('data-missing')).toBe('');
    const status = async () => ((await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ id: string; status: string }>).find((t) => t.id === taskId)!.status;
    expect(await status()).toBe('todo');
    await truncated.getByRole('button', { name: 'no' }).click();
    await waitFor(() => attrs().truncated === false, 'truncated set to no');
    await ana.getByTestId('unset-filter').waitFor({ state: 'detached' });
    await ana.locator('canvas').first().hover();
    await ana.keyboard.press('Control+Enter');
    await waitFor(async () => (await status()) === 'in_review', 'street.png in review');
    // Set, it is no longer counted as unset once the row follows (the list read again).
    await waitFor(async () => ((await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ id: string; attributeCounts: Record<string, Record<string, unknown>> }>).find((t) => t.id === taskId)!.attributeCounts.vehicle?.truncated !== undefined, 'the row to follow');
    await owner.reload();
    await waitFor(async () => ((await owner.getByTestId('filter-unset').textContent()) ?? '') === 'Required unset 1', 'one task left with something unset');
  });

  it("the analytics page shows the objects' attribute balance, and its CSV says the same", async () => {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}/analytics?token=${encodeURIComponent(srv.adminToken)}`);
    const table = owner.getByTestId('analytics-attributes');
    await table.waitFor();
    // The vehicle: truncated set to no just before; every option of a choice listed, 0 where none.
    const rows = await table.getByTestId('attribute-row').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent?.trim()).join('|')));
    // label · attribute (on a group's first row) | value | objects | share | images | unset
    const at = rows.indexOf('vehicle · truncated|yes|0|0%|0|');
    expect(rows.slice(at, at + 2)).toEqual(['vehicle · truncated|yes|0|0%|0|', '|no|1|100%|1|']);
    expect(rows).toContain('vehicle · plate|XY 987|1|100%|1|');
    await table.scrollIntoViewIfNeeded();
    await shot(owner, 'attributes-balance');
    const csv = await (await owner.request.get(new URL((await owner.getByTestId('analytics-csv-attributes').getAttribute('href'))!, srv.url).href)).text();
    expect(csv.split('\r\n')).toContain('vehicle,truncated,false,1,1,1,0');
  });
  it('the owner fills the required attribute the vehicles of the images shown lack, in one go; values set stay', async () => {
    // Two more images with a vehicle drawn before truncated was required: one never set it, one did.
    const add = async (name: string) => (await srv.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(320, 240), undefined, { 'content-type': 'image/png' })).body.id as string;
    const mask = listObjects(watcher.doc)[0].mask;
    const older = [await add('old_1.png'), await add('old_2.png')];
    for (const [i, id] of older.entries()) {
      const c = connectClient(srv.wsUrl, `task:${id}`, srv.adminToken);
      await c.synced();
      createObject(c.doc, { label: 'vehicle', mask, by: 'ana', attributes: i === 1 ? { truncated: true } : {} });
      await waitFor(async () => ((await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ id: string; labelCounts: Record<string, number> | null }>).find((t) => t.id === id)?.labelCounts?.vehicle === 1, 'the vehicle counted');
      c.destroy();
    }
    const owner = await (await browser.newContext()).newPage();
    owner.on('dialog', (d) => void d.accept());
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByLabel('Find tasks by file name').fill('old_');
    expect(await taskCard(owner, 'old_1.png').getByTestId('task-unset-badge').getAttribute('title')).toBe('Required but not set: weather (the image); truncated on 1 vehicle');
    await owner.getByTestId('fill-shown').selectOption({ label: 'vehicle · truncated: no (required)' });
    await owner.getByTestId('fill-shown-done').getByText('Set truncated to no on 1 vehicle.').waitFor();
    const attrsOf = async (id: string) => {
      const c = connectClient(srv.wsUrl, `task:${id}`, srv.adminToken);
      try {
        await c.synced();
        return listObjects(c.doc)[0].attributes ?? {};
      } finally {
        c.destroy();
      }
    };
    expect([(await attrsOf(older[0])).truncated, (await attrsOf(older[1])).truncated]).toEqual([false, true]);
    // A free-text one takes a typed value: both vehicles had no plate.
    await owner.getByTestId('fill-shown').selectOption({ label: 'vehicle · plate: type a value…' });
    await owner.getByTestId('fill-shown-value').fill('unknown');
    await owner.getByRole('button', { name: 'Fill', exact: true }).click();
    await owner.getByTestId('fill-shown-done').getByText('Set plate to unknown on 2 vehicles.').waitFor();
    expect([(await attrsOf(older[0])).plate, (await attrsOf(older[1])).plate]).toEqual(['unknown', 'unknown']);
    // The list reads the rows again once they follow.
    await waitFor(async () => ((await srv.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ id: string; attributeCounts: Record<string, Record<string, Record<string, number>>> | null }>).find((t) => t.id === older[0])?.attributeCounts?.vehicle?.truncated?.false === 1, 'the row to follow');
    // old_1 still lacks the image's weather (required too), but no longer its vehicle's truncated.
    await waitFor(async () => (await taskCard(owner, 'old_1.png').getByTestId('task-unset-badge').getAttribute('title')) === 'Required but not set: weather (the image)', "old_1's badge to follow", 15_000);
    await shot(owner, 'attributes-fill-shown');
  });
});
