// Shared by the cluster.*.test.ts files: polling waits and a real Redis restart.
import { execFileSync, execSync } from 'node:child_process';

/** Polls `cond` every 20 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The exact command the machine's Redis was started with (/work/.library/env/machines/node-svc.md):
// no persistence, so a restart loses every stream, which is the case the bus must survive.
const REDIS_START =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

function redisUp(): boolean {
  try {
    return execFileSync('redis-cli', ['-p', '6379', 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === 'PONG';
  } catch {
    return false; // redis-cli exits non-zero when it cannot connect: that is the answer
  }
}

/** `redis-cli shutdown nosave`, runs `whileDown`, starts Redis again and waits until it answers. */
export async function restartRedis(whileDown: () => Promise<void> = async () => {}): Promise<void> {
  try {
    execFileSync('redis-cli', ['-p', '6379', 'shutdown', 'nosave'], { stdio: 'ignore' });
  } catch {
    // redis-cli reports the connection the shutdown closed as an error; the poll below decides.
  }
  await waitFor(() => !redisUp(), 10_000, 'Redis to stop');
  try {
    await whileDown();
  } finally {
    execSync(REDIS_START, { stdio: 'ignore' });
    await waitFor(redisUp, 10_000, 'Redis to start');
  }
}
