// The CVAT, Label Studio and Kili imports' entry points: CVAT's XML alone or the zip CVAT exports
// (annotations.xml beside the images, which are not read), Label Studio's JSON export (alone, or
// zipped with its project's labelling config, lsConfig.ts), Kili's raw
// export (its zip of labels/<asset>.json or data.json, or the JSON); each read and validated
// against the project (planFile.ts: planCvatImport.ts, planLabelStudioImport.ts,
// planKiliImport.ts), off the server's thread when the file is large, then written.
import type { ProjectId } from '../../../shared/schema/ids';
import type { Storage } from '../../storage/types';
import type { LiveRooms } from '../rooms';
import { planOffThread } from '../thread/offThread';
import { planAndApply, type ImportReport } from './applyImportPlan';
import type { ImportOptions } from './planCocoImport';
import type { FileFormat } from './planFile';

/** Imports a file of `format` into a project's tasks as pre-labels, by user `by`; nothing is written on a refusal. */
function importFile(format: FileFormat, storage: Storage, live: LiveRooms, projectId: ProjectId, bytes: Uint8Array, by: string, opts: ImportOptions): Promise<ImportReport> {
  const { boxRunner: _runner, ...planOpts } = opts;
  return planAndApply(storage, live, projectId, by, (project, tasks) => planOffThread({ format, bytes, project, tasks, opts: planOpts }), opts);
}

/** CVAT for images (or video) XML, or CVAT's zip. */
export const importCvat = (storage: Storage, live: LiveRooms, projectId: ProjectId, bytes: Uint8Array, by: string, opts: ImportOptions = {}) => importFile('cvat', storage, live, projectId, bytes, by, opts);

/** Kili's raw export. */
export const importKili = (storage: Storage, live: LiveRooms, projectId: ProjectId, bytes: Uint8Array, by: string, opts: ImportOptions = {}) => importFile('kili', storage, live, projectId, bytes, by, opts);

/** Label Studio's JSON export, or a zip of it and its labelling config. */
export const importLabelStudio = (storage: Storage, live: LiveRooms, projectId: ProjectId, bytes: Uint8Array, by: string, opts: ImportOptions = {}) => importFile('labelstudio', storage, live, projectId, bytes, by, opts);

/** A COCO instances file's bytes. */
export const importCocoFile = (storage: Storage, live: LiveRooms, projectId: ProjectId, bytes: Uint8Array, by: string, opts: ImportOptions = {}) => importFile('coco', storage, live, projectId, bytes, by, opts);
