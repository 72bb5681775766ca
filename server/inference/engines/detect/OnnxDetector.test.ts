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
import { boxIou } from '../../../../shared/geometry/boxIou';
import { devMaskBox, DEV } from '../../../../tests/helpers/devMasks';



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
    const gt = await devMaskBox(id);
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

  it('finds it on the same photo at camera size (8×, reduced before the resize) where it is', async () => {
    const id = 'backpack07_000000370478';
    const small = await sharp(path.join(DEV, 'images', `${id}.jpg`)).metadata();
    const { data, info } = await sharp(path.join(DEV, 'images', `${id}.jpg`)).resize(small.width! * 8, small.height! * 8).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const found = await detector.detect({ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }, 0.3);
    const gt = (await devMaskBox(id)).map((v) => v * 8);
    expect(Math.max(...found.filter((d) => d.label === 'backpack').map((d) => boxIou(d.box, gt)))).toBeGreaterThanOrEqual(0.5);
  });
});
