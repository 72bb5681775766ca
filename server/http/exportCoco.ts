// COCO instance-segmentation JSON for one task, from its `task:` document. Segmentation is the
// stored compressed RLE as is (column-major, pycocotools' string form), so no pixel can change;
// area and bbox are computed from it exactly as pycocotools' area() and toBbox() do.
import { rleArea, rleBbox } from '../../shared/codecs/rle';
import type { AnnotationObject } from '../../shared/schema/annotation';
import { resolveAttributes, type AttributeValue } from '../../shared/schema/attributes';
import type { Project, Task } from '../storage/types';

/** Builds the COCO JSON of one task. Category ids are 1-based: project labels first, then any label an object uses that the project lacks. */
export function exportTaskCoco(project: Project, task: Task, objects: AnnotationObject[], imageValues: Record<string, AttributeValue> = {}) {
  const imageSpecs = project.settings?.imageAttributes ?? [];
  const categories = project.labels.map((l, i) => ({ id: i + 1, name: l.name, supercategory: '', color: l.color }));
  const byName = new Map(categories.map((c) => [c.name, c.id]));
  for (const o of objects) {
    if (!byName.has(o.label)) {
      const id = categories.length + 1;
      categories.push({ id, name: o.label, supercategory: '', color: '#808080' });
      byName.set(o.label, id);
    }
  }
  const annotations = objects
    .filter((o) => o.mask !== null)
    .map((o, i) => {
      const mask = o.mask!;
      return {
        id: i + 1,
        image_id: 1,
        category_id: byName.get(o.label)!,
        segmentation: { size: mask.size, counts: mask.counts },
        area: rleArea(mask),
        bbox: rleBbox(mask),
        iscrowd: 0 as const,
        attributes: { tandem_object_id: o.id, created_by: o.createdBy, updated_by: o.updatedBy },
      };
    });
  return {
    info: { description: `Tandem export of ${project.name} / ${task.name}`, version: '1.0', date_created: new Date().toISOString() },
    licenses: [],
    // The image's own attributes, defaults filled in, as the project export writes them.
    images: [{ id: 1, file_name: task.name, width: task.width, height: task.height, tandem_task_id: task.id, ...(imageSpecs.length ? { attributes: resolveAttributes(imageSpecs, imageValues) } : {}) }],
    categories,
    annotations,
  };
}
