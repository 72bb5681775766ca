// Fixtures of the editor session tests: sessions on Y.Docs wired together in memory (as the sync
// server would relay updates), a stand-in segmentation engine, and tools driven as a user would.
import { expect } from 'vitest';
import * as Y from 'yjs';
import { encodeRle } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';
import { LocalOrigin } from '../../../shared/schema/origins';
import { EditorSession } from './EditorSession';
import type { SegmentAck, SegmentRequest, SegmentTransport } from './inferenceClient';
import type { ToolPointer } from './tools';

export const W = 64;
export const H = 48;

/** Segments a square of side 10 around every positive click: enough to see prompts flow. */
export class SquareEngine implements SegmentTransport {
  requests: SegmentRequest[] = [];
  async segment(req: SegmentRequest): Promise<SegmentAck> {
    this.requests.push(req);
    const data = new Uint8Array(W * H);
    for (const c of req.clicks) {
      for (let y = Math.max(0, c.y - 5); y < Math.min(H, c.y + 5); y++)
        for (let x = Math.max(0, c.x - 5); x < Math.min(W, c.x + 5); x++) data[y * W + x] = c.positive ? 1 : 0;
    }
    return { ok: true, data: { mask: encodeRle(data, W, H), score: 0.9, model: 'square', ms: 1 } };
  }
}

export function linkedDocs(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b, u, 'remote'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a, u, 'remote'));
  return [a, b];
}

export function session(doc: Y.Doc, name: string, engine: SegmentTransport | null, canEdit = true) {
  return new EditorSession({
    doc, taskId: 't1', width: W, height: H, user: { id: name, name }, canEdit, label: 'car',
    origin: new LocalOrigin(name), inference: engine,
  });
}

export const at = (x: number, y: number, extra: Partial<ToolPointer> = {}): ToolPointer => ({
  ptImage: { x, y }, button: 0, alt: false, shift: false, scale: 1, ...extra,
});
export const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
};
export const press = (s: EditorSession, key: string) => s.key({ key, alt: false, shift: false, ctrl: false });

/** Polygon tool: a click on each vertex, Enter closes; returns the object it made (selected). */
export function drawPolygon(s: EditorSession, vertices: Array<[number, number]>): ObjectId {
  s.setTool('polygon');
  for (const [x, y] of vertices) s.pointerDown(at(x, y));
  press(s, 'Enter');
  return s.selectedId!;
}

/** Lasso tool: press at the first point, drag through the others, release at the last. */
export function drawLasso(s: EditorSession, outline: Array<[number, number]>): ObjectId {
  s.setTool('lasso');
  s.pointerDown(at(...outline[0]));
  for (const [x, y] of outline.slice(1)) s.pointerMove(at(x, y));
  s.pointerUp(at(...outline[outline.length - 1]));
  return s.selectedId!;
}

/** Brush tool: one dab at (x, y), into the selection or a new object. */
export function dab(s: EditorSession, x: number, y: number): void {
  s.setTool('brush');
  s.pointerDown(at(x, y));
  s.pointerUp(at(x, y));
}
