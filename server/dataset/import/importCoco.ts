// COCO import entry point: parse, validate against the project (off the server's thread for a
// large file: planFile.ts), then write.
import type { ProjectId } from '../../../shared/schema/ids';
import type { Storage } from '../../storage/types';
import type { LiveRooms } from '../rooms';
import { planAndApply, type ImportReport } from './applyImportPlan';
import { importCocoFile } from './importOtherTools';
import { planCocoImport, type ImportOptions } from './planCocoImport';

/**
 * Imports a COCO instances file (bytes or an already parsed value) into a project's tasks as
 * pre-labels, by user `by`. Throws invalid_json, validation_failed or not_found; on any of them
 * nothing has been written.
 */
export async function importCoco(
  storage: Storage,
  live: LiveRooms,
  projectId: ProjectId,
  body: Uint8Array | string | unknown,
  by: string,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  if (body instanceof Uint8Array || typeof body === 'string') return importCocoFile(storage, live, projectId, typeof body === 'string' ? new TextEncoder().encode(body) : body, by, opts);
  return planAndApply(storage, live, projectId, by, (project, tasks) => planCocoImport(body, project, tasks, opts), opts);
}
