// One entry point for every export format: a JSON body for COCO, a zip for the multi-file formats.
import { zipSync } from 'fflate';
import type { ExportFile, ExportFormat, ExportInput } from '../types';
import { toCoco } from './coco';
import { toVoc } from './voc';
import { toMasks } from './masks';
import { toYolo } from './yolo';
import { toCvat } from './cvat';
import { toLabelStudio } from './labelStudio';
import { labelStudioConfig } from './labelStudioConfig';

export interface ExportResult {
  /** File name to offer the user (Content-Disposition). */
  fileName: string;
  contentType: 'application/json' | 'application/zip' | 'application/xml';
  bytes: Uint8Array;
  /** The individual files (for the CLI, which writes a directory rather than a zip). */
  files: ExportFile[];
}

/** Fixed mtime so an export of the same content is byte-identical (cacheable, diffable). */
export const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

/** How a zip entry is written: PNGs (and images) are deflated already, so they are stored. */
export function zipLevel(path: string): 0 | 6 {
  return path.endsWith('.png') ? 0 : 6;
}

/** The download's name: `<base>_<what>`, characters unsafe in a header replaced. */
export function exportFileName(baseName: string, format: ExportFormat): string {
  const safe = baseName.replace(/[^A-Za-z0-9._-]/g, '_') || 'export';
  if (format === 'coco') return `${safe}_annotations.json`;
  if (format === 'coco-polygons') return `${safe}_annotations_polygons.json`;
  if (format === 'labelstudio') return `${safe}_labelstudio.json`;
  if (format === 'labelstudio-brush') return `${safe}_labelstudio_brush.json`;
  if (format === 'labelstudio-config') return `${safe}_labelstudio_config.xml`;
  return `${safe}_${format}.zip`;
}

/** The files of a multi-file format (VOC, YOLO, masks, CVAT), unzipped. */
export function zipFormatFiles(input: ExportInput, format: 'voc' | 'yolo' | 'masks' | 'cvat'): ExportFile[] {
  return format === 'voc' ? toVoc(input) : format === 'yolo' ? toYolo(input) : format === 'cvat' ? toCvat(input) : toMasks(input);
}

/** Exports `input` in `format`. `baseName` names the download (project or task name). */
export function exportDataset(input: ExportInput, format: ExportFormat, baseName: string, now?: Date): ExportResult {
  const fileName = exportFileName(baseName, format);
  if (format === 'coco' || format === 'coco-polygons') {
    const coco = toCoco(input, { segmentation: format === 'coco' ? 'rle' : 'polygons', now });
    const bytes = new TextEncoder().encode(JSON.stringify(coco));
    return { fileName, contentType: 'application/json', bytes, files: [{ path: format === 'coco' ? 'annotations.json' : 'annotations_polygons.json', bytes }] };
  }
  if (format === 'labelstudio-config') {
    const bytes = new TextEncoder().encode(labelStudioConfig(input));
    return { fileName, contentType: 'application/xml', bytes, files: [{ path: 'labelstudio_config.xml', bytes }] };
  }
  if (format === 'labelstudio' || format === 'labelstudio-brush') {
    const brush = format === 'labelstudio-brush';
    const bytes = new TextEncoder().encode(JSON.stringify(toLabelStudio(input, brush ? 'brush' : 'polygons')));
    return { fileName, contentType: 'application/json', bytes, files: [{ path: brush ? 'labelstudio_brush.json' : 'labelstudio.json', bytes }] };
  }
  const files = zipFormatFiles(input, format);
  const mtime = now ?? ZIP_MTIME;
  const zip = zipSync(Object.fromEntries(files.map((f) => [f.path, [f.bytes, { mtime, level: zipLevel(f.path) }]])));
  return { fileName, contentType: 'application/zip', bytes: zip, files };
}
