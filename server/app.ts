// One http.Server for everything: the HTTP API, /healthz, WebSocket upgrades on /sync/<room>,
// socket.io on /socket.io (inference), and the built SvelteKit app for every other path.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Server as IoServer } from 'socket.io';
import { objectLabels } from '../shared/schema/annotation';
import { bootstrapAdmin } from './auth/bootstrapAdmin';
import { createAuth } from './auth/createAuth';
import type { Auth } from './auth/types';
import { installIoAdapter } from './cluster/ioAdapter';
import type { Config } from './config';
import type { HttpDeps } from './http/context';
import { datasetRoutes, type DatasetService } from './dataset/datasetRoutes';
import { ReviewRowMirrors } from './dataset/rowMirrors';
import { parseRoom } from '../shared/protocol/roles';
import { createMetrics, type Metrics } from './metrics/createMetrics';
import { observeHttp } from './metrics/observeHttp';
import { memberRoutes } from './http/memberRoutes';
import { projectRoutes } from './http/projectRoutes';
import { Router, sendJson } from './http/router';
import { recordChange } from './http/activity';
import { activityRoutes } from './http/activityRoutes';
import { trimActivityEvery } from './http/activityTrim';
import { taskRoutes } from './http/taskRoutes';
import { Deliverer } from './webhooks/deliverer';
import { WebhookEvents } from './webhooks/events';
import { LabelCountsMirror } from './dataset/labelCounts';
import { urlImportRoutes } from './http/urlImport';
import { webhookRoutes } from './webhooks/webhookRoutes';
import { createInference, type InferenceService } from './inference/index';
import type { Logger } from './logger';
import { openStorage } from './storage/openStorage';
import type { Storage } from './storage/types';
import { createSyncServer, type SyncServer } from './sync/SyncServer';
import { fillImageHashes } from './storage/images/fillImageHashes';

export interface TandemServer {
  /** Base URL to reach this server from this machine, e.g. http://127.0.0.1:3000. */
  url: string;
  port: number;
  storage: Storage;
  auth: Auth;
  sync: SyncServer;
  router: Router;
  adminToken: string;
  /** True when this start generated the admin token (print it this once). */
  adminTokenGenerated: boolean;
  inference: InferenceService | null;
  close(): Promise<void>;
}

type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/**
 * At close, how long HTTP requests already in flight and the closing handshakes of WebSockets
 * (socket.io's) have to finish before their connections are cut (ms). Bounded so that close()
 * never waits on a client: main.ts gives the whole shutdown 15 s before it exits anyway.
 */
const SHUTDOWN_GRACE_MS = 2000;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function createTandemServer(config: Config, log: Logger, opts: { inference?: boolean } = {}): Promise<TandemServer> {
  // One registry per server, created here and passed down (two test servers must not share counters).
  const metrics = createMetrics();
  const storage = await openStorage(config, log, { metrics: metrics.storage });
  try {
    return await start(config, log, storage, metrics, opts);
  } catch (e) {
    await storage.close();
    throw e;
  }
}

async function start(config: Config, log: Logger, storage: Storage, metrics: Metrics, opts: { inference?: boolean }): Promise<TandemServer> {
  const auth = createAuth(storage.meta);
  const admin = await bootstrapAdmin(config, storage.meta, log);
  let inference: InferenceService | null = null;
  let dataset: DatasetService | null = null;
  let ready = false;
  const rowMirrors = new ReviewRowMirrors(storage.meta, log.child({ module: 'status' }));
  const hookLog = log.child({ module: 'webhooks' });
  const deliverer = new Deliverer(storage.hooks, hookLog, config.webhooks);
  const hookEvents = new WebhookEvents(storage.meta, storage.hooks, hookLog, () => deliverer.kick(), config.publicUrl, (taskId) =>
    sync.withDoc(`task:${taskId}`, objectLabels),
  );
  // The task rows' objects per label follow the task rooms (server/dataset/labelCounts.ts).
  const labelCounts = new LabelCountsMirror(storage.meta, (room, fn) => sync.withDoc(room, fn), log.child({ module: 'labels' }), {
    lastSeq: (room) => storage.docs.lastSeq(room),
    lastSeqs: (prefix) => storage.docs.lastSeqs(prefix),
  });

  const sync = createSyncServer({
    config,
    log,
    storage,
    auth,
    hooks: {
      onLoad: (taskId) => {
        inference?.prefetch(taskId);
        labelCounts.changed(taskId);
      },
      // Object history records an object's state once edits settle, and at once on a review
      // event, so the state a reviewer judged is a version of its own (server/dataset/history).
      onChange: (room, taskId) => {
        dataset?.history.notify(taskId, { now: room.startsWith('review:') });
        if (room.startsWith('task:')) labelCounts.changed(taskId);
      },
      onStoredWrite: (room, taskId) => {
        if (room.startsWith('task:')) labelCounts.changed(taskId);
        // A review room nobody has open (the owner's bulk flag): its row and webhooks follow it
        // as they follow a loaded one's updates.
        else if (room.startsWith('review:')) {
          void sync
            .withDoc(room, (doc) => {
              rowMirrors.update(taskId, doc);
              hookEvents.review(taskId, doc);
            })
            .catch((err: unknown) => log.warn({ err, taskId }, 'could not follow a review room written by the server'));
        }
      },
      onReview: (taskId, doc) => {
        rowMirrors.update(taskId, doc);
        hookEvents.review(taskId, doc);
      },
    },
  });
  const httpLog = log.child({ module: 'http' });
  // Every change an owner makes through the API goes into the project's activity log.
  const router = new Router(httpLog).onAnswered(recordChange(storage.meta, httpLog));
  const deps: HttpDeps = {
    config, log: httpLog, storage, auth, sync, inference: () => inference, isReady: () => ready, hookEvents,
    uploading: async (projectId, taskId) => dataset?.prelabel.uploading(projectId, taskId),
    uploadDropped: async (projectId, taskId) => dataset?.prelabel.uploadDropped(projectId, taskId),
  };
  // First: its GET /api/tasks/:id/export serves every format (coco, coco-polygons, voc, yolo).
  dataset = datasetRoutes(router, deps, metrics);
  taskRoutes(router, deps);
  projectRoutes(router, deps);
  urlImportRoutes(router, deps);
  memberRoutes(router, deps);
  webhookRoutes(router, deps, deliverer);
  activityRoutes(router, deps);
  const app = await loadSvelteHandler(log);

  // Every TCP connection, upgraded ones included (closeAllConnections() leaves those alone), and
  // every request handler still running: close() waits for both, bounded, then cuts the rest.
  const connections = new Set<net.Socket>();
  const handling = new Set<Promise<void>>();
  let closing: Promise<void> | null = null;
  const server = http.createServer((req, res) => {
    if (dataset) observeHttp(dataset.metrics, req, res);
    // A response finished during shutdown leaves an idle keep-alive connection: drop it now.
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    const handled = router
      .handle(req, res)
      .then((handled) => {
        if (handled) return;
        if (req.url?.startsWith('/api/')) {
          sendJson(res, 404, { error: { code: 'not_found', message: 'no such endpoint' } });
          return;
        }
        app(req, res, () => sendJson(res, 404, { error: { code: 'not_found', message: 'not found' } }));
      })
      .catch((e: unknown) => {
        httpLog.error({ err: e }, 'request handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'internal server error' } });
      });
    handling.add(handled);
    void handled.finally(() => handling.delete(handled));
  });
  server.on('connection', (socket: net.Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  let io: IoServer | null = null;
  server.on('upgrade', (req, socket, head) => {
    const p = req.url ?? '';
    if (p.startsWith('/sync/')) sync.handleUpgrade(req, socket, head);
    // /socket.io upgrades belong to engine.io's own listener, when socket.io runs at all.
    else if (!(io && p.startsWith('/socket.io'))) socket.destroy();
  });

  let closeAdapter: () => Promise<void> = async () => {};
  if (opts.inference !== false) {
    // destroyUpgrade off: engine.io must not kill /sync upgrades it does not own.
    io = new IoServer(server, { path: '/socket.io', destroyUpgrade: false, maxHttpBufferSize: config.limits.maxJsonBytes });
    closeAdapter = await installIoAdapter(io, config, log);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  if (io) {
    try {
      // Tasks open in an editor here (or left moments ago): a worker's load ahead never evicts them.
      const openTasks = () =>
        sync.loadedRooms().flatMap((r) => {
          const room = parseRoom(r);
          return room?.kind === 'task' ? [room.taskId] : [];
        });
      inference = await createInference({ config, log, storage, auth, io, metrics: metrics.inference, openTasks });
      await inference.start();
    } catch (e) {
      // Annotating by hand still works without the model: serve, but say so loudly.
      log.error({ err: e }, 'inference failed to start; serving without it');
      inference = null;
    }
  }
  ready = true;
  deliverer.start();
  // Pre-labelling runs whose process died or shut down are carried on (by whichever node gets there first).
  dataset?.prelabel.startSweeping();
  dataset?.previews.startSweeping();
  // Activity older than the admin keeps goes, hourly.
  const stopTrimming = trimActivityEvery(storage.meta, config.activity.keepDays, log);
  // Rows a crash left behind their review rooms catch up in the background, one task at a time.
  const allTasks = async () => {
    const who = await storage.meta.resolveToken(admin.token); // the admin sees every project
    const projects = 'user' in who ? await storage.meta.listProjects(who.user) : [];
    return (await Promise.all(projects.map((p) => storage.meta.listTasks(p.id)))).flat();
  };
  const stopped = () => closing !== null;
  const reconciling = rowMirrors
    .reconcile(
      allTasks,
      // Each room is checked against the webhook queue too (WebhookEvents: a change a crash kept from being queued).
      (taskId, fn, task) =>
        sync.withDoc(`review:${taskId}`, (doc) => {
          hookEvents.review(taskId, doc, task);
          return fn(doc);
        }),
      stopped,
    )
    .catch((err: unknown) => log.warn({ err }, 'checking task rows against their review rooms failed'));
  // Then the rows never counted (tasks from before the column), one room at a time.
  const counting = reconciling
    .then(() => labelCounts.fillStale(allTasks, stopped))
    .then((n) => n && log.info({ tasks: n }, 'counted the objects per label of tasks never counted, or stored further since'))
    .catch((err: unknown) => log.warn({ err }, 'counting objects per label failed'))
    // Then the images of tasks from before perceptual hashes (the list's "looks like").
    .then(() => fillImageHashes(storage, allTasks, stopped, config.limits.maxImagePixels, log))
    .then((n) => n && log.info({ tasks: n }, 'hashed the images of tasks from before image hashes'))
    .catch((err: unknown) => log.warn({ err }, 'hashing task images failed'));

  // Shutdown (main.ts runs it on SIGTERM/SIGINT). Nothing here waits on a client without a bound.
  const close = () =>
    (closing ??= (async () => {
      ready = false;
      const graceEnds = Date.now() + SHUTDOWN_GRACE_MS;
      // Stops listening and (Node 19+) drops idle keep-alive connections at once. Its callback
      // runs once every connection is gone, which the steps below make sure of.
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Pre-labelling jobs finish the task in hand while the rooms still take writes.
      stopTrimming();
      dataset?.previews.stop();
      await dataset?.prelabel.stopAll();
      // /sync: updates durable, then 1001 to every socket, then the rooms unloaded.
      await sync.close();
      await dataset?.history.flush(); // settled-but-unrecorded object versions, before storage closes
      await counting;
      await labelCounts.stop(); // counts pending a settle are written now
      await rowMirrors.idle();
      await hookEvents.idle();
      await deliverer.stop(); // an attempt in flight is cut short (its claim lapses); the queue waits in the database
      if (inference) await inference.stop().catch((e: unknown) => log.error({ err: e }, 'stopping inference failed'));
      // Disconnects every socket.io client and closes engine.io. Not awaited here: it also waits
      // for server.close(), i.e. for every HTTP connection, including requests still in flight.
      const ioClosed = io ? io.close() : Promise.resolve();
      // In-flight requests and closing handshakes get the rest of the grace period; whatever is
      // still connected after it is cut (a request cut mid-body fails its handler).
      await settledWithin([...handling, ...[...connections].map(socketClosed)], graceEnds - Date.now());
      if (connections.size > 0) log.warn({ connections: connections.size }, 'cutting connections still open at shutdown');
      server.closeAllConnections();
      for (const socket of connections) socket.destroy();
      // Handlers of the cut requests end quickly; they may still be writing storage.
      if (!(await settledWithin([...handling], SHUTDOWN_GRACE_MS))) log.error({ requests: handling.size }, 'request handlers still running at shutdown');
      await ioClosed;
      await closeAdapter();
      await httpClosed;
      await storage.docs.flush();
      await storage.close();
    })());

  return {
    url,
    port,
    storage,
    auth,
    sync,
    router,
    adminToken: admin.token,
    adminTokenGenerated: admin.generated,
    get inference() {
      return inference;
    },
    close,
  };
}

/** Resolves true once every promise settled, or false after `ms`. */
async function settledWithin(ps: Array<Promise<unknown>>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([Promise.allSettled(ps).then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

function socketClosed(socket: net.Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** The built SvelteKit app (adapter-node's handler), or a page saying how to build it. */
async function loadSvelteHandler(log: Logger): Promise<NodeHandler> {
  const file = path.join(repoRoot, 'build', 'handler.js');
  if (fs.existsSync(file)) {
    const mod = (await import(pathToFileURL(file).href)) as { handler: NodeHandler };
    return mod.handler;
  }
  log.warn({ file }, 'the web app is not built; run `npm run build` (npm start does it for you)');
  return (_req, res) => {
    const html = '<!doctype html><title>Tandem</title><p>The web app is not built yet. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p>';
    res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  };
}
