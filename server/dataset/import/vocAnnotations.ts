// Reading Pascal VOC's Annotations/<stem>.xml for what the masks cannot carry: each object's
// attributes (CVAT's <attributes> section, and VOC's own truncated / difficult / occluded flags).
// The k-th <object> belongs to instance k of SegmentationObject/<stem>.png (Tandem's export
// writes them so: export/vocXml.ts); instance k is the VOC colormap's colour k.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { vocColor } from '../types';
import { VOC_FLAGS } from '../export/vocXml';

export interface VocXmlObject {
  name: string;
  /** Attribute name → its text, as written (checked against the label's definitions later). */
  values: Record<string, string>;
}

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
    return { name: typeof obj.name === 'string' ? obj.name : '', values };
  });
}

/** Instance colour (0xRRGGBB) → its index 1..254 in the VOC colormap. */
export const instanceOfColour: ReadonlyMap<number, number> = new Map(
  Array.from({ length: 254 }, (_, i) => {
    const [r, g, b] = vocColor(i + 1);
    return [(r << 16) | (g << 8) | b, i + 1] as const;
  }),
);
