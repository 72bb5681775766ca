// Original image bytes as files under one directory. Writes are atomic (temp file, fsync, rename,
// fsync of the directory): a reader sees the whole old file or the whole new one, never a torn
// write, and a put() that resolved survives a crash.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { ImageStore } from '../types';

// A key is 1-8 '/'-separated segments of [A-Za-z0-9._-], none of them "." or ".." and none starting
// with "." (so temp files, which start with ".", can never collide with a key).
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function isValidImageKey(key: string): boolean {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) return false;
  const parts = key.split('/');
  return parts.length <= 8 && parts.every((p) => SEGMENT.test(p));
}

export class DirImageStore implements ImageStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    const parent = path.dirname(file);
    await fs.mkdir(parent, { recursive: true });
    const tmp = path.join(parent, `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
    const fh = await fs.open(tmp, 'wx', 0o640);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } catch (e) {
      await fh.close();
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    try {
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await syncDir(parent);
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const b = await fs.readFile(this.pathOf(key));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new TandemError(ErrorCode.NotFound, 'no such image', { cause: e });
      throw e;
    }
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!isValidImageKey(key)) throw new TandemError(ErrorCode.BadRequest, 'invalid image key');
    const file = path.resolve(this.dir, key);
    // Belt and braces: the key grammar already rules out traversal.
    if (!file.startsWith(this.dir + path.sep)) throw new TandemError(ErrorCode.BadRequest, 'invalid image key');
    return file;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
