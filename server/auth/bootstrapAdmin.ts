// The first user. ADMIN_TOKEN (config.adminToken) names the admin token; unset, one is generated
// once and kept in DATA_DIR/admin-token (mode 0600) so restarts keep the same sign-in link.
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { MetaStore } from '../storage/types';

export interface AdminBootstrap {
  token: string;
  /** True only on the start that generated the token: the one time it is printed on its own. */
  generated: boolean;
  /** Where a generated token is kept; null when it came from ADMIN_TOKEN. */
  file: string | null;
}

/** The admin token file of a data directory. */
export function adminTokenFile(dataDir: string): string {
  return path.join(dataDir, 'admin-token');
}

export async function bootstrapAdmin(config: Config, meta: MetaStore, log: Logger): Promise<AdminBootstrap> {
  const alog = log.child({ module: 'auth' });
  if (config.adminToken) {
    await ensureAdminToken(meta, config.adminToken, 'ADMIN_TOKEN', alog);
    return { token: config.adminToken, generated: false, file: null };
  }
  const file = adminTokenFile(config.dataDir);
  let kept: string | null = null;
  try {
    kept = fs.readFileSync(file, 'utf8').trim() || null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (kept) {
    await ensureAdminToken(meta, kept, 'admin-token file', alog);
    return { token: kept, generated: false, file };
  }
  const admin = await meta.createUser({ name: 'admin', isAdmin: true });
  const token = await meta.createToken(admin.id, { label: 'generated admin token' });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // 'wx': never overwrite a file another process wrote meanwhile; 0600: the token is a password.
  fs.writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  alog.info({ file }, 'admin user created with a generated token');
  return { token, generated: true, file };
}

/** Makes `token` an admin token: kept if it already is one, registered with a new admin user otherwise. */
async function ensureAdminToken(meta: MetaStore, token: string, source: string, log: Logger): Promise<void> {
  const r = await meta.resolveToken(token);
  if ('user' in r) {
    if (!r.user.isAdmin) throw new TandemError(ErrorCode.Conflict, `the ${source} belongs to a user who is not an admin`);
    return;
  }
  if (r.error === 'expired') throw new TandemError(ErrorCode.TokenExpired, `the ${source} has expired`);
  const admin = await meta.createUser({ name: 'admin', isAdmin: true });
  try {
    await meta.createToken(admin.id, { token, label: source });
  } catch (e) {
    // Several nodes of a cluster starting at once race to register the same ADMIN_TOKEN: the
    // loser's insert conflicts. The token is then registered (by the winner); check it once more.
    if (!(e instanceof TandemError && e.code === ErrorCode.Conflict)) throw e;
    const again = await meta.resolveToken(token);
    if (!('user' in again) || !again.user.isAdmin) throw e;
    log.info({ source }, 'admin token registered by another node');
    return;
  }
  log.info({ source }, 'admin user created');
}
