// The prompt of each object being segmented in this session: its box and scribbles (the clicks
// live in the document, for everyone), and its mask from before the refinement began, which
// Escape brings back. In memory only; the whole prompt goes to the model on every change.
import { rleArea, type Rle } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';
import type { DocModel } from './docModel';
import type { SegmentRequest } from './inferenceClient';

export interface Prompt {
  box?: [number, number, number, number];
  scribbles: Array<{ points: Array<[number, number]>; positive: boolean }>;
  /** The mask before this refinement started (Escape brings it back). */
  before: Rle | null;
}

export class Prompts {
  private map = new Map<ObjectId, Prompt>();
  constructor(private model: DocModel) {}

  /** A new object's prompt: nothing to bring back on Escape. */
  start(id: ObjectId): void {
    this.map.set(id, { scribbles: [], before: null });
  }

  /** The object's prompt, begun now (keeping its current mask) when it has none. */
  of(id: ObjectId): Prompt {
    let p = this.map.get(id);
    if (!p) {
      p = { scribbles: [], before: this.model.read(id)?.mask ?? null };
      this.map.set(id, p);
    }
    return p;
  }

  /** Ends the object's prompt and returns it. */
  end(id: ObjectId): Prompt | undefined {
    const p = this.map.get(id);
    this.map.delete(id);
    return p;
  }

  clear(): void {
    this.map.clear();
  }

  /** The model request of the object's whole prompt (all clicks, box, scribbles, current mask). */
  request(id: ObjectId, taskId: string, model: string | undefined): SegmentRequest | null {
    const o = this.model.read(id);
    if (!o) return null;
    const p = this.of(id);
    const req: SegmentRequest = { taskId, objectId: id, clicks: o.clicks.map((c) => ({ x: c.x, y: c.y, positive: c.positive })) };
    if (p.box) req.box = p.box;
    if (p.scribbles.length) req.scribbles = p.scribbles;
    // Refinement: the current mask (imported, drawn or the last answer) is the previous mask.
    if (o.mask && rleArea(o.mask) > 0) req.prevMask = o.mask;
    if (model) req.model = model;
    return req;
  }
}
