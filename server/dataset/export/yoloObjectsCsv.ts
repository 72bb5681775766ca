// objects.csv of the YOLO export: what YOLO's label lines cannot say. A row per line written:
// `label_file,line,object,label,attributes`: the label file and the line's number in it (from 1),
// the object it belongs to (numbered from 1 per image: an object of several parts writes several
// lines with one number), its label, and its attribute values as JSON (the label's definitions,
// defaults filled in, as the COCO export's `attributes`). The YOLO import reads it back: the
// values onto each object, a multi-part object's lines into one object again. Written when the
// project's labels define attributes or an object took more than one line; else the zip is plain
// Ultralytics.
import { resolveAttributes } from '../../../shared/schema/attributes';
import type { Label } from '../../storage/types';
import type { ExportFile } from '../types';
import { csvField } from './imageAttributesCsv';

export const YOLO_OBJECTS_CSV = 'objects.csv';

export class YoloObjectsCsv {
  private readonly rows = ['label_file,line,object,label,attributes'];
  private readonly specs: Map<string, NonNullable<Label['attributes']>>;
  private readonly defined: boolean;
  private object = 0;
  private linesOfObject = 0;
  private multiPart = false;

  constructor(labels: readonly Label[]) {
    this.specs = new Map(labels.map((l) => [l.name, l.attributes ?? []]));
    this.defined = labels.some((l) => l.attributes?.length);
  }

  /** The next object of the image begins. */
  nextObject(): void {
    this.object++;
    this.linesOfObject = 0;
  }

  /** The next image begins: its objects are numbered from 1. */
  nextImage(): void {
    this.object = 0;
  }

  /** Line `line` of `file` was written for the current object. */
  line(file: string, line: number, o: { label: string; attributes?: Record<string, unknown> }): void {
    if (++this.linesOfObject > 1) this.multiPart = true;
    const values = JSON.stringify(resolveAttributes(this.specs.get(o.label), o.attributes));
    this.rows.push([csvField(file), String(line), String(this.object), csvField(o.label), csvField(values)].join(','));
  }

  files(): ExportFile[] {
    if (!this.defined && !this.multiPart) return [];
    return [{ path: YOLO_OBJECTS_CSV, bytes: new TextEncoder().encode(this.rows.join('\n') + '\n') }];
  }
}
