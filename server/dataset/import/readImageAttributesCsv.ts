// The image's own attributes in a zip import (VOC, YOLO, PNG masks): the archive's
// `image_attributes.csv`, as those exports write it (a header `image,<name>,...`, a row per image,
// the image named by its path in the zip or its file name; matched to a task by file stem as the
// masks are). Values are read as the project defines them (`true` / `false` for a checkbox,
// numbers from their text) and checked: one that does not fit is counted and left out; a column
// the project does not define is reported by name (a CSV carries no definitions to take).
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { AttributeValue } from '../../../shared/schema/attributes';
import type { Project, Task } from '../../storage/types';
import { fileStem } from '../types';
import { parseCsv } from './csv';
import { attributeReader } from './importAttributes';
import { readZip } from './readZip';
import { tasksByStem } from './tasksByStem';

export const IMAGE_ATTRIBUTES_CSV = /(^|\/)image_attributes\.csv$/i;
/** More is not a list of images' attributes. */
const MAX_CSV_BYTES = 64 * 1024 * 1024;

export interface CsvImageAttributes {
  /** Values per task id (only tasks the file gives a value that fits). */
  byTask: Map<string, Record<string, AttributeValue>>;
  invalid: number;
  /** Columns the project does not define. */
  unknown: string[];
}

/** The archive's image attributes, or null when it has no image_attributes.csv. Throws validation_failed. */
export function readImageAttributesCsv(zip: Uint8Array, project: Project, tasks: Task[]): CsvImageAttributes | null {
  const files = readZip(zip, (name) => IMAGE_ATTRIBUTES_CSV.test(name), MAX_CSV_BYTES, 'image attributes');
  // The shallowest one: an export's own, not a copy in a subfolder.
  const path = Object.keys(files).sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))[0];
  if (path === undefined) return null;
  const [header, ...rows] = parseCsv(new TextDecoder().decode(files[path]).replace(/^\uFEFF/, ''));
  if (!header || header[0]?.trim().toLowerCase() !== 'image') {
    throw new TandemError(ErrorCode.ValidationFailed, `${path}: the first row must name the columns, "image" first, then the attributes`);
  }
  const names = header.slice(1).map((n) => n.trim());
  const defined = new Set((project.settings?.imageAttributes ?? []).map((s) => s.name));
  const reader = attributeReader(new Map([['', project.settings?.imageAttributes ?? []]]));
  const byStem = tasksByStem(tasks);
  const byTask = new Map<string, Record<string, AttributeValue>>();
  for (const row of rows) {
    const task = row[0] ? byStem.get(fileStem(row[0].trim())) : undefined;
    if (!task || byTask.has(task.id)) continue;
    // An empty cell, or one past the row's end (a spreadsheet drops trailing empty cells), gives nothing.
    const given = Object.fromEntries(names.map((n, i) => [n, row[i + 1]]).filter(([, v]) => v !== undefined && v !== ''));
    const values = reader.read(given, '');
    if (Object.keys(values).length) byTask.set(task.id, values);
  }
  return { byTask, invalid: reader.invalid, unknown: names.filter((n) => n && !defined.has(n)) };
}
