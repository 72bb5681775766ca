// The annotation guide: the owner writes what counts as what on the project page (the guide, and
// a description per label); an annotator opening a task reads it over the editor the first time,
// not again once read, and sees the Guide button marked when the owner changes it while they work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { launch, openTask, shot, waitFor } from './browser';

describe('annotation guide', () => {
  let srv: TestServer;
  let browser: Browser;
  let owner: Page;
  let annotatorCtx: BrowserContext;
  let editor: Page;
  let projectId: string;
  let taskId: string;
  let ana: { token: string };

  beforeAll(async () => {
    srv = await startTestServer();
    ({ projectId, taskId } = await srv.createProjectWithTask({ image: await makeImage(160, 120), taskName: 'street.png', labels: [{ name: 'car', color: '#ef4444' }, { name: 'bus', color: '#22c55e' }] }));
    ana = await srv.addMember(projectId, 'annotator', 'Ana');
    browser = await launch();
    owner = await (await browser.newContext()).newPage();
    await owner.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await owner.getByTestId('project-guide').waitFor();
    annotatorCtx = await browser.newContext();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  const guide = async () => (await srv.api('GET', `/api/projects/${projectId}`)).body;

  it('the owner writes the guide and what a car is on the project page', async () => {
    const text = 'Outline every car you can see.\n\n- Mirrors belong to the car.\n- Examples: https://wiki.example.org/cars.';
    await owner.getByLabel('Annotation guide').fill(text);
    await owner.getByRole('button', { name: 'Save guide' }).click();
    await owner.getByTestId('project-guide').getByText('Saved.').waitFor();
    expect((await guide()).guide).toBe(text);
    await owner.getByLabel('Description of car').fill('Vans too; not trailers.');
    await owner.getByRole('button', { name: 'Save labels' }).click();
    await waitFor(async () => (await guide()).labels[0].description === 'Vans too; not trailers.', 'the description on the server');
    expect((await guide()).labels[1]).not.toHaveProperty('description');
    await shot(owner, 'guide-1-project-page');
  });

  it('an annotator reads it over the editor the first time, not again once read', async () => {
    editor = await openTask(annotatorCtx, srv.url, taskId, ana.token);
    const panel = editor.getByTestId('guide-panel');
    await panel.waitFor();
    await panel.getByText('Mirrors belong to the car.', { exact: false }).waitFor();
    expect(await panel.getByRole('link').getAttribute('href')).toBe('https://wiki.example.org/cars');
    await panel.getByText('Vans too; not trailers.').waitFor();
    await shot(editor, 'guide-2-editor-panel');
    await editor.keyboard.press('b'); // the box tool's key, while the guide is open: nothing
    expect(await editor.getByRole('button', { name: 'Box' }).getAttribute('aria-pressed')).toBe('false');
    await editor.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await editor.keyboard.press('v'); // and once it is closed, they work again
    await editor.getByRole('button', { name: 'Select / move' }).and(editor.locator('[aria-pressed="true"]')).waitFor();

    await editor.reload();
    await editor.getByTestId('guide-button').waitFor();
    await editor.waitForTimeout(500);
    expect(await panel.count()).toBe(0);
    expect(await editor.getByTestId('guide-button').locator('.dot').count()).toBe(0);
  });

  it('? shows every shortcut in the same kind of dialog; Escape closes it', async () => {
    await editor.keyboard.press('?');
    const help = editor.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('Merge the selected objects into the first one selected').waitFor();
    await help.getByText('Re-fit the selected masks', { exact: false }).waitFor();
    await editor.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
  });

  it('a change while the annotator works marks the Guide button instead of interrupting', async () => {
    expect((await srv.api('PUT', `/api/projects/${projectId}/guide`, { guide: 'Outline every car and every bus.' })).status).toBe(200);
    await editor.evaluate(() => window.dispatchEvent(new Event('focus'))); // the editor re-reads the project on focus
    await editor.getByTestId('guide-button').locator('.dot').waitFor();
    expect(await editor.getByTestId('guide-panel').count()).toBe(0);
    await editor.getByTestId('guide-button').click();
    await editor.getByTestId('guide-panel').getByText('Outline every car and every bus.').waitFor();
    expect(await editor.getByTestId('guide-button').locator('.dot').count()).toBe(0);
  });

  it('the next batch starts from this setup on the home page: the same guide, labels and people', async () => {
    await owner.goto(`${srv.url}/`);
    await owner.getByLabel('Project name').fill('Street scenes, batch 2');
    await owner.getByTestId('project-from').selectOption({ label: 'Setup of test project' });
    await owner.getByTestId('project-from-members').check();
    await owner.getByRole('button', { name: 'Create project' }).click();
    await owner.waitForURL((u) => /\/projects\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith(projectId));
    const copyId = new URL(owner.url()).pathname.split('/').pop()!;
    await owner.getByTestId('project-guide').waitFor();
    expect(await owner.getByLabel('Annotation guide').inputValue()).toBe('Outline every car and every bus.');
    const copy = (await srv.api('GET', `/api/projects/${copyId}`)).body;
    expect(copy.labels).toEqual((await guide()).labels); // descriptions too
    // Ana is a member already, with the sign-in link she has.
    expect((await srv.api('GET', `/api/projects/${copyId}`, undefined, ana.token)).body.role).toBe('annotator');
    // A typo in the name is fixed in place.
    await owner.getByTestId('project-rename').click();
    await owner.getByTestId('project-name-input').fill('Street scenes, batch 2 (night)');
    await owner.getByTestId('project-name-input').press('Enter');
    await waitFor(async () => (await owner.getByTestId('project-name').textContent()) === 'Street scenes, batch 2 (night)', 'the new name shown');
    expect((await srv.api('GET', `/api/projects/${copyId}`)).body.name).toBe('Street scenes, batch 2 (night)');
    await shot(owner, 'project-from-setup');
  });
});
