// `npm run worker -- --server <url> --token <token> [--providers cuda,cpu] [--threads N]
//   [--capacity N] [--cache-mb N] [--models-dir DIR]` attaches an inference worker to a Tandem server (contract 6).
// Defaults come from the same config as the server (INFERENCE_*, WORKER_TOKEN). The server's own
// local workers run this file too, with `--token-ipc`: the token arrives over the fork IPC channel
// instead of the command line, where `ps` would show it.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { startWorker } from './worker/startWorker';

const USAGE = 'usage: npm run worker -- --server <url> --token <token> [--providers cuda,cpu] [--threads N] [--capacity N] [--cache-mb N] [--models-dir DIR]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      providers: { type: 'string' },
      threads: { type: 'string' },
      capacity: { type: 'string' },
      'cache-mb': { type: 'string' },
      host: { type: 'string' },
      path: { type: 'string' },
      'models-dir': { type: 'string' },
      'token-ipc': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, nodeId: values.host ?? undefined });
  const token = values['token-ipc'] ? await tokenFromParent() : (values.token ?? config.inference.workerToken);
  const problems: string[] = [];
  if (!values.server) problems.push('--server is required');
  if (!token) problems.push('--token is required (or WORKER_TOKEN)');
  const providers = (values.providers ?? config.inference.providers.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const bad = providers.filter((p) => !['cpu', 'cuda', 'webgpu'].includes(p));
  if (bad.length) problems.push(`unknown provider(s): ${bad.join(', ')}`);
  const threads = values.threads ? Number(values.threads) : config.inference.threads;
  if (!Number.isInteger(threads) || threads < 1) problems.push('--threads must be a positive integer');
  const capacity = values.capacity ? Number(values.capacity) : config.inference.maxInFlightPerWorker;
  if (!Number.isInteger(capacity) || capacity < 1) problems.push('--capacity must be a positive integer');
  const cacheBytes = values['cache-mb'] ? Number(values['cache-mb']) * 1024 * 1024 : config.inference.cacheBytes;
  if (!Number.isFinite(cacheBytes) || cacheBytes <= 0) problems.push('--cache-mb must be a positive number');
  if (problems.length) {
    console.error(`${problems.join('\n')}\n${USAGE}`);
    process.exit(2);
  }
  const worker = await startWorker({
    server: values.server!,
    token: token!,
    providers: providers as Array<'cpu' | 'cuda' | 'webgpu'>,
    threads,
    capacity,
    cacheBytes,
    modelsDir: values['models-dir'] ? path.resolve(values['models-dir']) : config.inference.modelsDir,
    log,
    host: values.host,
    path: values.path,
  });
  void worker.refused.then(() => worker.close().finally(() => process.exit(1)));
  const stop = () => {
    void worker.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A local worker dies with its server: when the IPC channel closes, the parent is gone.
  if (process.send) process.on('disconnect', stop);
}

/** Waits for `{token}` from the parent process (local workers). */
function tokenFromParent(): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error('--token-ipc needs an IPC channel (a forked process)'));
      return;
    }
    process.once('message', (m: unknown) => {
      const token = (m as { token?: unknown })?.token;
      if (typeof token === 'string') resolve(token);
      else reject(new Error('the parent sent no token'));
    });
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
