// Entry point of the zip imports (YOLO labels, PNG masks, Pascal VOC masks): read the archive,
// validate it against the project (and its image_attributes.csv, which all three may carry), then
// write.
import type { ProjectId } from '../../../shared/schema/ids';
import type { Storage } from '../../storage/types';
import type { LiveRooms } from '../rooms';
import { planAndApply, type ImportReport } from './applyImportPlan';
import { planMaskImport, type MaskImportOptions } from './planMaskImport';
import { planVocImport } from './planVocImport';
import { planYoloImport } from './planYoloImport';
import { readImageAttributesCsv } from './readImageAttributesCsv';

/**
 * Imports a zip of YOLO labels, PNG masks or Pascal VOC masks into a project's tasks as
 * pre-labels, by user `by`.
 * Throws bad_request, payload_too_large, validation_failed or not_found; on any of them nothing
 * has been written. `unmatchedImages` in the report lists the files that match no task.
 */
export async function importArchive(
  storage: Storage,
  live: LiveRooms,
  projectId: ProjectId,
  zip: Uint8Array,
  by: string,
  format: 'yolo' | 'masks' | 'voc',
  opts: MaskImportOptions = {},
): Promise<ImportReport> {
  return planAndApply(storage, live, projectId, by, async (project, tasks) => {
    const plan =
      format === 'yolo' ? planYoloImport(zip, project, tasks, opts) : format === 'voc' ? await planVocImport(zip, project, tasks, opts) : await planMaskImport(zip, project, tasks, opts);
    const image = readImageAttributesCsv(zip, project, tasks);
    if (image) {
      plan.imageAttributes = image.byTask;
      plan.invalidAttributes += image.invalid;
      plan.unknownImageAttributes = image.unknown;
    }
    return plan;
  }, opts);
}
