// One entry point for every export format: a JSON body for COCO, a zip for the multi-file formats.
import { zipSync } from 'fflate';
import type { ExportFile, ExportFormat, ExportInput } from '../types';
import { toCoco } from './coco';
import { toVoc } from './voc';
import { toYolo } from './yolo';

export interface ExportResult {
  /** File name to offer the user (Content-Disposition). */
  fileName: string;
  contentType: 'application/json' | 'application/zip';
  bytes: Uint8Array;
  /** The individual files (for the CLI, which writes a directory rather than a zip). */
  files: ExportFile[];
}

/** Exports `input` in `format`. `baseName` names the download (project or task name). */
export function exportDataset(input: ExportInput, format: ExportFormat, baseName: string, now?: Date): ExportResult {
  const safe = baseName.replace(/[^A-Za-z0-9._-]/g, '_') || 'export';
  if (format === 'coco' || format === 'coco-polygons') {
    const coco = toCoco(input, { segmentation: format === 'coco' ? 'rle' : 'polygons', now });
    const bytes = new TextEncoder().encode(JSON.stringify(coco));
    const fileName = format === 'coco' ? 'annotations.json' : 'annotations_polygons.json';
    return { fileName: `${safe}_${fileName}`, contentType: 'application/json', bytes, files: [{ path: fileName, bytes }] };
  }
  const files = format === 'voc' ? toVoc(input) : toYolo(input);
  // Fixed mtime so an export of the same content is byte-identical (cacheable, diffable).
  const mtime = now ?? new Date('2020-01-01T00:00:00Z');
  // PNGs are deflated already: store them, compress the text files.
  const zip = zipSync(Object.fromEntries(files.map((f) => [f.path, [f.bytes, { mtime, level: f.path.endsWith('.png') ? 0 : 6 }]])));
  return { fileName: `${safe}_${format}.zip`, contentType: 'application/zip', bytes: zip, files };
}
