// Reference tasks ("gold", "honeypots"): images whose right answer the owner knows, annotated again
// by the team without seeing it, each submission scored against it. The answer lives in a
// server-only document per task, `reference:<taskId>` (parseRoom refuses the name: no client can
// open it), and the project's list of them in `references:<projectId>`; both in the DocStore, so
// they are stored, replicated and deleted like the rooms, on SQLite and PostgreSQL alike.
import * as Y from 'yjs';
import { z } from 'zod';
import { RleSchema } from '../../../shared/codecs/rle';
import { AttributeValuesSchema } from '../../../shared/schema/attributes';

export const referenceRoom = (taskId: string) => `reference:${taskId}`;
export const referencesRoom = (projectId: string) => `references:${projectId}`;

export const ReferenceObjectSchema = z.object({ id: z.string(), label: z.string(), mask: RleSchema, attributes: AttributeValuesSchema });
export type ReferenceObject = z.infer<typeof ReferenceObjectSchema>;

/** A reference task as the project lists it. */
export const ReferenceInfoSchema = z.object({
  taskId: z.string(),
  by: z.string(),
  at: z.number(),
  objects: z.number().int(),
  /** False from the answer's storing until the task is handed back cleared (a marking cut short shows). */
  cleared: z.boolean().default(true),
  /** When the current turn began (the marking, or the last hand-back): what was recorded before is
   *  the earlier turns', which the one annotating now is not shown. */
  turnAt: z.number().optional(),
});
export type ReferenceInfo = z.output<typeof ReferenceInfoSchema>;

export interface Reference {
  objects: ReferenceObject[];
  /** The image's own attribute values. */
  image: Record<string, boolean | string | number>;
}

/** Writes the answer into the reference doc, replacing whatever it held. */
export function writeReference(doc: Y.Doc, ref: Reference): void {
  doc.transact(() => {
    const objects = doc.getMap<ReferenceObject>('objects');
    objects.clear();
    for (const o of ref.objects) objects.set(o.id, o);
    const image = doc.getMap<unknown>('image');
    image.clear();
    for (const [k, v] of Object.entries(ref.image)) image.set(k, v);
  });
}

/** Writes the answer unless one was stored already (`meta.storedAt`): two markings racing on two
 *  nodes keep the first, never the task the first had cleared. An unmarking deletes the room. */
export function storeAnswerOnce(doc: Y.Doc, ref: Reference, now: number): void {
  const meta = doc.getMap<unknown>('meta');
  if (meta.has('storedAt') || doc.getMap('objects').size || doc.getMap('image').size) return;
  doc.transact(() => {
    writeReference(doc, ref);
    meta.set('storedAt', now);
  });
}

export function readReference(doc: Y.Doc): Reference {
  const objects: ReferenceObject[] = [];
  doc.getMap<unknown>('objects').forEach((o) => {
    const p = ReferenceObjectSchema.safeParse(o);
    if (p.success) objects.push(p.data);
  });
  const image = AttributeValuesSchema.safeParse(doc.getMap<unknown>('image').toJSON());
  return { objects: objects.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), image: image.success ? image.data : {} };
}

/** The project's reference tasks, oldest marking first. */
export function listReferences(doc: Y.Doc): ReferenceInfo[] {
  const out: ReferenceInfo[] = [];
  doc.getMap<unknown>('tasks').forEach((v) => {
    const p = ReferenceInfoSchema.safeParse(v);
    if (p.success) out.push(p.data);
  });
  return out.sort((a, b) => a.at - b.at || (a.taskId < b.taskId ? -1 : 1));
}

export function setListed(doc: Y.Doc, info: ReferenceInfo | { taskId: string; remove: true }): void {
  const tasks = doc.getMap<unknown>('tasks');
  if ('remove' in info) tasks.delete(info.taskId);
  else tasks.set(info.taskId, info);
}
