// YOLO import entry point: read the archive, validate against the project, then write.
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { ProjectId } from '../../../shared/schema/ids';
import type { Storage } from '../../storage/types';
import type { LiveRooms } from '../rooms';
import { applyImportPlan, type ImportReport } from './applyImportPlan';
import type { ImportOptions } from './planCocoImport';
import { planYoloImport } from './planYoloImport';

/**
 * Imports a zip of YOLO labels into a project's tasks as pre-labels, by user `by`. Throws
 * bad_request, payload_too_large, validation_failed or not_found; on any of them nothing has been
 * written. `unmatchedImages` in the report lists the label files that match no task.
 */
export async function importYolo(storage: Storage, live: LiveRooms, projectId: ProjectId, zip: Uint8Array, by: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const project = await storage.meta.getProject(projectId);
  if (!project) throw new TandemError(ErrorCode.NotFound, `project ${projectId} not found`);
  const tasks = await storage.meta.listTasks(projectId);
  return applyImportPlan(storage, live, project, tasks, planYoloImport(zip, project, tasks, opts), by);
}
