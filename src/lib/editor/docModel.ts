// The editor's one window onto the task document (contract 4 of DESIGN.md), over the shared
// accessors of shared/schema/annotation.ts. Every write runs in `doc.transact(fn, origin)` with
// this session's LocalOrigin so History can track it. Reads return plain validated values (never
// Y types) so read-models and views can hold them safely. Writes to an object that a
// collaborator deleted meanwhile are dropped quietly (the delete won; nothing to tell the user).
import type * as Y from 'yjs';
import type { Rle } from '../../../shared/codecs/rle';
import {
  appendClicks, createObject, deleteObject, listObjects, objectsMap, observeObjects, readMeta, readObject, setAttributes, setFlags, setLabel, setMask,
  type AnnotationObject, type Click,
} from '../../../shared/schema/annotation';
import type { AttributeValue } from '../../../shared/schema/attributes';
import type { ObjectId } from '../../../shared/schema/ids';
import type { LocalOrigin } from '../../../shared/schema/origins';
import { readImageAttributes, setImageAttributes } from '../../../shared/schema/imageAttributes';

export type { Click };

/** A plain snapshot of one object with the optional flags filled in. */
export interface ObjectView extends Omit<AnnotationObject, 'hidden' | 'locked' | 'source' | 'model'> {
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
  createdFrom?: string;
  attributes?: Record<string, AttributeValue>;
}

function view(o: AnnotationObject): ObjectView {
  return { ...o, hidden: o.hidden ?? false, locked: o.locked ?? false, source: o.source ?? null, model: o.model ?? null };
}

export class DocModel {
  readonly objects: Y.Map<Y.Map<unknown>>;

  constructor(
    readonly doc: Y.Doc,
    readonly origin: LocalOrigin,
  ) {
    this.objects = objectsMap(doc);
  }

  meta(): { width: number; height: number; taskId: string } | null {
    return readMeta(this.doc);
  }

  read(id: ObjectId): ObjectView | null {
    const o = readObject(this.doc, id);
    return o ? view(o) : null;
  }

  /** Every valid object, bottom to top (createdAt, then id: the same stacking on every client). */
  list(): ObjectView[] {
    return listObjects(this.doc).map(view);
  }

  has(id: ObjectId): boolean {
    return this.objects.has(id);
  }

  create(o: NewObject): ObjectId {
    return createObject(this.doc, o, this.origin);
  }

  setLabel(id: ObjectId, label: string, by: string): void {
    if (this.has(id)) setLabel(this.doc, id, label, by, this.origin);
  }

  setMask(id: ObjectId, mask: Rle, by: string, how: { source: string; model?: string }): void {
    if (this.has(id)) setMask(this.doc, id, mask, by, how, this.origin);
  }

  appendClicks(id: ObjectId, clicks: Click[], by: string): void {
    if (this.has(id)) appendClicks(this.doc, id, clicks, by, this.origin);
  }

  setFlags(id: ObjectId, flags: { hidden?: boolean; locked?: boolean }, by: string): void {
    if (this.has(id)) setFlags(this.doc, id, flags, by, this.origin);
  }

  setAttributes(id: ObjectId, values: Record<string, AttributeValue | null>, by: string): void {
    if (this.has(id)) setAttributes(this.doc, id, values, by, this.origin);
  }

  delete(id: ObjectId): void {
    if (this.has(id)) deleteObject(this.doc, id, this.origin);
  }

  /** The image's own attribute values (root map `image`, shared/schema/imageAttributes.ts). */
  imageAttributes(): Record<string, AttributeValue> {
    return readImageAttributes(this.doc);
  }

  setImageAttributes(values: Record<string, AttributeValue | null>, by: string): void {
    setImageAttributes(this.doc, values, this.origin, by);
  }

  /** Ids added, changed or removed by each transaction (deep), with its origin. */
  observe(cb: (changed: Set<ObjectId>, origin: unknown) => void): () => void {
    return observeObjects(this.doc, cb);
  }
}
