// The CVAT, Label Studio and Kili imports' entry points: CVAT's XML alone or the zip CVAT exports
// (annotations.xml beside the images, which are not read), Label Studio's JSON export (alone, or
// zipped with its project's labelling config, lsConfig.ts), Kili's raw
// export (its zip of labels/<asset>.json or data.json, or the JSON); each validated against the
// project (planCvatImport.ts, planLabelStudioImport.ts, planKiliImport.ts), then written.
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { ProjectId } from '../../../shared/schema/ids';
import type { Storage } from '../../storage/types';
import type { LiveRooms } from '../rooms';
import { planAndApply, type ImportReport } from './applyImportPlan';
import type { ImportOptions } from './planCocoImport';
import { planCvatImport } from './planCvatImport';
import { planKiliImport } from './planKiliImport';
import { planLabelStudioImport } from './planLabelStudioImport';
import { readLsConfig, type LsConfig } from './lsConfig';
import { readZip } from './readZip';

/** What the XML of a CVAT zip may unpack to: more is a bomb or the wrong file. */
export const MAX_CVAT_XML_BYTES = 512 * 1024 * 1024;

/** A zip archive's first bytes. */
const isZip = (bytes: Uint8Array) => bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/** The XML of a CVAT export: the bytes themselves, or the zip's annotations.xml. */
export function cvatXml(bytes: Uint8Array): string {
  if (!isZip(bytes)) return new TextDecoder().decode(bytes);
  const files = readZip(bytes, (name) => /(^|\/)annotations\.xml$/i.test(name), MAX_CVAT_XML_BYTES, 'CVAT annotations.xml');
  const xml = Object.values(files);
  if (xml.length !== 1) throw new TandemError(ErrorCode.ValidationFailed, xml.length ? 'the archive has more than one annotations.xml' : 'the archive has no annotations.xml (CVAT for images or video 1.1)');
  return new TextDecoder().decode(xml[0]);
}

/** Imports CVAT for images (or video) XML into a project's tasks as pre-labels, by user `by`; nothing is written on a refusal. */
export function importCvat(storage: Storage, live: LiveRooms, projectId: ProjectId, bytes: Uint8Array, by: string, opts: ImportOptions = {}): Promise<ImportReport> {
  return planAndApply(storage, live, projectId, by, (project, tasks) => planCvatImport(cvatXml(bytes), project, tasks, opts), opts);
}

/** What the JSON of a Kili zip may unpack to. */
const MAX_KILI_JSON_BYTES = 512 * 1024 * 1024;

/** Kili's assets: the zip's labels/*.json (an asset each) or data.json (all), or the JSON itself (a list, or one asset). */
export function kiliAssets(bytes: Uint8Array): unknown[] {
  const parse = (b: Uint8Array, what: string) => {
    try {
      return JSON.parse(new TextDecoder().decode(b)) as unknown;
    } catch (e) {
      throw new TandemError(ErrorCode.InvalidJson, `${what} is not valid JSON: ${(e as Error).message}`);
    }
  };
  if (!isZip(bytes)) {
    const json = parse(bytes, 'the Kili export');
    return Array.isArray(json) ? json : [json];
  }
  const files = readZip(bytes, (name) => /(^|\/)labels\/.+\.json$/i.test(name) || /(^|\/)data\.json$/i.test(name), MAX_KILI_JSON_BYTES, 'Kili labels');
  const names = Object.keys(files).sort();
  if (!names.length) throw new TandemError(ErrorCode.ValidationFailed, 'the archive has no labels/<asset>.json nor data.json (a Kili export)');
  return names.flatMap((n) => {
    const json = parse(files[n], n);
    return Array.isArray(json) ? json : [json];
  });
}

/** Imports a Kili raw export into a project's tasks as pre-labels, by user `by`; nothing is written on a refusal. */
export function importKili(storage: Storage, live: LiveRooms, projectId: ProjectId, bytes: Uint8Array, by: string, opts: ImportOptions = {}): Promise<ImportReport> {
  return planAndApply(storage, live, projectId, by, (project, tasks) => planKiliImport(kiliAssets(bytes), project, tasks, opts), opts);
}

/** What a Label Studio zip's JSON and config may unpack to. */
const MAX_LS_BYTES = 512 * 1024 * 1024;

/** A Label Studio export: its JSON, or a zip of the JSON and its project's labelling config (XML). */
export function labelStudioFiles(bytes: Uint8Array): { json: unknown; config?: LsConfig } {
  const parse = (b: Uint8Array) => {
    try {
      return JSON.parse(new TextDecoder().decode(b)) as unknown;
    } catch (e) {
      throw new TandemError(ErrorCode.InvalidJson, `the Label Studio export is not valid JSON: ${(e as Error).message}`);
    }
  };
  if (!isZip(bytes)) return { json: parse(bytes) };
  const files = readZip(bytes, (name) => /\.(json|xml)$/i.test(name), MAX_LS_BYTES, 'Label Studio JSON and config');
  const of = (ext: string) => Object.keys(files).filter((n) => n.toLowerCase().endsWith(ext));
  const [json, xml] = [of('.json'), of('.xml')];
  if (json.length !== 1 || xml.length > 1) throw new TandemError(ErrorCode.ValidationFailed, `a Label Studio zip holds its JSON export and, if you like, its project's labelling config (one .json, at most one .xml); this one has ${json.length} .json and ${xml.length} .xml`);
  return { json: parse(files[json[0]]), ...(xml.length && { config: readLsConfig(new TextDecoder().decode(files[xml[0]])) }) };
}

/** Imports a Label Studio JSON export (with its labelling config, zipped) into a project's tasks as pre-labels, by user `by`; nothing is written on a refusal. */
export function importLabelStudio(storage: Storage, live: LiveRooms, projectId: ProjectId, bytes: Uint8Array, by: string, opts: ImportOptions = {}): Promise<ImportReport> {
  return planAndApply(storage, live, projectId, by, (project, tasks) => {
    const { json, config } = labelStudioFiles(bytes);
    return planLabelStudioImport(json, project, tasks, opts, config);
  }, opts);
}
