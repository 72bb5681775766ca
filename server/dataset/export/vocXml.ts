// Pascal VOC's Annotations/<stem>.xml beside the masks: what detection pipelines read (a box and
// a class per object) and where CVAT's VOC format keeps attributes. The k-th <object> is instance
// k of SegmentationObject/<stem>.png (the same objects in the same order), which is how the VOC
// import reads the attributes back. Boxes as Datumaro (CVAT's exporter) writes them: pixel
// coordinates from 0, xmax = x + width. A label's checkbox attributes named `truncated`,
// `difficult` or `occluded` fill VOC's own fields (0 otherwise); every other attribute of the
// label goes into <attributes>, its default where the object has none.
import { rleBbox } from '../../../shared/codecs/rle';
import type { AnnotationObject } from '../../../shared/schema/annotation';
import { resolveAttributes, type AttributeSpec } from '../../../shared/schema/attributes';
import type { Task } from '../../storage/types';
import { xmlEscape as esc } from './xmlEscape';

/** VOC's own per-object flags, in the order its XML lists them. */
export const VOC_FLAGS = ['truncated', 'difficult', 'occluded'] as const;


/** Whether the label's attribute `name` fills one of VOC's own fields (a checkbox of that name). */
const isFlag = (specs: readonly AttributeSpec[], name: string) => (VOC_FLAGS as readonly string[]).includes(name) && specs.some((s) => s.name === name && s.type === 'checkbox');

/**
 * The XML of one image; `objects` are those its instance PNG numbers 1..K, in that order;
 * `fileName` the image's name in JPEGImages/ when the export carries the images.
 */
export function vocXml(task: Task, fileName: string, objects: AnnotationObject[], specs: ReadonlyMap<string, AttributeSpec[] | undefined>): string {
  const lines = [
    '<annotation>',
    `  <filename>${esc(fileName)}</filename>`,
    '  <source><database>Tandem</database></source>',
    `  <size><width>${task.width}</width><height>${task.height}</height><depth>3</depth></size>`,
    '  <segmented>1</segmented>',
  ];
  for (const o of objects) {
    const [x, y, w, h] = rleBbox(o.mask!);
    const own = specs.get(o.label) ?? [];
    const values = resolveAttributes(own, o.attributes);
    const flag = (name: string) => (isFlag(own, name) && values[name] === true ? 1 : 0);
    const rest = Object.entries(values).filter(([name]) => !isFlag(own, name));
    lines.push(
      '  <object>',
      `    <name>${esc(o.label)}</name>`,
      '    <pose>Unspecified</pose>',
      ...VOC_FLAGS.map((f) => `    <${f}>${flag(f)}</${f}>`),
      `    <bndbox><xmin>${x}</xmin><ymin>${y}</ymin><xmax>${x + w}</xmax><ymax>${y + h}</ymax></bndbox>`,
    );
    if (rest.length) {
      lines.push('    <attributes>');
      for (const [name, v] of rest) lines.push(`      <attribute><name>${esc(name)}</name><value>${esc(String(v))}</value></attribute>`);
      lines.push('    </attributes>');
    }
    lines.push('  </object>');
  }
  lines.push('</annotation>');
  return lines.join('\n') + '\n';
}
