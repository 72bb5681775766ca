/**
 * The task document, schema version 1 (contract 4 of DESIGN.md), room `task:<taskId>`:
 *
 * - root `Y.Map('meta')`: `{schemaVersion: 1, taskId, width, height}` (image pixels);
 * - root `Y.Map('objects')`: object id → `Y.Map` with `label` (string), `mask` (COCO compressed
 *   RLE as a plain object, or null), `clicks` (`Y.Array` of {@link Click}), `createdBy`,
 *   `createdAt`, `updatedBy`, `updatedAt` (epoch ms), and optionally `source`, `model`,
 *   `hidden`, `locked` and `attributes` (`Y.Map` of attribute name → value, see ./attributes).
 *
 * Accessors here are the only code that should touch those Y types. Mutators run in
 * `doc.transact(fn, origin)`; readers return validated plain values and treat anything that does
 * not validate (a remote client's garbage) as absent rather than throwing.
 */
import * as Y from 'yjs';
import { z } from 'zod';
import { isValidRle, RleSchema, type Rle } from '../codecs/rle';
import { ErrorCode, TandemError } from '../protocol/errors';
import { AttributeValuesSchema, MAX_ATTRIBUTE_NAME, MAX_ATTRIBUTE_TEXT, type AttributeValue } from './attributes';
import { newId, type ObjectId } from './ids';

/** The schema version this build reads and writes. */
export const SCHEMA_VERSION = 1;

/** Longest label we accept, in UTF-16 code units. */
export const MAX_LABEL_LENGTH = 200;

const idString = z.string().min(1).max(128);

/** An object id (non-empty string, at most 128 characters). */
export const ObjectIdSchema = z.custom<ObjectId>((v) => idString.safeParse(v).success, 'invalid object id');

/** One click in image pixels; `by` is the user id, `at` epoch ms. */
export const ClickSchema = z.object({
  x: z.number().finite(),
  y: z.number().finite(),
  positive: z.boolean(),
  by: z.string(),
  at: z.number().finite(),
});
/** A click on an object, in image pixels. */
export type Click = z.infer<typeof ClickSchema>;

/** An object mask: COCO compressed RLE whose runs decode cleanly. */
export const MaskSchema: z.ZodType<Rle> = RleSchema.refine(isValidRle, 'mask runs do not decode');

/** One annotation object, as the accessors return it. */
export const AnnotationObjectSchema = z.object({
  id: ObjectIdSchema,
  label: z.string().max(MAX_LABEL_LENGTH),
  mask: MaskSchema.nullable(),
  clicks: z.array(ClickSchema),
  createdBy: z.string(),
  createdAt: z.number().finite(),
  updatedBy: z.string(),
  updatedAt: z.number().finite(),
  source: z.string().optional(),
  model: z.string().optional(),
  /** What made the object, set once at creation and never after (`detector`: a pre-label), while
   *  `source` follows the mask; a bad value from a peer reads as none rather than hiding the object. */
  createdFrom: z.string().max(64).optional().catch(undefined),
  hidden: z.boolean().optional(),
  locked: z.boolean().optional(),
  /** Stored attribute values by name; read them through the label's definitions (resolveAttributes). */
  attributes: AttributeValuesSchema.optional(),
});
/** A plain, validated snapshot of one object. */
export type AnnotationObject = z.infer<typeof AnnotationObjectSchema>;

/** The `meta` map of a task document. */
export const TaskMetaSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  taskId: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
/** Task metadata: the image size in pixels. */
export type TaskMeta = z.infer<typeof TaskMetaSchema>;

/** The root `meta` map. */
export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('meta');
}

/** The root `objects` map: object id → object `Y.Map`. */
export function objectsMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap('objects');
}

/**
 * Fills in `meta` for a task document: task id and image size where missing, and
 * `schemaVersion: 1` when the document holds no objects yet. Idempotent, and safe to call on
 * every load. A document that has objects but no schema version is a version-0 document: its
 * version is left for {@link ../schema/migrations!migrateTaskDoc} to bring up, after converting
 * its objects.
 */
export function initTaskDoc(
  doc: Y.Doc,
  meta: { taskId: string; width: number; height: number },
  origin?: unknown,
): void {
  const parsed = TaskMetaSchema.safeParse({ schemaVersion: SCHEMA_VERSION, ...meta });
  if (!parsed.success) throw new TandemError(ErrorCode.ValidationFailed, `invalid task meta: ${parsed.error.message}`);
  const m = metaMap(doc);
  const fresh = m.get('schemaVersion') === undefined && objectsMap(doc).size === 0;
  const missing = (['taskId', 'width', 'height'] as const).filter((k) => m.get(k) === undefined);
  if (!fresh && !missing.length) return;
  doc.transact(() => {
    for (const k of missing) m.set(k, parsed.data[k]);
    if (fresh) m.set('schemaVersion', SCHEMA_VERSION);
  }, origin);
}

/** The document's metadata, or null when it is missing or invalid (e.g. not yet synced). */
export function readMeta(doc: Y.Doc): TaskMeta | null {
  const parsed = TaskMetaSchema.safeParse(metaMap(doc).toJSON());
  return parsed.success ? parsed.data : null;
}

function invalid(message: string): TandemError {
  return new TandemError(ErrorCode.ValidationFailed, message);
}

function checkLabel(label: unknown): string {
  const parsed = z.string().max(MAX_LABEL_LENGTH).safeParse(label);
  if (!parsed.success) throw invalid(`label must be a string of at most ${MAX_LABEL_LENGTH} characters`);
  return parsed.data;
}

function checkMask(doc: Y.Doc, mask: unknown): Rle | null {
  if (mask === null) return null;
  if (!isValidRle(mask)) throw invalid('mask is not a valid COCO RLE');
  const meta = readMeta(doc);
  if (meta && (mask.size[0] !== meta.height || mask.size[1] !== meta.width)) {
    throw invalid(`mask is ${mask.size[1]}x${mask.size[0]}, the image ${meta.width}x${meta.height}`);
  }
  // A fresh plain object: Yjs stores it by value, and callers may reuse theirs.
  return { size: [mask.size[0], mask.size[1]], counts: mask.counts };
}

function checkClicks(clicks: unknown): Click[] {
  const parsed = z.array(ClickSchema).safeParse(clicks);
  if (!parsed.success) throw invalid(`invalid clicks: ${parsed.error.message}`);
  return parsed.data;
}

function getObject(doc: Y.Doc, id: ObjectId): Y.Map<unknown> {
  const o = objectsMap(doc).get(id);
  if (!(o instanceof Y.Map)) throw new TandemError(ErrorCode.NotFound, `object ${id} not found`);
  return o;
}

function touch(o: Y.Map<unknown>, by: string, at: number): void {
  o.set('updatedBy', by);
  o.set('updatedAt', at);
}

/** What {@link createObject} takes. `at` (epoch ms) defaults to now. */
export interface NewObjectInput {
  id?: ObjectId;
  label: string;
  mask?: Rle | null;
  clicks?: Click[];
  by: string;
  source?: string;
  model?: string;
  /** What made it (`detector`), kept for good: analytics count what became of pre-labels. */
  createdFrom?: string;
  attributes?: Record<string, AttributeValue>;
  at?: number;
}

/**
 * Adds an object and returns its id (a new random one unless `input.id` is given).
 * Throws TandemError('conflict') when the id exists, 'validation_failed' on bad input (a mask
 * that does not decode or does not match the image size, a label that is too long).
 */
export function createObject(doc: Y.Doc, input: NewObjectInput, origin?: unknown): ObjectId {
  const id = input.id ?? (newId() as ObjectId);
  if (!ObjectIdSchema.safeParse(id).success) throw invalid('invalid object id');
  const label = checkLabel(input.label);
  const mask = checkMask(doc, input.mask ?? null);
  const clicks = checkClicks(input.clicks ?? []);
  const attributes = input.attributes ? checkAttributes(input.attributes) : [];
  const objects = objectsMap(doc);
  if (objects.has(id)) throw new TandemError(ErrorCode.Conflict, `object ${id} already exists`);
  const at = input.at ?? Date.now();
  doc.transact(() => {
    const o = new Y.Map<unknown>();
    objects.set(id, o);
    o.set('label', label);
    o.set('mask', mask);
    const ys = new Y.Array<Click>();
    o.set('clicks', ys);
    if (clicks.length) ys.push(clicks);
    o.set('createdBy', input.by);
    o.set('createdAt', at);
    touch(o, input.by, at);
    if (input.source !== undefined) o.set('source', input.source);
    if (input.model !== undefined) o.set('model', input.model);
    if (input.createdFrom !== undefined) o.set('createdFrom', input.createdFrom);
    // Made with the object, never later: two people setting the first values of an object at once
    // would each create the map, and Yjs would keep one map and drop the other's values.
    writeAttributes(o, attributes);
  }, origin);
  return id;
}

/** Renames an object's label. Throws 'not_found' / 'validation_failed'. */
export function setLabel(doc: Y.Doc, id: ObjectId, label: string, by: string, origin?: unknown): void {
  const o = getObject(doc, id);
  const l = checkLabel(label);
  doc.transact(() => {
    o.set('label', l);
    touch(o, by, Date.now());
  }, origin);
}

/**
 * Replaces an object's mask (null clears it). With `opts`, `source` and `model` are set to
 * exactly what it says (an absent `model` is removed: a brush stroke has no model); without
 * `opts` they are left alone. Throws 'not_found' / 'validation_failed'.
 */
export function setMask(
  doc: Y.Doc,
  id: ObjectId,
  mask: Rle | null,
  by: string,
  opts?: { source?: string; model?: string },
  origin?: unknown,
): void {
  const o = getObject(doc, id);
  const m = checkMask(doc, mask);
  doc.transact(() => {
    o.set('mask', m);
    if (opts) {
      if (opts.source !== undefined) o.set('source', opts.source);
      else o.delete('source');
      if (opts.model !== undefined) o.set('model', opts.model);
      else o.delete('model');
    }
    touch(o, by, Date.now());
  }, origin);
}

/** The object's click list, created if a malformed or migrated object lacks one. */
function clicksArray(o: Y.Map<unknown>): Y.Array<Click> {
  const c = o.get('clicks');
  if (c instanceof Y.Array) return c as Y.Array<Click>;
  const ys = new Y.Array<Click>();
  o.set('clicks', ys);
  return ys;
}

/** Appends clicks to an object's history. Throws 'not_found' / 'validation_failed'. */
export function appendClicks(doc: Y.Doc, id: ObjectId, clicks: Click[], by: string, origin?: unknown): void {
  const o = getObject(doc, id);
  const cs = checkClicks(clicks);
  if (!cs.length) return;
  doc.transact(() => {
    clicksArray(o).push(cs);
    touch(o, by, Date.now());
  }, origin);
}

/** Removes every click of an object (e.g. "start over"). Throws 'not_found'. */
export function clearClicks(doc: Y.Doc, id: ObjectId, by: string, origin?: unknown): void {
  const o = getObject(doc, id);
  doc.transact(() => {
    const ys = clicksArray(o);
    if (ys.length) ys.delete(0, ys.length);
    touch(o, by, Date.now());
  }, origin);
}

/** Sets the `hidden` and/or `locked` flags. Throws 'not_found'. */
export function setFlags(
  doc: Y.Doc,
  id: ObjectId,
  flags: { hidden?: boolean; locked?: boolean },
  by: string,
  origin?: unknown,
): void {
  const o = getObject(doc, id);
  doc.transact(() => {
    if (typeof flags.hidden === 'boolean') o.set('hidden', flags.hidden);
    if (typeof flags.locked === 'boolean') o.set('locked', flags.locked);
    touch(o, by, Date.now());
  }, origin);
}

/** True for a value the document may hold under a name the document may hold (objects and the image alike). */
export function isStorableAttribute(name: unknown, v: unknown): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_ATTRIBUTE_NAME) return false;
  return typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= MAX_ATTRIBUTE_TEXT);
}

export function checkAttributes(values: Record<string, AttributeValue | null>): Array<[string, AttributeValue | null]> {
  const entries = Object.entries(values);
  for (const [k, v] of entries) if (v !== null && !isStorableAttribute(k, v)) throw invalid(`invalid value for attribute ${JSON.stringify(k.slice(0, MAX_ATTRIBUTE_NAME))}`);
  return entries;
}

function writeAttributes(o: Y.Map<unknown>, entries: Array<[string, AttributeValue | null]>): void {
  let m = o.get('attributes');
  if (!(m instanceof Y.Map)) {
    m = new Y.Map<unknown>();
    o.set('attributes', m);
  }
  for (const [k, v] of entries) {
    if (v === null) (m as Y.Map<unknown>).delete(k);
    else (m as Y.Map<unknown>).set(k, v);
  }
}

/**
 * Gives every object made before attributes existed its (empty) attribute map. The server runs it
 * when it loads a task room, before any client syncs, so no two people later race to create the
 * map (see createObject). Writes nothing when every object has one.
 */
export function ensureAttributeMaps(doc: Y.Doc, origin?: unknown): void {
  const missing = [...objectsMap(doc).values()].filter((o) => o instanceof Y.Map && !(o.get('attributes') instanceof Y.Map));
  if (missing.length) doc.transact(() => missing.forEach((o) => writeAttributes(o, [])), origin);
}

/**
 * Sets attribute values of an object (null removes one: it reads as its default again). Each name
 * is its own key, so people setting different attributes of one object at once both keep theirs.
 * Whether a value suits the label's definition is the caller's check (the document stores any
 * boolean, finite number or text). Throws 'not_found' / 'validation_failed'.
 */
export function setAttributes(doc: Y.Doc, id: ObjectId, values: Record<string, AttributeValue | null>, by: string, origin?: unknown): void {
  const o = getObject(doc, id);
  const entries = checkAttributes(values);
  if (!entries.length) return;
  doc.transact(() => {
    writeAttributes(o, entries);
    touch(o, by, Date.now());
  }, origin);
}

/** Each object's label, read without validating the masks (cheap on a room of big masks). */
export function objectLabels(doc: Y.Doc): Map<string, string> {
  const out = new Map<string, string>();
  objectsMap(doc).forEach((o, id) => {
    const label = o instanceof Y.Map ? o.get('label') : undefined;
    if (typeof label === 'string') out.set(id, label);
  });
  return out;
}

/** Deletes an object. Throws 'not_found'. */
export function deleteObject(doc: Y.Doc, id: ObjectId, origin?: unknown): void {
  getObject(doc, id);
  doc.transact(() => objectsMap(doc).delete(id), origin);
}

/** Plain snapshot of an object's Y.Map, validated; null when it does not validate. */
function snapshot(doc: Y.Doc, id: string, o: unknown, meta: TaskMeta | null): AnnotationObject | null {
  if (!(o instanceof Y.Map)) return null;
  const clicks = o.get('clicks');
  const raw: Record<string, unknown> = { id, ...o.toJSON(), clicks: clicks instanceof Y.Array ? clicks.toArray() : clicks };
  // Every mutator writes these keys, but a Y.UndoManager undo of a key that a peer overwrote
  // meanwhile can leave the key deleted on every peer (seen in the convergence fuzz). Read such
  // an object with neutral defaults instead of losing it.
  raw.label ??= '';
  raw.mask ??= null;
  raw.clicks ??= [];
  raw.updatedBy ??= raw.createdBy;
  raw.updatedAt ??= raw.createdAt;
  // A peer's garbage under one attribute name must not hide the whole object: drop that entry.
  const attrs = raw.attributes;
  if (attrs !== undefined) {
    raw.attributes =
      attrs && typeof attrs === 'object' && !Array.isArray(attrs)
        ? Object.fromEntries(Object.entries(attrs).filter(([k, v]) => isStorableAttribute(k, v)))
        : undefined;
  }
  const parsed = AnnotationObjectSchema.safeParse(raw);
  if (!parsed.success) return null;
  const mask = parsed.data.mask;
  if (mask && meta && (mask.size[0] !== meta.height || mask.size[1] !== meta.width)) return null;
  return parsed.data;
}

/** One object as a validated plain value; null when missing or invalid. Never throws. */
export function readObject(doc: Y.Doc, id: ObjectId): AnnotationObject | null {
  return snapshot(doc, id, objectsMap(doc).get(id), readMeta(doc));
}

/** Every valid object, sorted by `createdAt`, then id. Invalid entries are left out. */
export function listObjects(doc: Y.Doc): AnnotationObject[] {
  const meta = readMeta(doc);
  const out: AnnotationObject[] = [];
  objectsMap(doc).forEach((o, id) => {
    const s = snapshot(doc, id, o, meta);
    if (s) out.push(s);
  });
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Calls `cb` after every transaction that adds, changes or deletes objects, with the ids touched
 * (read them with {@link readObject}: null means deleted or invalid) and the transaction's
 * origin. Returns the function that stops observing.
 */
export function observeObjects(doc: Y.Doc, cb: (changed: Set<ObjectId>, origin: unknown) => void): () => void {
  const objects = objectsMap(doc);
  const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[], txn: Y.Transaction): void => {
    const changed = new Set<ObjectId>();
    for (const e of events) {
      if (e.target === objects) for (const key of e.changes.keys.keys()) changed.add(key as ObjectId);
      else if (e.path.length > 0) changed.add(String(e.path[0]) as ObjectId);
    }
    if (changed.size) cb(changed, txn.origin);
  };
  objects.observeDeep(handler);
  return () => objects.unobserveDeep(handler);
}
