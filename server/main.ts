// `npm start` (via scripts/start.mjs): load the config, start the server, print where to open it,
// and shut down gracefully on SIGTERM/SIGINT (flush the update log, then exit 0).
import { createTandemServer } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { SchemaTooNewError } from './storage/SchemaTooNewError';

let config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}

const log = createLogger({ level: config.logLevel, nodeId: config.nodeId });
let server: Awaited<ReturnType<typeof createTandemServer>>;
try {
  server = await createTandemServer(config, log);
} catch (e) {
  // A database written by a newer Tandem: say what to do, not a stack trace.
  if (e instanceof SchemaTooNewError) {
    console.error(`${e.message} [${e.code}]`);
    process.exit(1);
  }
  throw e;
}
const base = (config.publicUrl ?? `http://localhost:${server.port}`).replace(/\/$/, '');

// Plain stdout lines, not log records: these are for the person who just ran `npm start`.
if (server.adminTokenGenerated) {
  console.log(`\nAdmin token (generated once, kept in ${config.dataDir}/admin-token): ${server.adminToken}`);
}
console.log(`\nTandem is running at ${base}`);
console.log(`Sign in as admin: ${base}/?token=${encodeURIComponent(server.adminToken)}\n`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  // A second signal, or a close that hangs, must not keep the process alive forever.
  const force = setTimeout(() => {
    log.error('shutdown took too long; exiting');
    process.exit(1);
  }, 15_000);
  force.unref();
  try {
    await server.close();
    process.exit(0);
  } catch (e) {
    log.error({ err: e }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
