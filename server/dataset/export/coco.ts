// COCO instance-segmentation JSON, as pycocotools' COCO() loads it: segmentation as compressed
// RLE `{size: [h, w], counts}` (the document stores exactly that, so nothing is re-encoded and
// pixels cannot change) or as polygons `[[x0, y0, x1, y1, ...], ...]` in image pixels.
import { rleArea, rleBbox, type Rle } from '../../../shared/codecs/rle';
import { resolveAttributes, type AttributeSpec, type AttributeValue } from '../../../shared/schema/attributes';
import { exportLabels, type ExportInput } from '../types';
import { maskPolygons } from './maskRuns';

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
  color?: string;
  /** The label's attribute definitions, so a re-import into a new project can recreate them. */
  attributes?: AttributeSpec[];
}

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  tandem_task_id?: string;
  /** The image's own attributes (the project's settings.imageAttributes), defaults filled in. */
  attributes?: Record<string, AttributeValue>;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  segmentation: Rle | number[][];
  area: number;
  bbox: [number, number, number, number];
  iscrowd: 0;
  /** The label's attributes (CVAT's COCO writes them here too), then Tandem's own keys. */
  attributes: Record<string, AttributeValue> & { tandem_object_id: string; source?: string; created_by: string; updated_by: string };
}

export interface CocoDataset {
  /** `image_attributes`: the project's definitions of the image's own attributes, so an import into a new project gets them back. */
  info: { description: string; version: string; date_created: string; image_attributes?: AttributeSpec[] };
  licenses: unknown[];
  images: CocoImage[];
  categories: CocoCategory[];
  annotations: CocoAnnotation[];
}

export interface CocoExportOptions {
  segmentation: 'rle' | 'polygons';
  /** Douglas-Peucker tolerance in pixels for polygon output (0 keeps every boundary vertex). */
  tolerance?: number;
  /** Fixed date for reproducible (golden) output; defaults to now. */
  now?: Date;
}

/**
 * Builds a COCO dataset. Image ids are 1..N in task order, annotation ids 1..M in task then
 * object order (objects sorted by creation). Objects without a mask, with an empty mask or with a
 * mask whose size is not the image's are left out (they cannot be drawn in that image).
 * Polygon output: COCO polygons cannot carry holes (pycocotools unions the rings), so only outer
 * contours are written and holes are filled; the RLE format is the lossless one.
 */
export function toCoco(input: ExportInput, opts: CocoExportOptions = { segmentation: 'rle' }): CocoDataset {
  const labels = exportLabels(input);
  const catId = new Map(labels.map((l, i) => [l.name, i + 1]));
  const specs = new Map(labels.map((l) => [l.name, l.attributes]));
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  const imageSpecs = input.project.settings?.imageAttributes ?? [];
  input.tasks.forEach(({ task, objects, imageAttributes }, ti) => {
    const imageId = ti + 1;
    const attributes = imageSpecs.length ? { attributes: resolveAttributes(imageSpecs, imageAttributes) } : {};
    images.push({ id: imageId, file_name: task.name, width: task.width, height: task.height, tandem_task_id: task.id, ...attributes });
    for (const o of objects) {
      const mask = o.mask;
      if (!mask || mask.size[0] !== task.height || mask.size[1] !== task.width) continue;
      const area = rleArea(mask);
      if (area === 0) continue;
      let segmentation: Rle | number[][];
      if (opts.segmentation === 'rle') {
        segmentation = { size: [mask.size[0], mask.size[1]], counts: mask.counts };
      } else {
        // A ring needs at least 3 points (6 numbers) for pycocotools' frPyObjects.
        segmentation = outerRings(mask, opts.tolerance ?? 0.5).filter((r) => r.length >= 6);
        if (segmentation.length === 0) continue;
      }
      annotations.push({
        id: annotations.length + 1,
        image_id: imageId,
        category_id: catId.get(o.label)!,
        segmentation,
        area,
        bbox: rleBbox(mask),
        iscrowd: 0,
        attributes: {
          ...resolveAttributes(specs.get(o.label), o.attributes),
          tandem_object_id: o.id,
          ...(o.source ? { source: o.source } : {}),
          created_by: o.createdBy,
          updated_by: o.updatedBy,
        },
      });
    }
  });
  return {
    info: {
      description: `Tandem export of project ${input.project.name}`,
      version: '1.0',
      date_created: (opts.now ?? new Date()).toISOString(),
      ...(imageSpecs.length ? { image_attributes: imageSpecs } : {}),
    },
    licenses: [],
    images,
    categories: labels.map((l, i) => ({ id: i + 1, name: l.name, supercategory: '', color: l.color, ...(l.attributes?.length ? { attributes: l.attributes } : {}) })),
    annotations,
  };
}

/** The outer contours of a mask as flat [x0, y0, ...] rings in image pixels. */
export function outerRings(mask: Rle, tolerance: number): number[][] {
  return maskPolygons(mask, tolerance);
}
