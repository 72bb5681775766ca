// A freehand gesture (press, drag, release) in image space, shared by the tools that draw one:
// brush/eraser, lasso and scribble. It holds the points, thins them, and clears the tool's
// preview when the stroke ends or is dropped; what a finished stroke becomes is the tool's call.
import type { Point } from '../camera';
import type { ToolHost } from './types';

export class Stroke {
  private pts: Point[] | null = null;
  constructor(private host: Pick<ToolHost, 'setPreview'>) {}

  get drawing(): boolean {
    return this.pts !== null;
  }
  /** The points so far (ptImage), or null when no stroke is being drawn. */
  get points(): Point[] | null {
    return this.pts;
  }
  begin(ptImage: Point): void {
    this.pts = [ptImage];
  }
  /** Adds the point unless it lies within `minDist` image px of the last one; true when added. */
  extend(ptImage: Point, minDist: number): boolean {
    if (!this.pts) return false;
    const last = this.pts[this.pts.length - 1];
    if (Math.hypot(ptImage.x - last.x, ptImage.y - last.y) < minDist) return false;
    this.pts.push(ptImage);
    return true;
  }
  /** Ends the stroke and clears the preview; its points, or null when none was being drawn. */
  finish(): Point[] | null {
    const pts = this.pts;
    if (!pts) return null;
    this.pts = null;
    this.host.setPreview(null);
    return pts;
  }
  /** Drops the stroke (if any) and clears the preview; true when a stroke was dropped. */
  cancel(): boolean {
    const was = this.drawing;
    this.pts = null;
    this.host.setPreview(null);
    return was;
  }
  /** Escape drops a stroke in progress; true when the key was used. */
  escape(key: string): boolean {
    return key === 'Escape' && this.drawing && this.cancel();
  }
}
