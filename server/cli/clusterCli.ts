// `npm run cluster -- --nodes 3 [--base-port 3000]`: several Tandem nodes on one machine against the
// local Redis and PostgreSQL, without docker-compose. Each node is a child process of
// `node --import tsx server/main.ts` on its own port, with the same DATABASE_URL, REDIS_URL,
// IMAGE_DIR and ADMIN_TOKEN; its own DATA_DIR and NODE_ID. Signals are forwarded; a node that dies
// is reported and NOT restarted (a cluster that quietly heals would hide the failure you are
// testing); the CLI exits once every node has exited, non-zero if any failed.
//
// Options (environment variables of the same meaning are the defaults):
//   --nodes N            number of nodes (default 3)
//   --base-port P        first port; node i listens on P + i (default 3000)
//   --database-url URL   DATABASE_URL (default postgres://127.0.0.1:5432/test)
//   --redis-url URL      REDIS_URL (default redis://127.0.0.1:6379)
//   --data-dir DIR       root of the nodes' DATA_DIRs and the shared IMAGE_DIR (default ./data/cluster)
//   --workers N          INFERENCE_WORKERS per node (default 1 on node 0, 0 on the others)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config';
import { generateToken } from '../storage/tokens';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const ArgsSchema = z.object({
  nodes: z.coerce.number().int().min(1).max(32),
  basePort: z.coerce.number().int().min(1).max(65_000),
  databaseUrl: z.string().url(),
  redisUrl: z.string().url(),
  dataDir: z.string().min(1),
  workers: z.coerce.number().int().min(0).optional(),
});

function parse() {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '3' },
      'base-port': { type: 'string', default: '3000' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      'data-dir': { type: 'string', default: './data/cluster' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('npm run cluster -- [--nodes 3] [--base-port 3000] [--database-url URL] [--redis-url URL] [--data-dir DIR] [--workers N]');
    process.exit(0);
  }
  // Environment values (validated by the one config loader) are the defaults of the URL flags.
  const env = loadConfig();
  const r = ArgsSchema.safeParse({
    nodes: values.nodes,
    basePort: values['base-port'],
    databaseUrl: values['database-url'] ?? env.shared.databaseUrl ?? 'postgres://127.0.0.1:5432/test',
    redisUrl: values['redis-url'] ?? env.shared.redisUrl ?? 'redis://127.0.0.1:6379',
    dataDir: values['data-dir'],
    workers: values.workers,
  });
  if (!r.success) {
    for (const i of r.error.issues) console.error(`--${i.path.join('.')}: ${i.message}`);
    process.exit(1);
  }
  return { ...r.data, adminToken: env.adminToken };
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before it was ready`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not healthy after ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  const opts = parse();
  const root = path.resolve(opts.dataDir);
  const imageDir = path.join(root, 'images');
  fs.mkdirSync(imageDir, { recursive: true });
  // One admin token for the whole cluster: given, or generated once and kept with the data.
  const tokenFile = path.join(root, 'admin-token');
  const adminToken =
    opts.adminToken ?? (fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, 'utf8').trim() : generateToken());
  if (!opts.adminToken && !fs.existsSync(tokenFile)) fs.writeFileSync(tokenFile, adminToken + '\n', { mode: 0o600 });

  const children: ChildProcess[] = [];
  let stopping = false;
  let failed = false;

  const startNode = (i: number): { child: ChildProcess; url: string } => {
    const port = opts.basePort + i;
    const dataDir = path.join(root, `node-${i}`);
    fs.mkdirSync(dataDir, { recursive: true });
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server', 'main.ts')], {
      cwd: repoRoot,
      env: {
        // A launcher passes its environment on to the nodes it starts; each node validates it
        // with loadConfig, so this is forwarding, not reading config.
        // eslint-disable-next-line no-restricted-properties
        ...process.env,
        PORT: String(port),
        NODE_ID: `node-${i}`,
        DATA_DIR: dataDir,
        IMAGE_DIR: imageDir,
        DATABASE_URL: opts.databaseUrl,
        REDIS_URL: opts.redisUrl,
        ADMIN_TOKEN: adminToken,
        INFERENCE_WORKERS: String(opts.workers ?? (i === 0 ? 1 : 0)),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Each line prefixed with the node, so interleaved output stays readable.
    const prefix = `[node-${i}] `;
    for (const stream of [child.stdout!, child.stderr!]) {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) (stream === child.stderr ? process.stderr : process.stdout).write(prefix + l + '\n');
      });
    }
    child.on('exit', (code, signal) => {
      if (!stopping) {
        failed = true;
        console.error(`\n!! node-${i} (port ${port}) exited (code ${code}, signal ${signal}); it is NOT restarted.`);
      }
      if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(failed ? 1 : 0);
    });
    children.push(child);
    return { child, url: `http://127.0.0.1:${port}` };
  };

  const forward = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));
  process.on('SIGHUP', () => forward('SIGHUP'));

  // Node 0 first: it migrates the schema and registers the admin token, which the others then
  // find in place (started together, they would race to register it).
  const urls: string[] = [];
  try {
    const first = startNode(0);
    await waitHealthy(first.url, first.child);
    urls.push(first.url);
    const rest = Array.from({ length: opts.nodes - 1 }, (_, k) => startNode(k + 1));
    await Promise.all(rest.map((n) => waitHealthy(n.url, n.child)));
    urls.push(...rest.map((n) => n.url));
  } catch (e) {
    console.error(`cluster failed to start: ${(e as Error).message}`);
    forward('SIGTERM');
    return;
  }
  console.log(`\nTandem cluster: ${opts.nodes} node(s) on PostgreSQL ${redact(opts.databaseUrl)} and Redis ${redact(opts.redisUrl)}`);
  urls.forEach((u, i) => console.log(`  node-${i}  ${u}`));
  console.log(`Sign in as admin on any node: ${urls[0]}/?token=${encodeURIComponent(adminToken)}`);
  console.log('Ctrl-C stops every node.\n');
}

/** A URL without its password, for printing. */
function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

await main();
