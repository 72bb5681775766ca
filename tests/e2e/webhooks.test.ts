// The project page's Webhooks card: the owner adds a receiver's URL, sends a test and sees what
// the receiver answered; a status change made in the editor's review room reaches it too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createThread, setTaskStatus } from '../../shared/schema/review';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { webhookReceiver, type Receiver } from '../helpers/webhookReceiver';
import { connectClient } from '../helpers/yclient';
import { launch, shot, waitFor } from './browser';

describe('webhooks on the project page', () => {
  let srv: TestServer;
  let browser: Browser;
  let r: Receiver;

  beforeAll(async () => {
    srv = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } }); // the receiver is on 127.0.0.1
    r = await webhookReceiver([200]);
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await r?.close();
    await srv?.close();
  });

  it('the owner adds a webhook, tests it and sees it delivered; a task sent to review is told', async () => {
    const { projectId, taskId } = await srv.createProjectWithTask({ taskName: 'frame_7.png' });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${srv.url}/projects/${projectId}?token=${encodeURIComponent(srv.adminToken)}`);
    await page.getByTestId('webhook-url').fill(r.url);
    // A channel for the work, not the dataset: no uploads and deletions.
    await page.getByTestId('webhook-choice').nth(1).uncheck();
    await page.getByTestId('webhook-add').click();
    await page.getByTestId('webhook').waitFor();
    expect(await page.getByTestId('webhook').locator('code.url').textContent()).toBe(r.url);
    expect(await page.getByTestId('webhook-events').textContent()).toBe('status changes, comments, flags, pre-labelling');
    await page.getByTestId('webhook-test').click();
    await waitFor(() => r.got.length === 1, 'the test received');
    await waitFor(async () => (await page.getByTestId('webhook-last').getAttribute('data-state')) === 'delivered', 'shown delivered');
    expect(await page.getByTestId('webhook-last').textContent()).toContain('ping · delivered (200)');
    await shot(page, 'webhooks');
    const review = connectClient(srv.wsUrl, `review:${taskId}`, srv.adminToken);
    try {
      await review.synced();
      setTaskStatus(review.doc, 'in_review', 'someone');
      await waitFor(() => r.got.length === 2, 'the status change received');
      expect(JSON.parse(r.got[1].body).task).toMatchObject({ id: taskId, name: 'frame_7.png', status: 'in_review' });
      const me = (await srv.api('GET', '/api/me')).body;
      createThread(review.doc, { objectId: null, x: 5, y: 5, by: me.id, text: 'the kerb is missing' });
      await waitFor(() => r.got.length === 3, 'the comment received');
      expect(JSON.parse(r.got[2].body)).toMatchObject({ event: 'comment.created', text: `${me.name} commented on frame_7.png: the kerb is missing` });
    } finally {
      review.destroy();
    }
  });
});
