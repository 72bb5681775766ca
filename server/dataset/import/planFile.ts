// What an import file holds, read from its bytes (a zip unpacked within bounds, JSON parsed, XML
// decoded), and the plan of it against the project (`planFile`): pure, so it runs on the calling
// thread for a small file and on a thread of its own for a large one (thread/offThread.ts).
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { Project, Task } from '../../storage/types';
import { planCocoImport, type ImportOptions, type ImportPlan } from './planCocoImport';
import { planCvatImport } from './planCvatImport';
import { planKiliImport } from './planKiliImport';
import { planLabelStudioImport } from './planLabelStudioImport';
import { readLsConfig, type LsConfig } from './lsConfig';
import { readZip } from './readZip';

/** What the XML of a CVAT zip may unpack to: more is a bomb or the wrong file. */
export const MAX_CVAT_XML_BYTES = 512 * 1024 * 1024;

/** A zip archive's first bytes. */
/** A file's JSON; `what` names it in the error. */
function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (e) {
    throw new TandemError(ErrorCode.InvalidJson, `${what} is not valid JSON: ${(e as Error).message}`);
  }
}

export const isZip = (bytes: Uint8Array) => bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/** The XML of a CVAT export: the bytes themselves, or the zip's annotations.xml. */
export function cvatXml(bytes: Uint8Array): string {
  if (!isZip(bytes)) return new TextDecoder().decode(bytes);
  const files = readZip(bytes, (name) => /(^|\/)annotations\.xml$/i.test(name), MAX_CVAT_XML_BYTES, 'CVAT annotations.xml');
  const xml = Object.values(files);
  if (xml.length !== 1) throw new TandemError(ErrorCode.ValidationFailed, xml.length ? 'the archive has more than one annotations.xml' : 'the archive has no annotations.xml (CVAT for images or video 1.1)');
  return new TextDecoder().decode(xml[0]);
}

/** What the JSON of a Kili zip may unpack to. */
const MAX_KILI_JSON_BYTES = 512 * 1024 * 1024;

/** Kili's assets: the zip's labels/*.json (an asset each) or data.json (all), or the JSON itself (a list, or one asset). */
export function kiliAssets(bytes: Uint8Array): unknown[] {
  if (!isZip(bytes)) {
    const json = parseJson(bytes, 'the Kili export');
    return Array.isArray(json) ? json : [json];
  }
  const files = readZip(bytes, (name) => /(^|\/)labels\/.+\.json$/i.test(name) || /(^|\/)data\.json$/i.test(name), MAX_KILI_JSON_BYTES, 'Kili labels');
  const names = Object.keys(files).sort();
  if (!names.length) throw new TandemError(ErrorCode.ValidationFailed, 'the archive has no labels/<asset>.json nor data.json (a Kili export)');
  return names.flatMap((n) => {
    const json = parseJson(files[n], n);
    return Array.isArray(json) ? json : [json];
  });
}

/** What a Label Studio zip's JSON and config may unpack to. */
const MAX_LS_BYTES = 512 * 1024 * 1024;

/** A Label Studio export: its JSON, or a zip of the JSON and its project's labelling config (XML). */
export function labelStudioFiles(bytes: Uint8Array): { json: unknown; config?: LsConfig } {
  const parse = (b: Uint8Array) => parseJson(b, 'the Label Studio export');
  if (!isZip(bytes)) return { json: parse(bytes) };
  const files = readZip(bytes, (name) => /\.(json|xml)$/i.test(name), MAX_LS_BYTES, 'Label Studio JSON and config');
  const of = (ext: string) => Object.keys(files).filter((n) => n.toLowerCase().endsWith(ext));
  const [json, xml] = [of('.json'), of('.xml')];
  if (json.length !== 1 || xml.length > 1) throw new TandemError(ErrorCode.ValidationFailed, `a Label Studio zip holds its JSON export and, if you like, its project's labelling config (one .json, at most one .xml); this one has ${json.length} .json and ${xml.length} .xml`);
  return { json: parse(files[json[0]]), ...(xml.length && { config: readLsConfig(new TextDecoder().decode(files[xml[0]])) }) };
}

/** The formats planned from one file's bytes (the archive formats read images with sharp, off this path). */
export type FileFormat = 'coco' | 'cvat' | 'labelstudio' | 'kili';

/** What planning a file takes: no function (a box runner stays with the caller), so a thread can take it. */
export interface PlanJob {
  format: FileFormat;
  bytes: Uint8Array;
  project: Project;
  tasks: Task[];
  opts: Omit<ImportOptions, 'boxRunner'>;
}

/** The file's plan against the project: read, then validated whole (each format's planner). */
export function planFile({ format, bytes, project, tasks, opts }: PlanJob): ImportPlan {
  if (format === 'coco') return planCocoImport(parseJson(bytes, 'the COCO file'), project, tasks, opts);
  if (format === 'cvat') return planCvatImport(cvatXml(bytes), project, tasks, opts);
  if (format === 'kili') return planKiliImport(kiliAssets(bytes), project, tasks, opts);
  const { json, config } = labelStudioFiles(bytes);
  return planLabelStudioImport(json, project, tasks, opts, config);
}
