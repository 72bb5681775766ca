// YOLO segmentation labels (Ultralytics layout): labels/<stem>.txt with one line per polygon,
// `<class> x1 y1 x2 y2 ...`, coordinates normalised to 0..1 by the image width and height; class
// ids 0..N-1 as listed in data.yaml and classes.txt. An object of several parts writes one line
// per part. The format has no holes: they are filled (use COCO RLE for lossless masks). The image's
// own attributes, which the format has no place for, go into image_attributes.csv; the objects'
// attributes, and which lines are parts of one object, into objects.csv (yoloObjectsCsv.ts).
import { imageAttributesCsv } from './imageAttributesCsv';
import { YoloObjectsCsv } from './yoloObjectsCsv';
import { maskPolygons } from './maskRuns';
import { exportLabels, imageFileName, taskStems, type ExportFile, type ExportInput } from '../types';

export interface YoloExportOptions {
  /** Douglas-Peucker tolerance in pixels. */
  tolerance?: number;
}

export function toYolo(input: ExportInput, opts: YoloExportOptions = {}): ExportFile[] {
  const labels = exportLabels(input);
  const classId = new Map(labels.map((l, i) => [l.name, i]));
  const stems = taskStems(input.tasks);
  const enc = new TextEncoder();
  const files: ExportFile[] = [];
  const imageList: string[] = [];
  const objectsCsv = new YoloObjectsCsv(input.project.labels);
  for (const { task, objects } of input.tasks) {
    const stem = stems.get(task.id)!;
    const { width: w, height: h } = task;
    const lines: string[] = [];
    for (const o of objects) {
      if (!o.mask || o.mask.size[0] !== h || o.mask.size[1] !== w) continue;
      objectsCsv.nextObject();
      for (const ring of maskPolygons(o.mask, opts.tolerance ?? 0.5)) {
        if (ring.length < 6) continue;
        const coords: string[] = [];
        for (let i = 0; i < ring.length; i += 2) {
          coords.push(norm(ring[i] / w), norm(ring[i + 1] / h));
        }
        lines.push(`${classId.get(o.label)} ${coords.join(' ')}`);
        objectsCsv.line(`labels/${stem}.txt`, lines.length, o);
      }
    }
    objectsCsv.nextImage();
    files.push({ path: `labels/${stem}.txt`, bytes: enc.encode(lines.join('\n') + (lines.length ? '\n' : '')) });
    // Ultralytics finds an image's labels by swapping images/ for labels/ and the extension for
    // .txt, so the listed image is named after the same stem (copy or link images so).
    imageList.push(`images/${imageFileName(task, stem)}`);
  }
  const yamlNames = labels.map((l, i) => `  ${i}: ${yamlString(l.name)}`).join('\n');
  const yaml = `# Tandem export of project ${yamlString(input.project.name)}\npath: .\ntrain: train.txt\nval: train.txt\nnc: ${labels.length}\nnames:\n${yamlNames}\n`;
  files.push({ path: 'data.yaml', bytes: enc.encode(yaml) });
  files.push({ path: 'classes.txt', bytes: enc.encode(labels.map((l) => l.name).join('\n') + (labels.length ? '\n' : '')) });
  files.push({ path: 'train.txt', bytes: enc.encode(imageList.join('\n') + (imageList.length ? '\n' : '')) });
  files.push(...objectsCsv.files(), ...imageAttributesCsv(input, stems, 'yolo'));
  return files;
}

function norm(v: number): string {
  return Math.min(1, Math.max(0, v)).toFixed(6);
}

/** A YAML double-quoted scalar (JSON string syntax is valid YAML). */
function yamlString(s: string): string {
  return JSON.stringify(s);
}
