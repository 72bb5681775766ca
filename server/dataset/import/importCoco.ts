// COCO import entry point: parse, validate against the project, then write.
import { TandemError, ErrorCode } from '../../../shared/protocol/errors';
import type { ProjectId } from '../../../shared/schema/ids';
import type { Storage } from '../../storage/types';
import type { LiveRooms } from '../rooms';
import { planAndApply, type ImportReport } from './applyImportPlan';
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
  return planAndApply(storage, live, projectId, by, (project, tasks) => {
    let json: unknown = body;
    if (body instanceof Uint8Array || typeof body === 'string') {
      const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new TandemError(ErrorCode.InvalidJson, `the COCO file is not valid JSON: ${(e as Error).message}`);
      }
    }
    return planCocoImport(json, project, tasks, opts);
  }, opts);
}
