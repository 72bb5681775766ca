import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirImageStore, isValidImageKey } from './DirImageStore';

let root: string;
let store: DirImageStore;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-images-'));
  store = new DirImageStore(path.join(root, 'images'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('DirImageStore', () => {
  it('stores, overwrites, reads and deletes bytes by key, leaving no temp files', async () => {
    const a = new Uint8Array([1, 2, 3, 4]);
    await store.put('proj1/task1.jpg', a);
    expect(await store.get('proj1/task1.jpg')).toEqual(a);
    expect(fs.readFileSync(store.localPath('proj1/task1.jpg'))).toEqual(Buffer.from(a));
    await store.put('proj1/task1.jpg', new Uint8Array([9]));
    expect(await store.get('proj1/task1.jpg')).toEqual(new Uint8Array([9]));
    expect(fs.readdirSync(path.join(root, 'images', 'proj1'))).toEqual(['task1.jpg']);
    await store.delete('proj1/task1.jpg');
    await expect(store.get('proj1/task1.jpg')).rejects.toMatchObject({ code: 'not_found' });
    await store.delete('proj1/task1.jpg'); // deleting twice is fine
  });

  it('serves concurrent writers of one key whole files only', async () => {
    const big = (v: number) => new Uint8Array(256 * 1024).fill(v);
    await Promise.all([1, 2, 3, 4, 5].map((v) => store.put('same.png', big(v))));
    const got = await store.get('same.png');
    expect(got.length).toBe(256 * 1024);
    expect(new Set(got).size).toBe(1); // one writer's bytes, never a mix
  });

  it('refuses keys that could leave the directory or collide with temp files', async () => {
    for (const bad of ['', '../etc/passwd', 'a/../../b', '/abs', 'a//b', '.hidden', 'a/./b', 'a\\b', 'x'.repeat(600), 'a b', 'é.jpg']) {
      expect(isValidImageKey(bad), bad).toBe(false);
      await expect(store.put(bad, new Uint8Array([1])), bad).rejects.toMatchObject({ code: 'bad_request' });
      await expect(store.get(bad), bad).rejects.toMatchObject({ code: 'bad_request' });
    }
    expect(fs.existsSync(path.join(root, 'etc'))).toBe(false);
    for (const good of ['t.jpg', 'p_1/t-2.v3.png', 'ABC123']) expect(isValidImageKey(good), good).toBe(true);
  });
});
