// Multi-node socket.io: in shared mode (REDIS_URL) the @socket.io/redis-streams-adapter makes
// rooms, broadcasts, fetchSockets() and serverSideEmit() span every node. Single node: nothing.
//
// Peer requirement checked in node_modules: the adapter 0.3.x needs socket.io-adapter ^2.5.4
// (socket.io 4.8 ships 2.5.x, deduped) and takes a node-redis v4/v5 client.
//
// Its client keeps node-redis's offline queue ON (unlike the room bus): the adapter's XREAD loop
// re-polls immediately after an error, so failing fast would spin while Redis is down; queued,
// the read simply waits for the reconnection.
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import type { Server as IoServer } from 'socket.io';
import type { Config } from '../config';
import type { Logger } from '../logger';

/** Installs the cluster adapter when config.shared.redisUrl is set. Returns a closer. */
export async function installIoAdapter(io: IoServer, config: Config, log: Logger): Promise<() => Promise<void>> {
  const url = config.shared.redisUrl;
  if (!url) return async () => {};
  const alog = log.child({ module: 'cluster.io' });
  const client = createClient({
    url,
    name: `tandem-io:${config.nodeId}`,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100) },
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) alog.warn({ err: err.message }, 'socket.io adapter lost Redis; retrying');
    down = true;
  });
  client.on('ready', () => {
    if (down) alog.info('socket.io adapter reconnected to Redis');
    down = false;
  });
  await client.connect();
  io.adapter(
    createAdapter(client, {
      streamName: `${config.shared.redisPrefix}socket.io`,
      channelPrefix: `${config.shared.redisPrefix}socket.io`,
      // Bounded like the room streams; socket.io events are ephemeral (no connection state recovery).
      maxLen: 10_000,
      // 5 s between heartbeats, a node silent for 10 s counts as gone (serverCount, fetchSockets).
      heartbeatInterval: 5_000,
      heartbeatTimeout: 10_000,
    }),
  );
  alog.info('socket.io cluster adapter installed');
  return async () => {
    // io.close() (called first by the server) closed every namespace's adapter, which stops the
    // adapter's own reader connections; this one is ours.
    if (client.isOpen) client.destroy();
  };
}
