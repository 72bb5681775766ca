// CVAT for images 1.1 XML (annotations.xml in a zip, the layout CVAT's own export writes and its
// import reads; with images=true they sit in images/ under the names the XML gives them): each
// object as a brush <mask> (`rle` runs inside its box, background first, row by row: lossless,
// holes and parts as drawn; CVAT has read masks since 2.3), `z_order` its place in the task's
// stacking order, its label's attribute values as <attribute>s (defaults where unset) and CVAT's
// `occluded` flag from a checkbox attribute named so. <meta> defines the labels with their
// attributes (checkbox, select, number as min/max/step, text). The image's own attributes (the
// project's settings.imageAttributes) are what CVAT calls a tag's: a label of type `tag` named
// `image` (or `image_2`… where a label has that name) defines them, and each image carries one
// <tag> of it with its values, defaults filled in. Read back by Tandem's CVAT import.
import { rowsFromRuns } from '../../../shared/codecs/columnRuns';
import { rleBbox, rleCounts } from '../../../shared/codecs/rle';
import { resolveAttributes, type AttributeSpec } from '../../../shared/schema/attributes';
import { exportLabels, imageFileName, taskStems, type ExportFile, type ExportInput } from '../types';
import { xmlEscape as esc } from './xmlEscape';

/** A label's attribute as CVAT's <meta> writes it. */
function attributeMeta(s: AttributeSpec): string {
  const [type, values, def] =
    s.type === 'checkbox' ? ['checkbox', 'false\ntrue', String(s.default ?? false)]
    : s.type === 'select' ? ['select', s.options.join('\n'), s.default ?? s.options[0]]
    : s.type === 'number' ? ['number', `${s.min ?? ''}\n${s.max ?? ''}\n${s.step ?? 1}`, String(s.default ?? s.min ?? 0)]
    : ['text', '', s.default ?? ''];
  return `<attribute><name>${esc(s.name)}</name><mutable>False</mutable><input_type>${type}</input_type><default_value>${esc(def)}</default_value><values>${esc(values)}</values></attribute>`;
}

/** Attribute values as a shape's or a tag's <attribute> elements. */
const attributeElements = (values: Record<string, unknown>) => Object.entries(values).map(([k, v]) => `<attribute name="${esc(k)}">${esc(String(v))}</attribute>`).join('');

/** The box's runs, row by row, background first (CVAT's brush encoding). */
function boxRuns(data: Uint8Array): number[] {
  const runs: number[] = [];
  let value = 0;
  let run = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === value) run++;
    else {
      runs.push(run);
      value = data[i];
      run = 1;
    }
  }
  runs.push(run);
  return runs;
}

/** The tag label of the image's own attributes: `image`, unless an object label has that name. */
export function imageTagLabel(labels: readonly { name: string }[]): string {
  const taken = new Set(labels.map((l) => l.name));
  let name = 'image';
  for (let k = 2; taken.has(name); k++) name = `image_${k}`;
  return name;
}

export function toCvat(input: ExportInput): ExportFile[] {
  const labels = exportLabels(input);
  const imageSpecs = input.project.settings?.imageAttributes ?? [];
  const tagLabel = imageTagLabel(labels);
  const specs = new Map(labels.map((l) => [l.name, l.attributes ?? []]));
  const stems = taskStems(input.tasks);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<annotations>',
    '  <version>1.1</version>',
    `  <meta><task><name>${esc(input.project.name)}</name><size>${input.tasks.length}</size><labels>`,
    ...labels.map((l) => `    <label><name>${esc(l.name)}</name><color>${esc(l.color)}</color><type>mask</type><attributes>${(l.attributes ?? []).map(attributeMeta).join('')}</attributes></label>`),
    ...(imageSpecs.length ? [`    <label><name>${esc(tagLabel)}</name><color>#808080</color><type>tag</type><attributes>${imageSpecs.map(attributeMeta).join('')}</attributes></label>`] : []),
    '  </labels></task></meta>',
  ];
  input.tasks.forEach(({ task, objects, imageAttributes }, id) => {
    lines.push(`  <image id="${id}" name="${esc(imageFileName(task, stems.get(task.id)!))}" width="${task.width}" height="${task.height}">`);
    if (imageSpecs.length) {
      lines.push(`    <tag label="${esc(tagLabel)}" source="manual">${attributeElements(resolveAttributes(imageSpecs, imageAttributes))}</tag>`);
    }
    objects.forEach((o, z) => {
      if (!o.mask || o.mask.size[0] !== task.height || o.mask.size[1] !== task.width) return;
      const box = rleBbox(o.mask);
      if (box[2] === 0 || box[3] === 0) return; // an empty mask: nothing CVAT can hold
      const values = resolveAttributes(specs.get(o.label), o.attributes);
      const occluded = values.occluded === true ? 1 : 0;
      // Only the box is decoded (rowsFromRuns' crop): an object costs its box, not the photo.
      const [x, y, width, height] = box;
      const rle = boxRuns(rowsFromRuns(rleCounts(o.mask), task.width, task.height, { x, y, width, height })).join(', ');
      const attrs = attributeElements(values);
      lines.push(`    <mask label="${esc(o.label)}" source="manual" occluded="${occluded}" rle="${rle}" left="${box[0]}" top="${box[1]}" width="${box[2]}" height="${box[3]}" z_order="${z}">${attrs}</mask>`);
    });
    lines.push('  </image>');
  });
  lines.push('</annotations>', '');
  return [{ path: 'annotations.xml', bytes: new TextEncoder().encode(lines.join('\n')) }];
}
