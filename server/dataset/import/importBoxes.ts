// The boxes of an imported file (CVAT's <box>, Label Studio's rectangles, a COCO detection file's
// bboxes, YOLO's box lines): a mask is what Tandem keeps, and a box is no mask. The import asks
// what to make of them (`boxes`): `segment` keeps them in the plan, and after the import a run of
// the click model's box prompt makes each a mask (prelabel/boxTask.ts: the editor's box tool,
// server-side), `rectangle` fills each box as its mask at once, `skip` leaves them out, counted.
import { rleArea } from '../../../shared/codecs/rle';
import { outlineRle, ringBounds, turnedBox, type Corners } from '../../../shared/geometry/boxMask';
import type { AttributeValue } from '../../../shared/schema/attributes';
import type { Task } from '../../storage/types';
import type { PlannedObject } from './planCocoImport';

export type BoxMode = 'segment' | 'rectangle' | 'skip';

/** A box of the file waiting for the click model: image pixels, corners [x0, y0, x1, y1]. */
export interface PlannedBox {
  label: string;
  /** The box of the image's axes (a turned box's bounds): the click model's prompt. */
  box: Corners;
  /** A turned box's outline (flat [x, y, …] corners): the mask is kept inside it, a rectangle is it. */
  ring?: number[];
  attributes: Record<string, AttributeValue>;
  sourceId: string;
}

/** A box lying over the image's edge (CVAT lets a box run off it) is cut at the edge; less than a pixel left is refused. */
export function boxInImage(corners: number[], task: Pick<Task, 'width' | 'height'>): Corners {
  if (corners.length !== 4 || !corners.every(Number.isFinite)) throw new Error('its box is not four numbers');
  const [x0, y0, x1, y1] = corners;
  if (x1 <= x0 || y1 <= y0) throw new Error(`its box (${x0}, ${y0}) to (${x1}, ${y1}) has no area`);
  const box: Corners = [Math.max(0, x0), Math.max(0, y0), Math.min(task.width, x1), Math.min(task.height, y1)];
  if (box[2] - box[0] < 1 || box[3] - box[1] < 1) throw new Error(`its box (${x0}, ${y0}) to (${x1}, ${y1}) lies outside the ${task.width}x${task.height} image`);
  return box;
}

/** A box of the file turned by `degrees` (about its centre, or `pivot`): its bounds in the image for the prompt, its outline for the mask. */
export function turnedInImage(x0: number, y0: number, x1: number, y1: number, degrees: number, task: Pick<Task, 'width' | 'height'>, pivot?: [number, number]): { box: Corners; ring?: number[] } {
  if (![x0, y0, x1, y1, degrees].every(Number.isFinite)) throw new Error('its box is not numbers');
  if (degrees % 360 === 0) return { box: boxInImage([x0, y0, x1, y1], task) };
  if (x1 <= x0 || y1 <= y0) throw new Error(`its box (${x0}, ${y0}) to (${x1}, ${y1}) has no area`);
  const ring = turnedBox(x0, y0, x1, y1, degrees, pivot);
  return { box: boxInImage(ringBounds(ring), task), ring };
}

/**
 * Where a plan puts its boxes, as the import asks (`skip` when it does not say): `take` either
 * appends the box's rectangle to the task's objects (in the file's order) or keeps the box for the
 * click model; with `skip` a plan reads no box (a box of a file that imported before still does).
 */
export function boxSink(mode: BoxMode = 'skip') {
  const boxes = new Map<string, PlannedBox[]>();
  let read = 0;
  const sink = {
    /** Whether the file's boxes are read at all (their labels become the project's). */
    wanted: mode !== 'skip',
    /** Boxes left out (`skip`), counted by the plan: reported with the other shapes not imported. */
    skipped: 0,
    /** Boxes filled as rectangles with no pixel inside the image. */
    empty: 0,
    /** A box of the file read and checked (a plan counts `skipped` itself when none is `wanted`). */
    take(task: Task, box: PlannedBox, objects: PlannedObject[]): void {
      read++;
      if (mode === 'segment') {
        const list = boxes.get(task.id) ?? [];
        list.push(box);
        boxes.set(task.id, list);
        return;
      }
      const mask = outlineRle(box, task.width, task.height);
      if (rleArea(mask) === 0) sink.empty++;
      else objects.push({ label: box.label, mask, attributes: box.attributes, sourceId: box.sourceId });
    },
    /** The plan's part: the boxes kept for the click model, how many were read and as what. */
    plan(): { boxes?: Map<string, PlannedBox[]>; boxesRead: number; boxesAs: BoxMode } {
      return { ...(boxes.size ? { boxes } : {}), boxesRead: read, boxesAs: mode };
    },
  };
  return sink;
}
