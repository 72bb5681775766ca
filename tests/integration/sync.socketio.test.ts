// socket.io (inference) and /sync share one http.Server: engine.io must not take over or kill the
// /sync upgrades, and a socket.io client connects on /socket.io next to y-websocket clients.
import { expect, it } from 'vitest';
import { io as ioc } from 'socket.io-client';
import { startTestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient } from '../helpers/yclient';

it('serves socket.io and /sync on the same server', async () => {
  // Inference on (socket.io attached) but no local worker processes.
  const s = await startTestServer({ inference: true, env: { INFERENCE_WORKERS: '0' } });
  try {
    const { taskId } = await s.createProjectWithTask();
    const sock = ioc(s.url + '/inference', { auth: { token: s.adminToken }, transports: ['websocket'], reconnection: false });
    const connected = new Promise<void>((resolve, reject) => {
      sock.on('connect', () => resolve());
      sock.on('connect_error', reject);
    });
    const a = connectClient(s.wsUrl, `task:${taskId}`, s.adminToken);
    const b = connectClient(s.wsUrl, `task:${taskId}`, s.adminToken);
    await Promise.all([connected, a.synced(), b.synced()]);
    a.doc.getMap('m').set('k', 1);
    await waitFor(() => b.doc.getMap('m').get('k') === 1, 'the edit through /sync');
    expect(sock.connected).toBe(true);
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
    sock.close();
    a.destroy();
    b.destroy();
  } finally {
    await s.close();
  }
});
