// What the CVAT and Label Studio imports spend validating a big photo's masks before anything is
// written (server/dataset/import/planCvatImport.ts, planLabelStudioImport.ts): a 6000x4000 image
// with 100 brush masks of 400x300 (filled ellipses), as CVAT's XML (runs inside each box) and as
// Label Studio's JSON (rle-pack over the image's RGBA); and a COCO detection file's boxes (20 on
// each of 1,000 full-HD images), filled as rectangles or kept for the click model's run; a CVAT
// for video file (20 tracked polygons over 300 full-HD frames) and a Kili raw export (1,000
// full-HD assets of 20 semantic masks with a hole and a classification each), which the server
// plans on a thread of its own (the calling thread's longest hold meanwhile). And the way out:
// the Label Studio brush export of the 24 MP image's masks (rle-pack over its RGBA per mask).
// `npm run bench -- importTools`.
import { encode as packRle } from '@thi.ng/rle-pack';
import { planCocoImport } from '../../server/dataset/import/planCocoImport';
import { planCvatImport } from '../../server/dataset/import/planCvatImport';
import { planKiliImport } from '../../server/dataset/import/planKiliImport';
import { planLabelStudioImport } from '../../server/dataset/import/planLabelStudioImport';
import { toLabelStudio } from '../../server/dataset/export/labelStudio';
import type { ExportInput } from '../../server/dataset/types';
import { encodeRle } from '../../shared/codecs/rle';
import type { AnnotationObject } from '../../shared/schema/annotation';
import type { Project, Task } from '../../server/storage/types';
import { planOffThread } from '../../server/dataset/thread/offThread';
import { longestHold } from './hold';
import { medianMs } from './median';
import type { BenchResult } from './types';

const W = 6000;
const H = 4000;
const MASKS = 100;
const box = (k: number) => ({ left: (k % 10) * 550, top: Math.floor(k / 10) * 390, w: 400, h: 300 });
const inEllipse = (x: number, y: number, w: number, h: number) => ((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2 <= 1;

function cvatXml(): string {
  let shapes = '';
  for (let k = 0; k < MASKS; k++) {
    const { left, top, w, h } = box(k);
    const runs: number[] = [];
    let value = 0;
    let run = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const on = inEllipse(x, y, w, h) ? 1 : 0;
        if (on === value) run++;
        else {
          runs.push(run);
          value = on;
          run = 1;
        }
      }
    runs.push(run);
    shapes += `<mask label="car" rle="${runs.join(', ')}" left="${left}" top="${top}" width="${w}" height="${h}" z_order="0"></mask>`;
  }
  return `<annotations><image name="big.jpg" width="${W}" height="${H}">${shapes}</image></annotations>`;
}

function labelStudioExport(masks: number): unknown {
  const result = [];
  for (let k = 0; k < masks; k++) {
    const { left, top, w, h } = box(k);
    const rgba = new Uint8Array(W * H * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inEllipse(x, y, w, h)) rgba.fill(255, 4 * ((top + y) * W + left + x), 4 * ((top + y) * W + left + x) + 4);
    result.push({ id: `r${k}`, type: 'brushlabels', original_width: W, original_height: H, value: { format: 'rle', rle: Array.from(packRle(rgba, rgba.length, 8)), brushlabels: ['car'] } });
  }
  return [{ data: { image: 'big.jpg' }, annotations: [{ result }] }];
}

/** The 24 MP image's first `masks` ellipses as Tandem's objects, for the Label Studio brush export. */
function brushExportInput(project: Project, task: Task, masks: number): ExportInput {
  const objects = Array.from({ length: masks }, (_, k) => {
    const { left, top, w, h } = box(k);
    const px = new Uint8Array(W * H);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inEllipse(x, y, w, h)) px[(top + y) * W + left + x] = 1;
    return { id: `o${k}`, label: 'car', mask: encodeRle(px, W, H) } as unknown as AnnotationObject;
  });
  return { project, tasks: [{ task, objects }] };
}

/** A detection file: `images` full-HD images, 20 boxes of 60-260 px each. */
function detections(images: number) {
  const annotations = [];
  for (let i = 0; i < images; i++) for (let k = 0; k < 20; k++) annotations.push({ id: i * 20 + k, image_id: i, category_id: 1, bbox: [(k % 5) * 380 + 10, Math.floor(k / 5) * 270 + 5, 60 + 10 * k, 40 + 10 * k], segmentation: [] });
  return { images: Array.from({ length: images }, (_, i) => ({ id: i, file_name: `f${i}.jpg`, width: 1920, height: 1080 })), categories: [{ id: 1, name: 'car' }], annotations };
}

/** A ring of 24 points about (cx, cy), radius r, in pixels. */
const ringOf = (cx: number, cy: number, r: number) => Array.from({ length: 24 }, (_, k) => [cx + r * Math.cos((k * Math.PI) / 12), cy + r * Math.sin((k * Math.PI) / 12)]);

/** CVAT for video: `tracks` polygons moving 2 px a frame over `frames` full-HD frames. */
function cvatVideo(frames: number, tracks: number): string {
  let xml = `<annotations><version>1.1</version><meta><task><size>${frames}</size><original_size><width>1920</width><height>1080</height></original_size></task></meta>`;
  for (let t = 0; t < tracks; t++) {
    xml += `<track id="${t}" label="car">`;
    for (let f = 0; f < frames; f++) {
      const points = ringOf(100 + (t % 5) * 380 + f * 0.5, 120 + Math.floor(t / 5) * 260, 80).map(([x, y]) => `${x.toFixed(2)},${y.toFixed(2)}`).join(';');
      xml += `<polygon frame="${f}" outside="0" occluded="0" keyframe="${f % 10 === 0 ? 1 : 0}" points="${points}" z_order="0"></polygon>`;
    }
    xml += '</track>';
  }
  return `${xml}</annotations>`;
}

/** Kili's raw export: `assets` full-HD images, 20 semantic masks each (an outline and a hole) with a colour. */
function kiliExport(assets: number): unknown[] {
  const ring = (cx: number, cy: number, r: number) => ({ normalizedVertices: ringOf(cx, cy, r).map(([x, y]) => ({ x: x / 1920, y: y / 1080 })) });
  return Array.from({ length: assets }, (_, i) => ({
    externalId: `f${i}.jpg`,
    latestLabel: {
      jsonResponse: {
        OBJECTS: {
          annotations: Array.from({ length: 20 }, (_, k) => {
            const [cx, cy] = [100 + (k % 5) * 380, 120 + Math.floor(k / 5) * 260];
            return { type: 'semantic', mid: `m${k}`, categories: [{ name: 'CAR' }], boundingPoly: [ring(cx, cy, 90), ring(cx, cy, 30)], children: { COLOUR: { categories: [{ name: k % 2 ? 'RED' : 'BLUE' }] } } };
          }),
        },
      },
    },
  }));
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const project = { id: 'p', name: 'p', labels: [{ name: 'car', color: '#ff0000' }] } as unknown as Project;
  const tasks = [{ id: 't', name: 'big.jpg', width: W, height: H }] as unknown as Task[];
  const runs = quick ? 3 : 5;
  const xml = cvatXml();
  // Label Studio's brushes are the photo's RGBA each: fewer of them, or the file is gigabytes.
  const lsMasks = quick ? 5 : 10;
  const ls = labelStudioExport(lsMasks);
  const lsOut = brushExportInput(project, tasks[0], lsMasks);
  const frames = quick ? 200 : 1000;
  const coco = detections(frames);
  const hdTasks = Array.from({ length: frames }, (_, i) => ({ id: `h${i}`, name: `f${i}.jpg`, width: 1920, height: 1080 })) as unknown as Task[];
  const boxes = frames * 20;
  const videoFrames = quick ? 100 : 300;
  const video = cvatVideo(videoFrames, 20);
  const frameTasks = Array.from({ length: videoFrames }, (_, i) => ({ id: `v${i}`, name: `frame_${String(i).padStart(6, '0')}.jpg`, width: 1920, height: 1080 })) as unknown as Task[];
  const kili = kiliExport(frames);
  const kiliBytes = new TextEncoder().encode(JSON.stringify(kili));
  const kiliHold = await longestHold(() => planOffThread({ format: 'kili', bytes: kiliBytes, project, tasks: hdTasks, opts: {} }));
  return [
    { name: `COCO detection file, ${boxes} boxes on ${frames} full-HD images, filled as rectangles`, metric: 'p50', value: medianMs(runs, () => planCocoImport(coco, project, hdTasks, { boxes: 'rectangle' })), unit: 'ms' },
    { name: `the same kept for the click model (checked, nothing drawn)`, metric: 'p50', value: medianMs(runs, () => planCocoImport(coco, project, hdTasks, { boxes: 'segment' })), unit: 'ms' },
    { name: `CVAT XML, ${MASKS} brush masks on a 24 MP image, validated into masks`, metric: 'p50', value: medianMs(runs, () => planCvatImport(xml, project, tasks)), unit: 'ms' },
    { name: `Label Studio JSON, ${lsMasks} brushes on a 24 MP image, per brush`, metric: 'p50', value: medianMs(runs, () => planLabelStudioImport(ls, project, tasks)) / lsMasks, unit: 'ms' },
    { name: `Label Studio brush export, ${lsMasks} masks of a 24 MP image, per mask`, metric: 'p50', value: medianMs(runs, () => toLabelStudio(lsOut, 'brush')) / lsMasks, unit: 'ms' },
    { name: `CVAT for video, 20 tracked polygons on ${videoFrames} full-HD frames (${20 * videoFrames} shapes)`, metric: 'p50', value: medianMs(runs, () => planCvatImport(video, project, frameTasks)), unit: 'ms' },
    { name: `Kili raw export, ${frames} full-HD assets of 20 semantic masks with a hole and a classification`, metric: 'p50', value: medianMs(runs, () => planKiliImport(kili, project, hdTasks)), unit: 'ms' },
    { name: `the same file (${(kiliBytes.length / 2 ** 20).toFixed(0)} MiB) planned through planOffThread: longest the calling thread was held`, metric: 'max', value: kiliHold, unit: 'ms' },
  ];
}
