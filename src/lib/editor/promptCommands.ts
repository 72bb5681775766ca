// The smart tools' side of the session: an object begun, its clicks, box and scribbles, each
// change sending the object's whole prompt to the model (latest request wins per object), the
// re-fit of existing masks, and accepting or cancelling the object. Functions over the session
// (PromptHost), so EditorSession stays the small hub the tools and the UI call.
import { decodeRle } from '../../../shared/codecs/rle';
import { refitPrompt } from '../../../shared/geometry/refitPrompt';
import { newId, type ObjectId } from '../../../shared/schema/ids';
import type { Point } from './camera';
import type { DocModel } from './docModel';
import type { History } from './history';
import type { LatestWinsInference } from './inferenceClient';
import type { MaskPolicy } from './overlap';
import type { Prompts } from './prompts';

/** What these commands need of the session. */
export interface PromptHost {
  readonly model: DocModel;
  readonly history: History;
  readonly inference: LatestWinsInference | null;
  readonly prompts: Prompts;
  readonly masks: MaskPolicy;
  readonly user: { id: string };
  readonly taskId: string;
  readonly width: number;
  readonly height: number;
  readonly label: string;
  readonly segmentModel: string | undefined;
  guard(id: ObjectId): boolean;
  notify(text: string): void;
  select(id: ObjectId | null): void;
  selectedIds(): readonly ObjectId[];
  answered(model: string, ms: number): void;
}

export function beginObject(s: PromptHost): ObjectId {
  const id = newId() as ObjectId;
  s.history.boundary();
  s.model.create({ id, label: s.label, by: s.user.id });
  s.prompts.start(id);
  s.select(id);
  return id;
}

export function addClick(s: PromptHost, id: ObjectId, c: { x: number; y: number; positive: boolean }): void {
  if (!s.guard(id)) return;
  s.prompts.of(id);
  s.history.boundary();
  const x = clamp(Math.round(c.x * 10) / 10, 0, s.width - 1);
  const y = clamp(Math.round(c.y * 10) / 10, 0, s.height - 1);
  s.model.appendClicks(id, [{ x, y, positive: c.positive, by: s.user.id, at: Date.now() }], s.user.id);
  void runSegment(s, id);
}

export function setBox(s: PromptHost, id: ObjectId, box: [number, number, number, number]): void {
  if (!s.guard(id)) return;
  const b: [number, number, number, number] = [
    clamp(box[0], 0, s.width), clamp(box[1], 0, s.height), clamp(box[2], 0, s.width), clamp(box[3], 0, s.height),
  ];
  s.prompts.of(id).box = b;
  void runSegment(s, id);
}

export function addScribble(s: PromptHost, id: ObjectId, stroke: { points: Point[]; positive: boolean }): void {
  if (!s.guard(id)) return;
  s.prompts.of(id).scribbles.push({ points: stroke.points.map((p) => [Math.round(p.x), Math.round(p.y)]), positive: stroke.positive });
  void runSegment(s, id);
}

/** Sends the object's whole prompt (all clicks, box, scribbles, current mask) to the model. */
export async function runSegment(s: PromptHost, id: ObjectId): Promise<void> {
  if (!s.inference) return s.notify('Smart tools are unavailable (no inference connection).');
  const req = s.prompts.request(id, s.taskId, s.segmentModel);
  if (!req) return;
  const t0 = performance.now();
  const outcome = await s.inference.request(id, req);
  if (outcome.kind === 'stale') return;
  if (outcome.kind === 'error') return s.notify(`Segmentation failed: ${outcome.message}`);
  if (!s.model.has(id)) return; // deleted meanwhile
  s.model.setMask(id, s.masks.fit(id, outcome.result.mask), s.user.id, { source: 'model', model: outcome.result.model });
  s.answered(outcome.result.model, Math.round(performance.now() - t0));
}

/**
 * T: the selected masks fitted to this image by the model (a mask pasted from the previous frame
 * of a sequence, or imported): each gets refitPrompt's click and box, its mask as the previous
 * mask, as if the annotator had clicked there; more clicks refine it as usual, and undo
 * (Ctrl/Cmd+Z) brings the mask from before back.
 */
export function refitSelected(s: PromptHost): void {
  if (!s.inference) return s.notify('Re-fitting needs the smart tools (no inference connection).');
  for (const id of s.selectedIds()) {
    const mask = s.model.read(id)?.mask;
    if (!mask || !s.guard(id)) continue;
    const p = mask.size[0] === s.height && mask.size[1] === s.width ? refitPrompt(decodeRle(mask).data, s.width, s.height) : null;
    if (!p) continue;
    s.prompts.of(id).box = p.box;
    addClick(s, id, p.click);
  }
}

export function acceptObject(s: PromptHost, id: ObjectId): void {
  s.prompts.end(id);
  s.history.boundary();
  s.select(null);
}

export function cancelObject(s: PromptHost, id: ObjectId, wasNew: boolean): void {
  const p = s.prompts.end(id);
  s.inference?.forget(id);
  s.history.boundary();
  if (wasNew) s.model.delete(id);
  else if (p?.before) s.model.setMask(id, p.before, s.user.id, { source: 'restore' });
  s.select(null);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
