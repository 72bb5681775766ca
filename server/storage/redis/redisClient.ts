// node-redis clients of the room bus: binary replies, fail-fast while disconnected, reconnection
// with capped backoff, and one log line per outage instead of one per retry.
import { createClient, RESP_TYPES } from 'redis';
import type { Logger } from '../../logger';

export type BufferClient = ReturnType<typeof connectClient>;

/** A (not yet connected) client named `name` in CLIENT LIST, whose bulk replies are Buffers. */
export function connectClient(url: string, log: Logger, name: string) {
  const client = createClient({
    url,
    // Shown by CLIENT LIST, so an operator (or a test) can tell which node holds which connection.
    name,
    // Fail fast while disconnected: publish() must never wait for Redis.
    disableOfflineQueue: true,
    socket: {
      // 50 ms doubling to 2 s, with jitter so nodes do not reconnect in lockstep.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100),
      connectTimeout: 5000,
    },
  });
  let down = false;
  client.on('error', (err: Error) => {
    // Reported once per outage: the client retries on its own.
    if (!down) log.warn({ err: err.message, connection: name }, 'Redis connection lost; retrying');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info({ connection: name }, 'Redis connection back');
    down = false;
  });
  // Stream payloads are binary: every bulk string comes back as a Buffer.
  return client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}
