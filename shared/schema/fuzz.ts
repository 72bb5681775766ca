/**
 * Seeded convergence fuzz over the task-document accessors. {@link runConvergenceFuzz} runs N
 * in-memory `Y.Doc`s that exchange updates with random delivery order, duplication and
 * partitions while doing random schema operations (create, relabel, replace mask, append and
 * clear clicks, flags, delete, undo, redo with a per-client `Y.UndoManager`), then checks that
 * every document ends identical and every object validates. The operation generator
 * ({@link createFuzzClient}, {@link randomOperation}) and the final check
 * ({@link assertConverged}) are exported so the server's network fuzz can reuse them over real
 * sockets.
 */
import * as Y from 'yjs';
import { encodeRle, type Rle } from '../codecs/rle';
import {
  appendClicks,
  clearClicks,
  createObject,
  deleteObject,
  initTaskDoc,
  listObjects,
  objectsMap,
  setFlags,
  setLabel,
  setMask,
  type Click,
} from './annotation';
import type { ObjectId } from './ids';
import { LocalOrigin } from './origins';
import { createPrng, type Prng } from './prng';
import { createUndoManager } from './undo';

/** The kinds of operation {@link randomOperation} performs. */
export const FUZZ_OPS = ['create', 'relabel', 'mask', 'clicks', 'clearClicks', 'flags', 'delete', 'undo', 'redo'] as const;
/** One of {@link FUZZ_OPS}. */
export type FuzzOp = (typeof FUZZ_OPS)[number];

/** A simulated editor session: a document, its local origin and its undo manager. */
export interface FuzzClient {
  userId: string;
  doc: Y.Doc;
  origin: LocalOrigin;
  undo: Y.UndoManager;
}

/** Image size of fuzz documents, in pixels; small so masks stay cheap. */
export const FUZZ_IMAGE = { width: 24, height: 16 } as const;

const LABELS = ['cat', 'dog', 'car', 'person', 'tree', ''];

/**
 * Wraps `doc` as a fuzz client. The undo manager tracks this client's origin only and never
 * merges steps (captureTimeout 0), so every undo reverts exactly one operation.
 */
export function createFuzzClient(doc: Y.Doc, userId: string): FuzzClient {
  const origin = new LocalOrigin(userId, 'fuzz');
  return { userId, doc, origin, undo: createUndoManager(doc, origin, { captureTimeout: 0, maxDepth: 50 }) };
}

/** A random mask of one to three rectangles over the fuzz image. */
export function randomMask(rng: Prng, width: number = FUZZ_IMAGE.width, height: number = FUZZ_IMAGE.height): Rle {
  const m = new Uint8Array(width * height);
  for (let r = rng.int(1, 3); r > 0; r--) {
    const x0 = rng.int(0, width - 1);
    const y0 = rng.int(0, height - 1);
    const x1 = rng.int(x0 + 1, width);
    const y1 = rng.int(y0 + 1, height);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * width + x] = 1;
  }
  return encodeRle(m, width, height);
}

function randomClicks(rng: Prng, by: string): Click[] {
  const out: Click[] = [];
  for (let n = rng.int(1, 3); n > 0; n--) {
    out.push({ x: rng.int(0, FUZZ_IMAGE.width - 1) + 0.5, y: rng.int(0, FUZZ_IMAGE.height - 1) + 0.5, positive: rng.chance(0.7), by, at: rng.int(0, 1e9) });
  }
  return out;
}

/**
 * Performs one random operation on `client` and returns its kind. Operations on an object pick
 * one the client currently sees; with none visible, the operation becomes a create.
 */
export function randomOperation(rng: Prng, client: FuzzClient): FuzzOp {
  const { doc, origin, userId: by } = client;
  const ids = [...objectsMap(doc).keys()] as ObjectId[];
  let op: FuzzOp = rng.pick(FUZZ_OPS);
  if (!ids.length && op !== 'undo' && op !== 'redo') op = 'create';
  if (op === 'create' && ids.length > 12) op = 'delete';
  const id = ids.length ? rng.pick(ids) : ('' as ObjectId);
  switch (op) {
    case 'create':
      createObject(doc, { label: rng.pick(LABELS), mask: rng.chance(0.7) ? randomMask(rng) : null, clicks: rng.chance(0.5) ? randomClicks(rng, by) : [], by, source: 'model', model: 'fuzz' }, origin);
      break;
    case 'relabel':
      setLabel(doc, id, rng.pick(LABELS), by, origin);
      break;
    case 'mask':
      setMask(doc, id, rng.chance(0.9) ? randomMask(rng) : null, by, rng.chance(0.5) ? { source: 'brush' } : undefined, origin);
      break;
    case 'clicks':
      appendClicks(doc, id, randomClicks(rng, by), by, origin);
      break;
    case 'clearClicks':
      clearClicks(doc, id, by, origin);
      break;
    case 'flags':
      setFlags(doc, id, { hidden: rng.chance(0.5), locked: rng.chance(0.3) }, by, origin);
      break;
    case 'delete':
      deleteObject(doc, id, origin);
      break;
    case 'undo':
      client.undo.undo();
      break;
    case 'redo':
      client.undo.redo();
      break;
  }
  return op;
}

/** A canonical JSON view of a document's objects: every key of every entry, valid or not. */
function rawObjects(doc: Y.Doc): string {
  const out: Record<string, unknown> = {};
  const objects = objectsMap(doc);
  for (const id of [...objects.keys()].sort()) {
    const o = objects.get(id);
    out[id] = o instanceof Y.Map ? Object.fromEntries(Object.entries(o.toJSON()).sort(([a], [b]) => (a < b ? -1 : 1))) : o;
  }
  return JSON.stringify(out);
}

/**
 * Throws when the documents differ (state vectors, raw objects, or `listObjects`) or when any
 * object entry fails validation. `label` names the run in the error.
 */
export function assertConverged(docs: Y.Doc[], label = ''): void {
  const sv0 = Y.encodeStateVector(docs[0]).toString();
  const raw0 = rawObjects(docs[0]);
  const list0 = JSON.stringify(listObjects(docs[0]));
  docs.forEach((doc, i) => {
    if (Y.encodeStateVector(doc).toString() !== sv0) throw new Error(`${label}: client ${i} has another state vector`);
    if (rawObjects(doc) !== raw0) throw new Error(`${label}: client ${i} objects differ:\n${rawObjects(doc)}\nvs\n${raw0}`);
    if (JSON.stringify(listObjects(doc)) !== list0) throw new Error(`${label}: client ${i} listObjects differs`);
    const valid = listObjects(doc).length;
    const total = objectsMap(doc).size;
    if (valid !== total) throw new Error(`${label}: client ${i} has ${total - valid} invalid objects:\n${rawObjects(doc)}`);
  });
}

/** Options of {@link runConvergenceFuzz}. */
export interface ConvergenceFuzzOptions {
  /** Number of documents (at least 2). Default 5. */
  clients?: number;
  /** Number of simulation steps. Default 80. */
  steps?: number;
  /** Probability that a delivered update is delivered again later. Default 0.1. */
  duplicate?: number;
  /** Probability per step that a client is cut off or reconnected. Default 0.05. */
  partition?: number;
}

/** What one fuzz run did. */
export interface ConvergenceFuzzResult {
  seed: number;
  ops: Record<FuzzOp, number>;
  delivered: number;
  duplicated: number;
  partitions: number;
  objects: number;
}

const NET = Symbol('fuzz-net');

/**
 * Runs one seeded fuzz and throws (with the seed in the message) if the documents do not
 * converge or hold an invalid object. Deterministic for a given seed and options, except for the
 * wall-clock `updatedAt`/`createdAt` values the accessors write.
 */
export function runConvergenceFuzz(seed: number, opts: ConvergenceFuzzOptions = {}): ConvergenceFuzzResult {
  const rng = createPrng(seed);
  const n = Math.max(2, opts.clients ?? 5);
  const steps = opts.steps ?? 80;
  const pDup = opts.duplicate ?? 0.1;
  const pPart = opts.partition ?? 0.05;
  const result: ConvergenceFuzzResult = {
    seed,
    ops: Object.fromEntries(FUZZ_OPS.map((k) => [k, 0])) as Record<FuzzOp, number>,
    delivered: 0,
    duplicated: 0,
    partitions: 0,
    objects: 0,
  };
  const clients: FuzzClient[] = [];
  const cut = new Array<boolean>(n).fill(false);
  const pending: { to: number; update: Uint8Array }[] = [];
  for (let i = 0; i < n; i++) {
    const doc = new Y.Doc();
    const idx = i;
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === NET || cut[idx]) return; // a cut-off client's edits reach nobody until it heals
      for (let j = 0; j < n; j++) if (j !== idx && !cut[j]) pending.push({ to: j, update });
    });
    clients.push(createFuzzClient(doc, `user${i}`));
  }
  // Every client knows the task meta from the start (the server writes it at load).
  initTaskDoc(clients[0].doc, { taskId: `fuzz-${seed}`, ...FUZZ_IMAGE });
  for (let i = 1; i < n; i++) Y.applyUpdate(clients[i].doc, Y.encodeStateAsUpdate(clients[0].doc), NET);

  const deliverOne = (): void => {
    const k = rng.int(0, pending.length - 1);
    const [msg] = pending.splice(k, 1);
    if (cut[msg.to]) return; // lost: the sync on reconnect makes up for it
    Y.applyUpdate(clients[msg.to].doc, msg.update, NET);
    result.delivered++;
    if (rng.chance(pDup)) {
      pending.push(msg);
      result.duplicated++;
    }
  };
  // Reconnecting is what y-websocket does: exchange state vectors and send what the other lacks.
  const heal = (i: number): void => {
    cut[i] = false;
    for (let j = 0; j < n; j++) {
      if (j === i || cut[j]) continue;
      const a = clients[i].doc;
      const b = clients[j].doc;
      const toB = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
      const toA = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
      Y.applyUpdate(b, toB, NET);
      Y.applyUpdate(a, toA, NET);
    }
  };

  for (let s = 0; s < steps; s++) {
    const r = rng.next();
    if (r < pPart) {
      const i = rng.int(0, n - 1);
      if (cut[i]) heal(i);
      else {
        cut[i] = true;
        result.partitions++;
      }
    } else if (r < 0.6) {
      const c = rng.int(0, n - 1);
      result.ops[randomOperation(rng, clients[c])]++;
    } else {
      for (let k = rng.int(1, 6); k > 0 && pending.length; k--) deliverOne();
    }
  }
  for (let i = 0; i < n; i++) if (cut[i]) heal(i);
  while (pending.length) deliverOne();
  assertConverged(
    clients.map((c) => c.doc),
    `seed ${seed}`,
  );
  result.objects = objectsMap(clients[0].doc).size;
  for (const c of clients) {
    c.undo.destroy();
    c.doc.destroy();
  }
  return result;
}
