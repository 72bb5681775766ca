// Runs a detector of models/manifest.json (`detectors`, kind detector-v1): the image into the
// detector's frame, one ONNX run, then selectDetections and the boxes back to image pixels. One
// run per request, ~20 ms at 416 px on 2 cores; nothing is cached (the worker's image cache holds
// the decoded image, which is the expensive part on a photo).
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { Detection, DetectorInfo } from '../../../../shared/protocol/inference';
import { MAX_DETECTIONS } from '../../../../shared/protocol/inference';
import { checkSha, createSession, type OnnxOptions } from '../onnx/OnnxEngine';
import { imageToFrame } from '../onnx/frame';
import type { RgbImage } from '../types';
import { boxReduce, reductionFactor } from './boxReduce';
import { detectorInfo, type DetectorEntry } from './manifest';
import { selectDetections } from './selectDetections';

export interface Detector {
  readonly info: DetectorInfo;
  detect(image: RgbImage, threshold: number): Promise<Detection[]>;
  dispose?(): Promise<void>;
}

export class OnnxDetector implements Detector {
  readonly info: DetectorInfo;

  private constructor(
    private readonly entry: DetectorEntry,
    private readonly session: ort.InferenceSession,
  ) {
    this.info = detectorInfo(entry);
  }

  static async create(entry: DetectorEntry, opts: OnnxOptions): Promise<OnnxDetector> {
    const file = path.join(opts.dir, entry.file);
    checkSha(file, entry.sha256);
    const { session } = await createSession(file, opts);
    for (const name of ['scores', 'boxes']) {
      if (!session.outputNames.includes(name)) {
        await session.release();
        throw new Error(`${entry.id}: the detector has no output ${name}`);
      }
    }
    return new OnnxDetector(entry, session);
  }

  async detect(image: RgbImage, threshold: number): Promise<Detection[]> {
    const { size: S, resize, mean, std } = this.entry.preprocessing;
    const stretch = resize === 'stretch';
    // A camera photo is box-reduced first (boxReduce.ts): nearly the same frame, a fraction of the
    // cost. The boxes map back by the original's scale, off by under k pixels at the right and
    // bottom edges (a partial last block is a whole reduced pixel): 0.1% of a 24 MP photo's width.
    const frame = imageToFrame(boxReduce(image, reductionFactor(image.width, image.height, S)), null, S, mean, std, stretch);
    const out = await this.session.run({ image: new ort.Tensor('float32', frame, [1, 3, S, S]) });
    const scores = out.scores.data as Float32Array;
    const boxes = out.boxes.data as Float32Array;
    const classes = this.entry.classes.length;
    if (scores.length !== (boxes.length / 4) * classes) throw new Error(`${this.entry.id}: scores and boxes disagree on the anchors`);
    // Frame pixels to image pixels: each axis by its own scale when stretched.
    const long = Math.max(image.width, image.height);
    const sx = stretch ? image.width / S : long / S;
    const sy = stretch ? image.height / S : long / S;
    const clamp = (v: number, hi: number) => Math.round(Math.min(hi, Math.max(0, v)) * 10) / 10;
    return selectDetections(scores, boxes, classes, threshold, this.entry.nms.iou, MAX_DETECTIONS)
      .map((c) => ({
        box: [clamp(c.box[0] * sx, image.width), clamp(c.box[1] * sy, image.height), clamp(c.box[2] * sx, image.width), clamp(c.box[3] * sy, image.height)] as [number, number, number, number],
        label: this.entry.classes[c.cls],
        score: Math.round(c.score * 1000) / 1000,
      }))
      .filter((d) => d.box[2] - d.box[0] >= 1 && d.box[3] - d.box[1] >= 1);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
