// Multi-node socket.io: OWNED BY THE SCALE-OUT WORK. In single-node mode (no REDIS_URL) this does
// nothing; in shared mode it installs @socket.io/redis-streams-adapter on the server.
import type { Server as IoServer } from 'socket.io';
import type { Config } from '../config';
import type { Logger } from '../logger';

/** Installs the cluster adapter when config.shared.redisUrl is set. Returns a closer. */
export async function installIoAdapter(_io: IoServer, config: Config, _log: Logger): Promise<() => Promise<void>> {
  if (!config.shared.redisUrl) return async () => {};
  throw new Error('multi-node socket.io adapter not implemented yet');
}
