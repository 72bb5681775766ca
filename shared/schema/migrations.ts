/**
 * Schema migrations of task documents. Each step brings a document from version n to n + 1 and
 * is registered in {@link MIGRATIONS}; {@link migrateTaskDoc} runs the steps a document needs,
 * in one transaction. Steps must be idempotent and deterministic: two peers (or the server and a
 * client) may migrate the same document at once, and their writes must agree.
 *
 * Version 0 is a document without `meta.schemaVersion`: objects may be plain JSON objects instead
 * of `Y.Map`s, `clicks` plain arrays instead of `Y.Array`s, and bookkeeping fields may be missing.
 */
import * as Y from 'yjs';
import { isValidRle } from '../codecs/rle';
import { ErrorCode, TandemError } from '../protocol/errors';
import { ClickSchema, metaMap, objectsMap, SCHEMA_VERSION, type Click } from './annotation';

/** One migration step: rewrites `doc` from version `from` to `from + 1`, inside a transaction. */
export interface MigrationStep {
  from: number;
  describe: string;
  run(doc: Y.Doc): void;
}

function asRecord(v: unknown): Record<string, unknown> {
  if (v instanceof Y.Map) return v.toJSON() as Record<string, unknown>;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** v0 → v1: objects become Y.Maps with a Y.Array of clicks and every required field. */
const v0ToV1: MigrationStep = {
  from: 0,
  describe: 'objects as Y.Map with Y.Array clicks; default missing fields; drop undecodable masks',
  run(doc) {
    const objects = objectsMap(doc);
    for (const [id, value] of [...objects.entries()]) {
      const old = asRecord(value);
      const o = value instanceof Y.Map ? value : new Y.Map<unknown>();
      if (!(value instanceof Y.Map)) objects.set(id, o);
      const str = (k: string, dflt: string) => (typeof old[k] === 'string' ? (old[k] as string) : dflt);
      const num = (k: string, dflt: number) => (typeof old[k] === 'number' && Number.isFinite(old[k]) ? (old[k] as number) : dflt);
      const set = (k: string, v: unknown) => {
        if (o.get(k) !== v) o.set(k, v);
      };
      set('label', str('label', ''));
      if (!isValidRle(old.mask)) set('mask', null);
      else if (!(value instanceof Y.Map)) o.set('mask', old.mask);
      const createdAt = num('createdAt', num('updatedAt', 0));
      set('createdBy', str('createdBy', str('updatedBy', '')));
      set('createdAt', createdAt);
      set('updatedBy', str('updatedBy', str('createdBy', '')));
      set('updatedAt', num('updatedAt', createdAt));
      for (const [k, type] of [['source', 'string'], ['model', 'string'], ['hidden', 'boolean'], ['locked', 'boolean']]) {
        if (typeof old[k] === type) set(k, old[k]);
        else if (o.has(k)) o.delete(k);
      }
      const clicks = o.get('clicks');
      if (!(clicks instanceof Y.Array)) {
        const raw = Array.isArray(old.clicks) ? old.clicks : [];
        const valid = raw.filter((c): c is Click => ClickSchema.safeParse(c).success);
        const ys = new Y.Array<Click>();
        o.set('clicks', ys);
        if (valid.length) ys.push(valid);
      }
    }
    metaMap(doc).set('schemaVersion', 1);
  },
};

/** Every step, in order; `MIGRATIONS[i].from === i`. */
export const MIGRATIONS: readonly MigrationStep[] = [v0ToV1];

/** The schema version a document says it has (0 when it says nothing). */
export function docSchemaVersion(doc: Y.Doc): number {
  const v = metaMap(doc).get('schemaVersion');
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

/**
 * Brings a task document up to {@link SCHEMA_VERSION}, running each needed step in order in one
 * transaction with `origin`. Returns the versions before and after. Throws
 * TandemError('conflict') for a document newer than this build understands.
 */
export function migrateTaskDoc(doc: Y.Doc, origin?: unknown, steps: readonly MigrationStep[] = MIGRATIONS): { from: number; to: number } {
  const from = docSchemaVersion(doc);
  if (from > SCHEMA_VERSION) {
    throw new TandemError(ErrorCode.Conflict, `document schema v${from} is newer than this build (v${SCHEMA_VERSION})`);
  }
  if (from === SCHEMA_VERSION) return { from, to: from };
  doc.transact(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) {
      const step = steps[v];
      if (!step || step.from !== v) throw new TandemError(ErrorCode.Internal, `no migration from schema v${v}`);
      step.run(doc);
      metaMap(doc).set('schemaVersion', v + 1);
    }
  }, origin);
  return { from, to: SCHEMA_VERSION };
}
