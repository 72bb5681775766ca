// DATABASE_URL normalisation. libpq takes the OS user when a URL names none; `pg` takes $USER,
// which child processes and CI often lack ("no PostgreSQL user name specified"), so we fill in the
// OS account name the way libpq would.
import os from 'node:os';

/** `url` with the OS user name filled in when it names no user. */
export function withDefaultUser(url: string): string {
  const u = new URL(url);
  if (!u.username) u.username = os.userInfo().username;
  return u.toString();
}
