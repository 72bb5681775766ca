// Export formats checked by independent decoders (tests/fixtures/dataset/decoders.ts): every
// exported pixel is compared with the masks the fixture drew. Golden files pin the text formats;
// regenerate them with UPDATE_GOLDEN=1 after an intended change (and review the diff).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { unzipSync, strFromU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { toCoco, type CocoAnnotation } from '../../server/dataset/export/coco';
import { exportDataset } from '../../server/dataset/export/exportDataset';
import { sampleInput, sampleTasks } from '../fixtures/dataset/sampleProject';
import { count, decodeCocoRle, fillHoles, iou, rasterisePolygons, vocColormap } from '../fixtures/dataset/decoders';

const GOLDEN = path.resolve('tests/fixtures/dataset/golden');
const NOW = new Date('2026-01-01T00:00:00Z');

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

/** The source objects that have a non-empty mask, in export order, with their task. */
function drawnWithMasks() {
  return sampleTasks().flatMap((t, ti) => t.drawn.filter((d) => d.object.mask && count(d.pixels) > 0).map((d) => ({ ...d, task: t.task, imageId: ti + 1 })));
}

function bboxOf(px: Uint8Array, w: number): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  px.forEach((v, i) => {
    if (!v) return;
    const x = i % w, y = Math.floor(i / w);
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  });
  return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

describe('COCO export (compressed RLE)', () => {
  const coco = toCoco(sampleInput(), { segmentation: 'rle', now: NOW });

  it('lists both images, the project labels then the unknown one, and skips the object without a mask', () => {
    expect(coco.images.map((i) => [i.id, i.file_name, i.width, i.height])).toEqual([[1, 'photos/a.jpg', 40, 30], [2, 'b.png', 23, 17]]);
    expect(coco.categories.map((c) => [c.id, c.name])).toEqual([[1, 'cat'], [2, 'dog'], [3, 'tree'], [4, 'bird']]);
    expect(coco.annotations.map((a) => a.attributes.tandem_object_id)).toEqual(['o-ring', 'o-parts', 'o-over', 'o-tri', 'o-edge']);
  });

  it('decodes, with an independent RLE decoder, to exactly the drawn pixels, with area, bbox and iscrowd 0', () => {
    const drawn = drawnWithMasks();
    expect(coco.annotations).toHaveLength(drawn.length);
    coco.annotations.forEach((a: CocoAnnotation, i) => {
      const d = drawn[i];
      const seg = a.segmentation as { size: [number, number]; counts: string };
      expect(seg.size).toEqual([d.task.height, d.task.width]);
      expect(typeof seg.counts).toBe('string');
      expect(Buffer.from(decodeCocoRle(seg)).equals(Buffer.from(d.pixels))).toBe(true);
      expect(a.area).toBe(count(d.pixels));
      expect(a.bbox).toEqual(bboxOf(d.pixels, d.task.width));
      expect(a.iscrowd).toBe(0);
      expect(a.image_id).toBe(d.imageId);
      expect(coco.categories.find((c) => c.id === a.category_id)!.name).toBe(d.object.label);
    });
  });

  it('matches the golden file', () => {
    golden('coco.json', JSON.stringify(coco, null, 1) + '\n');
  });
});

describe('COCO export (polygons)', () => {
  const coco = toCoco(sampleInput(), { segmentation: 'polygons', now: NOW });

  it('rasterises back to the drawn masks with holes filled (COCO polygons cannot hold holes)', () => {
    const drawn = drawnWithMasks();
    coco.annotations.forEach((a, i) => {
      const d = drawn[i];
      const rings = a.segmentation as number[][];
      expect(Array.isArray(rings)).toBe(true);
      for (const r of rings) expect(r.length % 2 === 0 && r.length >= 6).toBe(true);
      const filled = fillHoles(d.pixels, d.task.width, d.task.height);
      const back = rasterisePolygons(rings, d.task.width, d.task.height);
      expect(iou(back, filled)).toBeGreaterThan(0.9);
      expect(a.area).toBe(count(d.pixels));
    });
    // The two-part object has one ring per part.
    expect((coco.annotations[1].segmentation as number[][]).length).toBe(2);
  });

  it('is exact (minus holes) with tolerance 0', () => {
    const exact = toCoco(sampleInput(), { segmentation: 'polygons', tolerance: 0, now: NOW });
    const drawn = drawnWithMasks();
    exact.annotations.forEach((a, i) => {
      const d = drawn[i];
      const back = rasterisePolygons(a.segmentation as number[][], d.task.width, d.task.height);
      expect(Buffer.from(back).equals(Buffer.from(fillHoles(d.pixels, d.task.width, d.task.height)))).toBe(true);
    });
  });

  it('matches the golden file', () => {
    golden('coco-polygons.json', JSON.stringify(coco, null, 1) + '\n');
  });
});

describe('Pascal VOC export', () => {
  const result = exportDataset(sampleInput(), 'voc', 'Sample', NOW);
  const files = unzipSync(result.bytes);

  it('is a zip with class and object PNGs per image, labelmap.txt and the image set', () => {
    expect(result.contentType).toBe('application/zip');
    expect(Object.keys(files).sort()).toEqual([
      'Annotations/a.xml',
      'Annotations/b.xml',
      'ImageSets/Main/default.txt',
      'ImageSets/Segmentation/default.txt',
      'SegmentationClass/a.png',
      'SegmentationClass/b.png',
      'SegmentationObject/a.png',
      'SegmentationObject/b.png',
      'labelmap.txt',
    ]);
    golden('voc/labelmap.txt', strFromU8(files['labelmap.txt']));
    golden('voc/default.txt', strFromU8(files['ImageSets/Segmentation/default.txt']));
  });

  it('class and instance PNGs, read back with sharp, hold the right index at every pixel', async () => {
    // labelmap.txt gives colour → class index (line order after the header, background 0).
    const lines = strFromU8(files['labelmap.txt']).trim().split('\n').slice(1);
    const classOfColour = new Map(lines.map((l, i) => [l.split(':')[1], i]));
    const names = lines.map((l) => l.split(':')[0]);
    for (const t of sampleTasks()) {
      const stem = t.task.name.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
      const { width: w, height: h } = t.task;
      const expectedClass = new Uint8Array(w * h);
      const expectedInst = new Uint8Array(w * h);
      let inst = 0;
      for (const d of t.drawn) {
        if (!d.object.mask || count(d.pixels) === 0) continue;
        inst++;
        d.pixels.forEach((v, i) => {
          if (v) {
            expectedClass[i] = names.indexOf(d.object.label);
            expectedInst[i] = inst;
          }
        });
      }
      const cls = await sharp(Buffer.from(files[`SegmentationClass/${stem}.png`])).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect([cls.info.width, cls.info.height, cls.info.channels]).toEqual([w, h, 3]);
      const gotClass = new Uint8Array(w * h).map((_, i) => {
        const key = `${cls.data[i * 3]},${cls.data[i * 3 + 1]},${cls.data[i * 3 + 2]}`;
        const c = classOfColour.get(key);
        if (c === undefined) throw new Error(`colour ${key} is not in labelmap.txt`);
        return c;
      });
      expect(Buffer.from(gotClass).equals(Buffer.from(expectedClass))).toBe(true);

      const obj = await sharp(Buffer.from(files[`SegmentationObject/${stem}.png`])).removeAlpha().raw().toBuffer();
      const instOfColour = new Map(Array.from({ length: 256 }, (_, i) => [vocColormap(i).join(','), i]));
      const gotInst = new Uint8Array(w * h).map((_, i) => instOfColour.get(`${obj[i * 3]},${obj[i * 3 + 1]},${obj[i * 3 + 2]}`)!);
      expect(Buffer.from(gotInst).equals(Buffer.from(expectedInst))).toBe(true);
    }
  });

  it("lists each instance in Annotations/<stem>.xml, in instance order, with its class and the box of its pixels", () => {
    for (const t of sampleTasks()) {
      const stem = t.task.name.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
      const xml = strFromU8(files[`Annotations/${stem}.xml`]);
      expect(xml).toContain(`<filename>${t.task.name.replace(/^.*\//, '')}</filename>`); // as JPEGImages/ names it
      expect(xml).toContain(`<size><width>${t.task.width}</width><height>${t.task.height}</height><depth>3</depth></size>`);
      // Read with regular expressions, not the importer's parser.
      const objects = [...xml.matchAll(/<object>([\s\S]*?)<\/object>/g)].map((m) => {
        const num = (tag: string) => Number(new RegExp(`<${tag}>(\\d+)</${tag}>`).exec(m[1])![1]);
        return { name: /<name>([^<]*)<\/name>/.exec(m[1])![1], box: [num('xmin'), num('ymin'), num('xmax'), num('ymax')], flags: [num('truncated'), num('difficult'), num('occluded')] };
      });
      const drawn = t.drawn.filter((d) => d.object.mask && count(d.pixels) > 0);
      expect(objects.map((o) => o.name)).toEqual(drawn.map((d) => d.object.label));
      for (const [k, d] of drawn.entries()) {
        const xs: number[] = [];
        const ys: number[] = [];
        d.pixels.forEach((v, i) => v && (xs.push(i % t.task.width), ys.push(Math.floor(i / t.task.width))));
        // Pixel coordinates from 0, the max one past the last pixel (Datumaro's VOC writer).
        expect(objects[k].box, `${stem} object ${k + 1}`).toEqual([Math.min(...xs), Math.min(...ys), Math.max(...xs) + 1, Math.max(...ys) + 1]);
        expect(objects[k].flags).toEqual([0, 0, 0]);
      }
    }
    expect(strFromU8(files['ImageSets/Main/default.txt'])).toBe(strFromU8(files['ImageSets/Segmentation/default.txt']));
  });

  it('writes palette PNGs whose raw bytes are the indices (PIL mode P readers)', async () => {
    const meta = await sharp(Buffer.from(files['SegmentationClass/a.png'])).metadata();
    expect(meta.format).toBe('png');
    expect(meta.isPalette).toBe(true);
    expect(meta.channels).toBe(3);
  });
});

describe('YOLO segmentation export', () => {
  const result = exportDataset(sampleInput(), 'yolo', 'Sample', NOW);
  const files = unzipSync(result.bytes);

  it('writes data.yaml, classes.txt and one normalised label file per image', () => {
    // objects.csv: the two-part dog's lines are one object.
    expect(Object.keys(files).sort()).toEqual(['classes.txt', 'data.yaml', 'labels/a.txt', 'labels/b.txt', 'objects.csv', 'train.txt']);
    expect(strFromU8(files['classes.txt'])).toBe('cat\ndog\ntree\nbird\n');
    // Image paths share the label files' stems (Ultralytics swaps images/ → labels/, ext → .txt).
    expect(strFromU8(files['train.txt'])).toBe('images/a.jpg\nimages/b.png\n');
    golden('yolo/data.yaml', strFromU8(files['data.yaml']));
    golden('yolo/a.txt', strFromU8(files['labels/a.txt']));
  });

  it('parsed and rasterised, each class covers the drawn masks (holes filled)', () => {
    const classes = strFromU8(files['classes.txt']).trim().split('\n');
    for (const t of sampleTasks()) {
      const { width: w, height: h } = t.task;
      const stem = t.task.name.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
      const byClass = new Map<number, number[][]>();
      for (const line of strFromU8(files[`labels/${stem}.txt`]).trim().split('\n')) {
        const [c, ...xy] = line.split(' ').map(Number);
        expect(Number.isInteger(c)).toBe(true);
        expect(xy.length % 2).toBe(0);
        for (const v of xy) expect(v >= 0 && v <= 1).toBe(true);
        const ring = xy.map((v, i) => (i % 2 === 0 ? v * w : v * h));
        byClass.set(c, [...(byClass.get(c) ?? []), ring]);
      }
      for (const [c, rings] of byClass) {
        const expected = new Uint8Array(w * h);
        for (const d of t.drawn) {
          if (d.object.label !== classes[c] || !d.object.mask) continue;
          fillHoles(d.pixels, w, h).forEach((v, i) => (expected[i] |= v));
        }
        expect(iou(rasterisePolygons(rings, w, h), expected)).toBeGreaterThan(0.9);
      }
      const labelsUsed = new Set(t.drawn.filter((d) => d.object.mask).map((d) => d.object.label));
      expect(new Set([...byClass.keys()].map((c) => classes[c]))).toEqual(labelsUsed);
    }
  });
});

describe("the image's own attributes in the zip formats", () => {
  const specs = [
    { name: 'weather', type: 'select' as const, options: ['clear', 'rain, heavy'] },
    { name: 'night', type: 'checkbox' as const },
    { name: 'note', type: 'text' as const },
  ];
  const input = () => {
    const base = sampleInput();
    return {
      project: { ...base.project, settings: { noOverlap: false, imageAttributes: specs } },
      // The first image has values (one quoted: a comma and a quote); the second none: its defaults.
      tasks: base.tasks.map((t, i) => (i === 0 ? { ...t, imageAttributes: { weather: 'rain, heavy', night: true, note: 'says "wet"' } } : t)),
    };
  };
  /** RFC 4180 rows, read without the exporter's code. */
  const readCsv = (text: string) =>
    text.trimEnd().split('\n').map((line) => [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1])));

  it('writes image_attributes.csv in VOC, YOLO and masks, each image named where the zip puts it, defaults filled in', () => {
    for (const [format, dir] of [['voc', 'JPEGImages'], ['yolo', 'images'], ['masks', 'images']] as const) {
      const files = unzipSync(exportDataset(input(), format, 'p', NOW).bytes);
      expect(readCsv(strFromU8(files['image_attributes.csv'])), format).toEqual([
        ['image', 'weather', 'night', 'note'],
        [`${dir}/a.jpg`, 'rain, heavy', 'true', 'says "wet"'],
        [`${dir}/b.png`, 'clear', 'false', ''],
      ]);
    }
  });

  it('writes none for a project without image attributes', () => {
    for (const format of ['voc', 'yolo', 'masks'] as const) expect(Object.keys(unzipSync(exportDataset(sampleInput(), format, 'p', NOW).bytes))).not.toContain('image_attributes.csv');
  });
});
