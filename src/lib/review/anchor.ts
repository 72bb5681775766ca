// Where review pins go. Two coordinate spaces (see src/lib/editor/camera.ts): ptImage (image
// pixels) is what the review document stores; ptScreen (CSS px of the canvas element) is where a
// pin is drawn, through the editor camera.
import { rleBbox, type Rle } from '../../../shared/codecs/rle';
import { imageToScreen, type Camera, type Point } from '../editor/camera';
import type { Thread } from '../../../shared/schema/review';

/**
 * The default anchor of a thread on an object (ptImage): the centre of its mask's bounding box,
 * or null for an empty mask. Used when a verdict opens a thread and no point was picked.
 */
export function objectAnchor(mask: Rle | null | undefined): Point | null {
  if (!mask) return null;
  const [x, y, w, h] = rleBbox(mask);
  if (w <= 0 || h <= 0) return null;
  return { x: Math.round(x + w / 2), y: Math.round(y + h / 2) };
}

/** A thread pin in screen space. */
export interface Pin {
  id: string;
  objectId: string | null;
  /** ptScreen, CSS px relative to the canvas element. */
  x: number;
  y: number;
  /** 1-based number shown on the pin (its position in the thread list). */
  n: number;
  replies: number;
}

/**
 * Screen positions of the unresolved threads' pins under `cam` for a viewport of `viewW` × `viewH`
 * CSS px; pins more than `margin` px outside the view are left out.
 */
export function pinsOnScreen(threads: readonly Thread[], cam: Camera, viewW: number, viewH: number, margin = 16): Pin[] {
  const out: Pin[] = [];
  threads.forEach((t, i) => {
    if (t.resolved) return;
    const p = imageToScreen(cam, { x: t.x, y: t.y });
    if (p.x < -margin || p.y < -margin || p.x > viewW + margin || p.y > viewH + margin) return;
    out.push({ id: t.id, objectId: t.objectId, x: p.x, y: p.y, n: i + 1, replies: replyCount(t) });
  });
  return out;
}

/** The replies a thread shows: its messages after the first, deleted ones not counted. */
export function replyCount(t: Pick<Thread, 'messages'>): number {
  return t.messages.slice(1).filter((m) => !m.deleted).length;
}
