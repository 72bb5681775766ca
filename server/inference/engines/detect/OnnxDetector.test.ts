// The shipped COCO detector (models/coco-detector.onnx) through the worker's own code on dev
// images: it names and boxes the annotated object, on landscape and portrait photos (the frame is
// stretched, so each axis maps back by its own scale).
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb } from '../../../storage/images/validateImage';
import { createDetectors } from '../../worker/createEngines';
import type { Detector } from './OnnxDetector';
import { boxIou } from './selectDetections';

const DEV = path.resolve('../shared/datasets/dev/COCO_MVal_dev');

/** The bounding box [x0, y0, x1, y1] of a dev mask (255 = object). */
async function maskBox(id: string): Promise<number[]> {
  const { data, info } = await sharp(path.join(DEV, 'masks', `${id}.png`)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const b = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++)
      if (data[y * info.width + x] === 255) (b[0] = Math.min(b[0], x)), (b[1] = Math.min(b[1], y)), (b[2] = Math.max(b[2], x + 1)), (b[3] = Math.max(b[3], y + 1));
  return b;
}

describe('the COCO detector', () => {
  let detector: Detector;
  beforeAll(async () => {
    const all = await createDetectors({ modelsDir: path.resolve('models'), providers: ['cpu'], threads: 2, log: pino({ level: 'silent' }) });
    detector = all.get('coco-detector')!;
  });
  afterAll(async () => detector?.dispose?.());

  it('is listed with the 80 COCO classes and a default threshold', () => {
    expect(detector.info.classes).toHaveLength(80);
    expect(detector.info.classes).toEqual(expect.arrayContaining(['person', 'traffic light', 'teddy bear']));
    expect(detector.info.threshold).toBeGreaterThan(0);
  });

  it.each([
    ['backpack07_000000370478', 'backpack'], // landscape
    ['banana08_000000293794', 'banana'], // portrait
    ['apple08_000000113589', 'apple'],
  ])('finds the annotated object of %s (a %s) where it is', async (id, label) => {
    const image = await decodeRgb(fs.readFileSync(path.join(DEV, 'images', `${id}.jpg`)));
    const gt = await maskBox(id);
    const found = await detector.detect(image, 0.3);
    const mine = found.filter((d) => d.label === label);
    expect(mine.length).toBeGreaterThan(0);
    expect(Math.max(...mine.map((d) => boxIou(d.box, gt)))).toBeGreaterThanOrEqual(0.5);
    for (const d of found) {
      expect(d.score).toBeGreaterThanOrEqual(0.3);
      expect(d.box[0]).toBeGreaterThanOrEqual(0);
      expect(d.box[2]).toBeLessThanOrEqual(image.width);
      expect(d.box[3]).toBeLessThanOrEqual(image.height);
    }
    expect(found.map((d) => d.score)).toEqual([...found.map((d) => d.score)].sort((a, b) => b - a));
  });
});
