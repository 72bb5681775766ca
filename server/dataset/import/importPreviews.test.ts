// Files kept from import previews (importPreviews.ts) against real SQLite and image stores: kept
// for their sender, dropped when used, and swept once older than an hour, while a newer one stays.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { DirImageStore } from '../../storage/files/DirImageStore';
import { SqlJobStore } from '../../storage/SqlJobStore';
import { openSqlite } from '../../storage/sqlite/openSqlite';
import { SqliteMetaStore } from '../../storage/sqlite/SqliteMetaStore';
import { ImportPreviews, PREVIEW_TTL_MS } from './importPreviews';

async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-previews-'));
  const file = path.join(dir, 'tandem.db');
  const meta = SqliteMetaStore.open(file);
  const jobs = SqlJobStore.sqlite(openSqlite(file));
  const user = await meta.createUser({ name: 'u' });
  const project = await meta.createProject({ name: 'p', labels: [], createdBy: user.id });
  const previews = new ImportPreviews({ images: new DirImageStore(path.join(dir, 'images')), jobs, log: pino({ level: 'silent' }) });
  onTestFinished(async () => {
    previews.stop();
    await jobs.close();
    await meta.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { previews, projectId: project.id, userId: user.id, dir };
}

describe('import previews', () => {
  it('keeps a file for its sender until used, and sweeps those kept longer than an hour', async () => {
    const { previews, projectId, userId, dir } = await setup();
    const bytes = new TextEncoder().encode('{"images": []}');
    const old = await previews.keep(projectId, userId, bytes);
    expect(await previews.file(projectId, userId, old)).toEqual(bytes);
    await expect(previews.file(projectId, 'someone else', old)).rejects.toMatchObject({ code: 'not_found' });
    const kept = () => fs.readdirSync(path.join(dir, 'images', 'import-previews', projectId)).filter((f) => !f.startsWith('.'));
    expect(kept()).toEqual([old]);
    // An hour later a second preview is kept; the sweep then drops only the first.
    const t0 = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    vi.setSystemTime(t0 + PREVIEW_TTL_MS);
    const fresh = await previews.keep(projectId, userId, bytes);
    expect(await previews.sweep(t0 - 1000 + PREVIEW_TTL_MS)).toBe(0);
    expect(await previews.sweep(t0 + 1000 + PREVIEW_TTL_MS)).toBe(1);
    expect(kept()).toEqual([fresh]);
    await expect(previews.file(projectId, userId, old)).rejects.toMatchObject({ code: 'not_found' });
    // Used: dropped with its file.
    expect(await previews.drop(projectId, userId, fresh)).toBe(true);
    expect(await previews.drop(projectId, userId, fresh)).toBe(false);
    expect(kept()).toEqual([]);
  });
});
