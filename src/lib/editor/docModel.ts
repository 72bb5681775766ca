// The editor's one window onto the task document (contract 4 of DESIGN.md). Every write happens
// in `doc.transact(fn, origin)` with this client's local origin so History can track it.
// Reads return plain values (never Y types) so read-models and views can hold them safely.
import * as Y from 'yjs';
import type { Rle } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';

export interface Click {
  x: number;
  y: number;
  positive: boolean;
  by: string;
  at: number;
}

export interface ObjectView {
  id: ObjectId;
  label: string;
  mask: Rle | null;
  clicks: Click[];
  createdBy: string;
  updatedBy: string;
  createdAt: number;
  updatedAt: number;
  hidden: boolean;
  locked: boolean;
  source: string | null;
  model: string | null;
}

export interface NewObject {
  id: ObjectId;
  label: string;
  mask?: Rle;
  clicks?: Click[];
  by: string;
  source?: string;
  model?: string;
}

type YObject = Y.Map<unknown>;

export class DocModel {
  readonly objects: Y.Map<YObject>;
  readonly metaMap: Y.Map<unknown>;

  constructor(
    readonly doc: Y.Doc,
    readonly origin: unknown,
  ) {
    this.objects = doc.getMap('objects') as Y.Map<YObject>;
    this.metaMap = doc.getMap('meta');
  }

  meta(): { width: number; height: number; taskId: string } | null {
    const w = this.metaMap.get('width');
    const h = this.metaMap.get('height');
    if (typeof w !== 'number' || typeof h !== 'number') return null;
    return { width: w, height: h, taskId: String(this.metaMap.get('taskId') ?? '') };
  }

  read(id: ObjectId): ObjectView | null {
    const m = this.objects.get(id);
    return m instanceof Y.Map ? toView(id, m) : null;
  }

  list(): ObjectView[] {
    const out: ObjectView[] = [];
    this.objects.forEach((m, id) => {
      if (m instanceof Y.Map) out.push(toView(id as ObjectId, m));
    });
    return sortByDrawOrder(out);
  }

  has(id: ObjectId): boolean {
    return this.objects.has(id);
  }

  create(o: NewObject): ObjectId {
    this.doc.transact(() => {
      const m = new Y.Map<unknown>();
      const now = Date.now();
      m.set('label', o.label);
      if (o.mask) m.set('mask', o.mask);
      const clicks = new Y.Array<Click>();
      if (o.clicks?.length) clicks.push(o.clicks);
      m.set('clicks', clicks);
      m.set('createdBy', o.by);
      m.set('updatedBy', o.by);
      m.set('createdAt', now);
      m.set('updatedAt', now);
      if (o.source) m.set('source', o.source);
      if (o.model) m.set('model', o.model);
      this.objects.set(o.id, m);
    }, this.origin);
    return o.id;
  }

  private update(id: ObjectId, by: string, fn: (m: YObject) => void): void {
    const m = this.objects.get(id);
    if (!(m instanceof Y.Map)) return;
    this.doc.transact(() => {
      fn(m);
      m.set('updatedBy', by);
      m.set('updatedAt', Date.now());
    }, this.origin);
  }

  setLabel(id: ObjectId, label: string, by: string): void {
    this.update(id, by, (m) => m.set('label', label));
  }

  setMask(id: ObjectId, mask: Rle, by: string, how: { source: string; model?: string }): void {
    this.update(id, by, (m) => {
      m.set('mask', mask);
      m.set('source', how.source);
      if (how.model) m.set('model', how.model);
    });
  }

  appendClicks(id: ObjectId, clicks: Click[], by: string): void {
    this.update(id, by, (m) => {
      let arr = m.get('clicks');
      if (!(arr instanceof Y.Array)) {
        arr = new Y.Array<Click>();
        m.set('clicks', arr);
      }
      (arr as Y.Array<Click>).push(clicks);
    });
  }

  setFlags(id: ObjectId, flags: { hidden?: boolean; locked?: boolean }, by: string): void {
    this.update(id, by, (m) => {
      if (flags.hidden !== undefined) m.set('hidden', flags.hidden);
      if (flags.locked !== undefined) m.set('locked', flags.locked);
    });
  }

  delete(id: ObjectId): void {
    this.doc.transact(() => this.objects.delete(id), this.origin);
  }

  /**
   * Calls `cb` after every transaction with the ids of the objects it added, changed or removed
   * (deep: a new click or mask inside an object reports that object).
   */
  observe(cb: (changed: Set<ObjectId>, origin: unknown, local: boolean) => void): () => void {
    const handler = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, tr: Y.Transaction) => {
      const changed = new Set<ObjectId>();
      for (const ev of events) {
        if (ev.target === this.objects) {
          for (const key of ev.changes.keys.keys()) changed.add(key as ObjectId);
        } else {
          // path[0] is the object id for anything nested inside an object
          const id = ev.path[0];
          if (typeof id === 'string') changed.add(id as ObjectId);
        }
      }
      if (changed.size) cb(changed, tr.origin, tr.local);
    };
    this.objects.observeDeep(handler);
    return () => this.objects.unobserveDeep(handler);
  }
}

function toView(id: ObjectId, m: YObject): ObjectView {
  const clicks = m.get('clicks');
  const mask = m.get('mask') as Rle | undefined;
  return {
    id,
    label: String(m.get('label') ?? ''),
    mask: mask && Array.isArray(mask.size) && typeof mask.counts === 'string' ? mask : null,
    clicks: clicks instanceof Y.Array ? (clicks.toArray() as Click[]) : [],
    createdBy: String(m.get('createdBy') ?? ''),
    updatedBy: String(m.get('updatedBy') ?? ''),
    createdAt: Number(m.get('createdAt') ?? m.get('updatedAt') ?? 0),
    updatedAt: Number(m.get('updatedAt') ?? 0),
    hidden: m.get('hidden') === true,
    locked: m.get('locked') === true,
    source: (m.get('source') as string | undefined) ?? null,
    model: (m.get('model') as string | undefined) ?? null,
  };
}

/** Bottom to top: oldest first, ties by id, so every client stacks masks the same way. */
export function sortByDrawOrder<T extends { id: string; createdAt: number }>(list: T[]): T[] {
  return list.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
