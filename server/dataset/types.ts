// What the dataset exporters take and give. Exporters are pure: (project, tasks with their
// objects) → files. Loading documents from storage or a live room is loadExportInput's job.
import type { AttributeValue } from '../../shared/schema/attributes';
import { z } from 'zod';
import type { AnnotationObject } from '../../shared/schema/annotation';
import { TaskStatusValues } from '../../shared/schema/review';
import type { Label, Project, Task } from '../storage/types';

/** One task (image) and the annotation objects of its `task:` document. */
export interface ExportTask {
  task: Task;
  objects: AnnotationObject[];
  /** The image's own attribute values as its document holds them (shared/schema/imageAttributes.ts). */
  imageAttributes?: Record<string, AttributeValue>;
}

export interface ExportInput {
  project: Project;
  tasks: ExportTask[];
}

export const ExportFormats = ['coco', 'coco-polygons', 'voc', 'yolo', 'masks', 'cvat', 'labelstudio', 'labelstudio-brush', 'labelstudio-config'] as const;
export type ExportFormat = (typeof ExportFormats)[number];

/** Which tasks an export keeps, by review status: `done` or `done,in_review` (HTTP and CLI). */
export const ExportStatusesSchema = z
  .string()
  .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.enum(TaskStatusValues)).min(1));

/** One file of an export, path relative to the export root ('/' separators). */
export interface ExportFile {
  path: string;
  bytes: Uint8Array;
}

/**
 * The labels of an export in order: the project's labels, then any label an object uses that the
 * project does not define (so no object is silently dropped). Index i here is COCO category id
 * i + 1, VOC class index i + 1 (0 is background) and YOLO class i.
 */
export function exportLabels(input: ExportInput): Label[] {
  const out: Label[] = [...input.project.labels];
  const known = new Set(out.map((l) => l.name));
  for (const t of input.tasks) {
    for (const o of t.objects) {
      if (!known.has(o.label)) {
        known.add(o.label);
        out.push({ name: o.label, color: fallbackColor(out.length) });
      }
    }
  }
  return out;
}

/** A deterministic colour for a label the project does not define (Pascal VOC colormap entry). */
export function fallbackColor(index: number): string {
  const [r, g, b] = vocColor(index + 1);
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Entry i of the Pascal VOC colormap (bit-interleaved), as the VOC devkit and CVAT compute it. */
export function vocColor(i: number): [number, number, number] {
  let r = 0;
  let g = 0;
  let b = 0;
  let c = i;
  for (let j = 0; j < 8; j++) {
    r |= ((c >> 0) & 1) << (7 - j);
    g |= ((c >> 1) & 1) << (7 - j);
    b |= ((c >> 2) & 1) << (7 - j);
    c >>= 3;
  }
  return [r, g, b];
}

/** '#rrggbb' → [r, g, b]; anything unparsable → black. */
export function parseHexColor(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return [0, 0, 0];
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A file name without its directories and extension (`photos/a.jpg` -> `a`). */
export function fileStem(name: string): string {
  return (name.split(/[\\/]/).pop() ?? '').replace(/\.[^.]+$/, '');
}

/** The zip formats' place for the images (an export with images stores them there; their lists name them so). */
export const EXPORT_IMAGE_DIRS = { voc: 'JPEGImages', yolo: 'images', masks: 'images', cvat: 'images' } as const;

/**
 * An image's file name in a VOC or YOLO export: its stem and the extension of the task's name
 * (`.jpg` when it has none). yolo.ts lists it in train.txt and the export with images stores it so.
 */
export function imageFileName(task: Task, stem: string): string {
  return `${stem}${/\.[^./\\]+$/.exec(task.name)?.[0] ?? '.jpg'}`;
}

/**
 * File stems per task (image file name without directories and extension), made unique. Images
 * that share a file name in different folders (`cam1/000001.jpg`, `cam2/000001.jpg`, as a folder
 * or zip upload names them) are told apart by their folders (`cam1_000001`, `cam2_000001`); a stem
 * still taken gets `_<taskId>` appended. Characters unsafe in a path become '_'.
 */
export function taskStems(tasks: ExportTask[]): Map<string, string> {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  const bases = new Map(tasks.map(({ task }) => [task.id, safe(fileStem(task.name)) || task.id]));
  const shared = new Map<string, number>();
  for (const b of bases.values()) shared.set(b, (shared.get(b) ?? 0) + 1);
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const { task } of tasks) {
    const base = bases.get(task.id)!;
    const dirs = task.name.split(/[\\/]/).slice(0, -1).filter(Boolean);
    let stem = shared.get(base)! > 1 && dirs.length ? safe([...dirs, base].join('_')) : base;
    if (used.has(stem)) stem = `${stem}_${task.id}`;
    used.add(stem);
    out.set(task.id, stem);
  }
  return out;
}
