// Reading Pascal VOC's Annotations/<stem>.xml for what the masks cannot carry: each object's
// attributes (CVAT's <attributes> section, and VOC's own truncated / difficult / occluded flags).
// The k-th <object> belongs to instance k of SegmentationObject/<stem>.png (Tandem's export
// writes them so: export/vocXml.ts; instance k is the VOC colormap's colour k) when it names the
// same class and its box agrees; otherwise (another tool's order) the object of that class whose box overlaps the
// instance's most (`matchVocObjects`).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { vocColor } from '../types';
import { VOC_FLAGS } from '../export/vocXml';

export interface VocXmlObject {
  name: string;
  /** Attribute name → its text, as written (checked against the label's definitions later). */
  values: Record<string, string>;
  /** Its <bndbox>: xmin, ymin, xmax, ymax (pixels), when it has a well-formed one. */
  box?: Box;
}

type Box = [number, number, number, number];

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false, // '007' stays a text; the label's definition says what it is
  isArray: (_name, path) => String(path) === 'annotation.object' || String(path) === 'annotation.object.attributes.attribute',
});

/** The objects of one XML in order, or what is wrong with it. */
export function readVocXml(xml: string): VocXmlObject[] | string {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`;
  const doc = parser.parse(xml) as { annotation?: { object?: unknown[] } | string };
  if (doc.annotation === undefined) return 'no <annotation> element';
  const objects = typeof doc.annotation === 'object' ? (doc.annotation.object ?? []) : [];
  return objects.map((o) => {
    const obj = (o && typeof o === 'object' ? o : {}) as Record<string, unknown>;
    const values: Record<string, string> = {};
    for (const f of VOC_FLAGS) if (typeof obj[f] === 'string') values[f] = obj[f];
    const list = (obj.attributes as { attribute?: unknown[] } | undefined)?.attribute ?? [];
    for (const a of list) {
      const { name, value } = (a ?? {}) as { name?: unknown; value?: unknown };
      if (typeof name === 'string' && name) values[name] = typeof value === 'string' ? value : '';
    }
    const b = (obj.bndbox ?? {}) as Record<string, unknown>;
    const box = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => Number(b[k]));
    return { name: typeof obj.name === 'string' ? obj.name : '', values, ...(box.every(Number.isFinite) && box[2] > box[0] && box[3] > box[1] ? { box: box as Box } : {}) };
  });
}

function iou(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** Whether box `a` lies inside `b` (a pixel of slack for the exporter's rounding). */
function within(a: Box, b: Box): boolean {
  return a[0] >= b[0] - 1 && a[1] >= b[1] - 1 && a[2] <= b[2] + 1 && a[3] <= b[3] + 1;
}

/** An instance of the masks: its index (1.., its colour's place in the colormap), label and box. */
export interface VocInstance {
  index: number;
  label: string;
  box: Box;
}

/**
 * Which XML object describes each instance: the object at the instance's index when it names the
 * same class (and its box, if it has one, overlaps the instance's by IoU 0.5 or holds it), else the unclaimed object of that class whose box overlaps the instance's most (IoU
 * at least 0.5). Returns instance index → object, and how many objects described no instance
 * (an object without a mask, or one the matching could not place: its attributes are not imported).
 */
export function matchVocObjects(objects: readonly VocXmlObject[], instances: readonly VocInstance[]): { byInstance: Map<number, VocXmlObject>; unmatched: number } {
  const byInstance = new Map<number, VocXmlObject>();
  const used = new Set<number>();
  for (const inst of instances) {
    const o = objects[inst.index - 1];
    // By order when the class agrees, and the box too where the object has one (the instance's
    // pixels may be a part of it: a later object painted over the rest).
    if (o?.name === inst.label && (!o.box || iou(o.box, inst.box) >= 0.5 || within(inst.box, o.box))) {
      byInstance.set(inst.index, o);
      used.add(inst.index - 1);
    }
  }
  for (const inst of instances) {
    if (byInstance.has(inst.index)) continue;
    let best = -1;
    let bestIou = 0.5;
    objects.forEach((o, i) => {
      if (used.has(i) || o.name !== inst.label || !o.box) return;
      const v = iou(o.box, inst.box);
      if (v >= bestIou) [best, bestIou] = [i, v];
    });
    if (best < 0) continue;
    byInstance.set(inst.index, objects[best]);
    used.add(best);
  }
  const unmatched = objects.filter((o, i) => !used.has(i) && o.name !== '').length;
  return { byInstance, unmatched };
}

/** Instance colour (0xRRGGBB) → its index 1..254 in the VOC colormap. */
export const instanceOfColour: ReadonlyMap<number, number> = new Map(
  Array.from({ length: 254 }, (_, i) => {
    const [r, g, b] = vocColor(i + 1);
    return [(r << 16) | (g << 8) | b, i + 1] as const;
  }),
);
