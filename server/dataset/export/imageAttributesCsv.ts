// The image's own attributes in the zip formats (VOC, YOLO, PNG masks), which have no place of
// their own for them: `image_attributes.csv`, one row per image named as the zip names it (where
// the export with images stores it), one column per attribute of the project in its order, the
// default where an image has none (as COCO's `images[].attributes`). A spreadsheet or
// `pandas.read_csv` reads it as it is; written only when the project defines image attributes.
import { resolveAttributes } from '../../../shared/schema/attributes';
import { EXPORT_IMAGE_DIRS, imageFileName, type ExportFile, type ExportInput } from '../types';

export const IMAGE_ATTRIBUTES_CSV = 'image_attributes.csv';

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV for the tasks (`stems` as the format named their files), or none. */
export function imageAttributesCsv(input: ExportInput, stems: Map<string, string>, format: keyof typeof EXPORT_IMAGE_DIRS): ExportFile[] {
  const specs = input.project.settings?.imageAttributes ?? [];
  if (!specs.length) return [];
  const rows = [['image', ...specs.map((s) => s.name)].map(csvField).join(',')];
  for (const { task, imageAttributes } of input.tasks) {
    const values = resolveAttributes(specs, imageAttributes);
    const path = `${EXPORT_IMAGE_DIRS[format]}/${imageFileName(task, stems.get(task.id)!)}`;
    rows.push([path, ...specs.map((s) => String(values[s.name]))].map(csvField).join(','));
  }
  return [{ path: IMAGE_ATTRIBUTES_CSV, bytes: new TextEncoder().encode(rows.join('\n') + '\n') }];
}
