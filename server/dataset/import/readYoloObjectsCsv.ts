// objects.csv of a YOLO zip (export/yoloObjectsCsv.ts): per label line, the object it belongs to
// and that object's attribute values. Rows are `label_file,line,object,label,attributes` after a
// header naming them; label files are relative to the CSV's folder, lines count from 1.
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { parseCsv } from './csv';

export const YOLO_OBJECTS_CSV = /(^|\/)objects\.csv$/i;

export interface YoloLineInfo {
  /** The object's number in its image (lines with one number are parts of one object). */
  object: string;
  /** The attribute values as given (parsed JSON), or null. */
  attributes: unknown;
}

/** The rows by `<label file path>:<line>`; throws validation_failed naming a row that is wrong. */
export function readYoloObjectsCsv(path: string, text: string): Map<string, YoloLineInfo> {
  const dir = path.slice(0, path.length - 'objects.csv'.length);
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  const cols = (header ?? []).map((h) => h.trim().toLowerCase());
  const at = (name: string) => cols.indexOf(name);
  const [file, line, object, attributes] = [at('label_file'), at('line'), at('object'), at('attributes')];
  if (file < 0 || line < 0) throw new TandemError(ErrorCode.ValidationFailed, `${path}: the first row must name the columns label_file, line, object, label, attributes`);
  const out = new Map<string, YoloLineInfo>();
  rows.forEach((row, i) => {
    if (row.length === 1 && row[0] === '') return; // a blank line
    const n = Number(row[line]);
    if (!row[file] || !Number.isInteger(n) || n < 1) throw new TandemError(ErrorCode.ValidationFailed, `${path} row ${i + 2}: a label file and a line number from 1 are needed`);
    let values: unknown = null;
    const json = attributes >= 0 ? (row[attributes] ?? '').trim() : '';
    if (json) {
      try {
        values = JSON.parse(json);
      } catch {
        throw new TandemError(ErrorCode.ValidationFailed, `${path} row ${i + 2}: the attributes are not JSON`);
      }
    }
    // Without an object number each line is its own object.
    const obj = object >= 0 && row[object]?.trim() ? row[object].trim() : `line ${n}`;
    out.set(`${dir}${row[file]}:${n}`, { object: obj, attributes: values });
  });
  return out;
}
