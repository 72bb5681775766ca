// The pre-labelling protocol: how many of a set's objects arrive already segmented when the
// detector's boxes go through the click model (what "Find objects" and the project's pre-labelling
// do), before anyone clicks. Every class the detector knows is taken (the set's objects need not
// be COCO's), each detection scoring at least the threshold becomes a mask from its box, and each
// object's best IoU with any of its image's pre-labels is reported: an object at 0.85 or more
// needs no click to reach NoC@85's bar, one under 0.5 was missed.
import { decodeRle } from '../../../shared/codecs/rle';
import type { RgbImage } from '../engines/types';
import type { WorkerRuntime } from '../worker/WorkerRuntime';
import { maskIou } from './clickSimulator';
import { loadGroundTruth, type Instance } from './runEval';

export interface PrelabelResult {
  id: string;
  /** Best IoU of the object with one of its image's pre-labels (0: none). */
  best: number;
}

export interface PrelabelSummary {
  n: number;
  images: number;
  threshold: number;
  /** Shares of the objects whose best pre-label reaches IoU 0.5 / 0.85 / 0.9. */
  at50: number;
  at85: number;
  at90: number;
  meanBest: number;
  preLabelsPerImage: number;
  /** Detection and every box request of an image, per image. */
  msPerImage: number;
}

/** Pre-labels the set's images once each (several objects share one) and scores every object. */
export async function runPrelabelEval(instances: Instance[], opts: { model: string; detector: string; threshold: number; runtime: WorkerRuntime; image: (inst: Instance) => () => Promise<RgbImage> }): Promise<{ results: PrelabelResult[]; summary: PrelabelSummary }> {
  const masks = new Map<string, Uint8Array[]>();
  let ms = 0;
  const results: PrelabelResult[] = [];
  for (const inst of instances) {
    const t = await loadGroundTruth(inst.maskFile);
    let mine = masks.get(inst.imageId);
    if (!mine) {
      const load = opts.image(inst);
      const t0 = performance.now();
      const { detections } = await opts.runtime.detect({ jobId: `${inst.imageId}-detect`, taskId: inst.imageId, width: t.width, height: t.height, model: opts.detector, threshold: opts.threshold }, load);
      mine = [];
      for (const [k, d] of detections.entries()) {
        const res = await opts.runtime.segment({ jobId: `${inst.imageId}-${k}`, taskId: inst.imageId, width: t.width, height: t.height, model: opts.model, clicks: [], box: d.box }, load);
        mine.push(decodeRle(res.mask).data);
      }
      ms += performance.now() - t0;
      masks.set(inst.imageId, mine);
    }
    results.push({ id: inst.id, best: Math.max(0, ...mine.map((m) => maskIou(t, m))) });
  }
  const n = results.length;
  const share = (v: number) => (n ? results.filter((r) => r.best >= v).length / n : 0);
  const images = masks.size;
  return {
    results,
    summary: {
      n,
      images,
      threshold: opts.threshold,
      at50: share(0.5),
      at85: share(0.85),
      at90: share(0.9),
      meanBest: n ? results.reduce((s, r) => s + r.best, 0) / n : 0,
      preLabelsPerImage: images ? [...masks.values()].reduce((s, m) => s + m.length, 0) / images : 0,
      msPerImage: images ? ms / images : 0,
    },
  };
}
