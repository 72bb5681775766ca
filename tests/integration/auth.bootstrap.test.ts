// The first admin: a generated token kept in DATA_DIR/admin-token (0600) and stable across
// restarts, or ADMIN_TOKEN from the environment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/testServer';

describe('admin bootstrap', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-boot-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('generates a token once, keeps it in DATA_DIR/admin-token with mode 0600, and reuses it', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const token = first.adminToken;
    expect(first.server.adminTokenGenerated).toBe(true);
    const file = path.join(dataDir, 'admin-token');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(token);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await first.api('GET', '/api/me')).body).toMatchObject({ isAdmin: true });
    await first.close();

    const second = await startTestServer({ dataDir });
    expect(second.adminToken).toBe(token);
    expect(second.server.adminTokenGenerated).toBe(false);
    expect((await second.api('GET', '/api/me')).status).toBe(200);
    await second.close();
  });

  it('uses ADMIN_TOKEN when set, on a fresh and on a reused data directory', async () => {
    const dataDir = tempDir();
    const ADMIN_TOKEN = 'a-long-enough-admin-token-1234';
    for (let i = 0; i < 2; i++) {
      const s = await startTestServer({ dataDir, env: { ADMIN_TOKEN } });
      try {
        expect(s.adminToken).toBe(ADMIN_TOKEN);
        expect(s.server.adminTokenGenerated).toBe(false);
        const me = await s.api('GET', '/api/me');
        expect(me.status).toBe(200);
        expect(me.body.isAdmin).toBe(true);
        expect(fs.existsSync(path.join(dataDir, 'admin-token'))).toBe(false);
      } finally {
        await s.close();
      }
    }
  });
});
