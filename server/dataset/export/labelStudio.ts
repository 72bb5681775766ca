// Label Studio JSON (the list of tasks Label Studio imports with their annotations), for a team
// that keeps Label Studio downstream: each task's `data.image` the image's file name as the
// exports with images name it (point Label Studio's storage at those images, or put its prefix
// before the names), and one annotation whose `result` holds each object as
// - `polygonlabels` regions (`shapes: 'polygons'`): the mask's outer contours, as the COCO
//   polygons export traces them, points in percent of the image; a mask in several parts is a
//   region per part, and holes are not kept (Label Studio's polygons have none); or
// - one `brushlabels` region (`shapes: 'brush'`): the mask itself, pixel for pixel, holes and
//   parts included, in Label Studio's brush RLE (shared/codecs/lsBrush.ts); lossless, but editable in Label
//   Studio with its brush and eraser only (`from_name` `brush`, the polygons' `label`, so one
//   labelling config, labelStudioConfig.ts, shows either export),
// each region's attribute values as results of the same id (`choices` for checkboxes and choices,
// `textarea`, `number`; `from_name` the attribute's name, as Label Studio's per-region
// classifications are), and the image's own attributes as results of an id of their own.
// Read back by Tandem's Label Studio import.
import { encodeLsBrush } from '../../../shared/codecs/lsBrush';
import { resolveAttributes, type AttributeSpec, type AttributeValue } from '../../../shared/schema/attributes';
import { outerRings } from './coco';
import { exportLabels, imageFileName, taskStems, type ExportInput } from '../types';

interface LsResult {
  id: string;
  type: string;
  from_name: string;
  to_name: 'image';
  original_width?: number;
  original_height?: number;
  image_rotation?: 0;
  value: Record<string, unknown>;
}

/** A value as the result of the Label Studio control its attribute is. */
function valueResult(id: string, spec: AttributeSpec, value: AttributeValue): LsResult {
  const base = { id, from_name: spec.name, to_name: 'image' as const };
  if (spec.type === 'number') return { ...base, type: 'number', value: { number: value } };
  if (spec.type === 'text') return { ...base, type: 'textarea', value: { text: [String(value)] } };
  return { ...base, type: 'choices', value: { choices: [String(value)] } };
}

export function toLabelStudio(input: ExportInput, shapes: 'polygons' | 'brush' = 'polygons'): unknown[] {
  const specs = new Map(exportLabels(input).map((l) => [l.name, l.attributes ?? []]));
  const imageSpecs = input.project.settings?.imageAttributes ?? [];
  const stems = taskStems(input.tasks);
  return input.tasks.map(({ task, objects, imageAttributes }, k) => {
    const size = { original_width: task.width, original_height: task.height, image_rotation: 0 as const };
    const result: LsResult[] = [];
    for (const o of objects) {
      if (!o.mask || o.mask.size[0] !== task.height || o.mask.size[1] !== task.width) continue;
      const values = Object.entries(resolveAttributes(specs.get(o.label), o.attributes));
      /** One region of the object, with its values as results of the region's id. */
      const region = (id: string, type: string, value: Record<string, unknown>) => {
        result.push({ id, type, from_name: type === 'brushlabels' ? 'brush' : 'label', to_name: 'image', ...size, value: { ...value, [type]: [o.label] } });
        for (const [name, v] of values) result.push(valueResult(id, specs.get(o.label)!.find((s) => s.name === name)!, v));
      };
      if (shapes === 'brush') {
        region(o.id, 'brushlabels', { format: 'rle', rle: encodeLsBrush(o.mask) });
        continue;
      }
      const rings = outerRings(o.mask, 0.5).filter((r) => r.length >= 6);
      rings.forEach((ring, part) => {
        const points: number[][] = [];
        for (let i = 0; i < ring.length; i += 2) points.push([(ring[i] / task.width) * 100, (ring[i + 1] / task.height) * 100]);
        region(rings.length === 1 ? o.id : `${o.id}_${part + 1}`, 'polygonlabels', { points, closed: true });
      });
    }
    for (const [name, v] of Object.entries(imageSpecs.length ? resolveAttributes(imageSpecs, imageAttributes) : {})) {
      result.push(valueResult(`image_${name}`, imageSpecs.find((s) => s.name === name)!, v));
    }
    return { id: k + 1, data: { image: imageFileName(task, stems.get(task.id)!) }, annotations: [{ result }] };
  });
}
