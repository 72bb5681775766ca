// What a worker does with a job, whatever brought the job: the socket worker (local child process
// or remote host) and the eval CLI both call WorkerRuntime.segment, so the evaluation measures
// exactly the code that serves annotators.
import { decodeRle, encodeRle, rleBbox } from '../../../shared/codecs/rle';
import type { PixelBox } from '../../../shared/geometry/maskBbox';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { DetectorInfo, ModelInfo, WorkerDetectJob, WorkerDetectResult, WorkerJob, WorkerJobResult } from '../../../shared/protocol/inference';
import type { Logger } from '../../logger';
import { workBytes } from '../engines/grid';
import { MaskPool } from '../engines/maskBuffers';
import type { Detector } from '../engines/detect/OnnxDetector';
import type { Engine, RgbImage, SegmentOutput } from '../engines/types';
import { ImageCache } from './ImageCache';

/** Loads a task's decoded image (over the socket for a worker, from disk for eval). */
export type ImageLoader = (taskId: string) => Promise<RgbImage>;

export class WorkerRuntime {
  readonly cache: ImageCache;
  /** Photo-sized masks recycled between jobs (maskBuffers.ts): the decoded previous mask, the
   *  engines' working and output masks. */
  private readonly buffers = new MaskPool();

  constructor(
    private readonly engines: Map<string, Engine>,
    cacheBytes: number,
    private readonly log: Logger,
    private readonly detectorMap: ReadonlyMap<string, Detector> = new Map(),
  ) {
    this.cache = new ImageCache(
      cacheBytes,
      (key, image) => workBytes(image) + [...engines.values()].reduce((s, e) => s + (e.cachedBytes?.(key) ?? 0), 0),
      (key) => {
        for (const e of engines.values()) e.forget?.(key);
        this.log.debug({ taskId: key }, 'image evicted');
      },
    );
  }

  models(): ModelInfo[] {
    return [...this.engines.values()].map((e) => e.info);
  }

  detectors(): DetectorInfo[] {
    return [...this.detectorMap.values()].map((d) => d.info);
  }

  /** Runs a detector on the task's image (loaded, or taken from the cache like a click's). */
  async detect(job: WorkerDetectJob, load: ImageLoader): Promise<WorkerDetectResult> {
    const t0 = performance.now();
    const detector = this.detectorMap.get(job.model);
    if (!detector) throw new TandemError(ErrorCode.UnknownModel, `this worker has no detector ${job.model}`);
    const image = await this.imageFor(job, load);
    const detections = await detector.detect(image, job.threshold);
    this.cache.touch(job.taskId);
    return { detections, ms: performance.now() - t0 };
  }

  /** The provider of the ONNX engines ('cpu' when there are none). */
  provider(): string {
    return [...this.engines.values()].find((e) => e.info.engine === 'onnx')?.provider ?? 'cpu';
  }

  /** The job's image, decoded or from the cache, checked against the size the task says. */
  private async imageFor(job: { taskId: string; width: number; height: number }, load: ImageLoader): Promise<RgbImage> {
    const { image } = await this.cache.get(job.taskId, () => load(job.taskId));
    if (image.width !== job.width || image.height !== job.height) {
      throw new TandemError(ErrorCode.InvalidImage, `image is ${image.width}x${image.height}, the task says ${job.width}x${job.height}`);
    }
    return image;
  }

  private engine(model: string): Engine {
    const e = this.engines.get(model);
    if (!e) throw new TandemError(ErrorCode.UnknownModel, `this worker has no model ${model}`);
    return e;
  }

  /** Runs one job; `ms` counts image loading too (0 once cached). */
  async segment(job: WorkerJob, load: ImageLoader): Promise<WorkerJobResult> {
    const t0 = performance.now();
    const engine = this.engine(job.model);
    const image = await this.imageFor(job, load);
    const rle = job.prevMask;
    if (rle && (rle.size[1] !== image.width || rle.size[0] !== image.height)) throw new TandemError(ErrorCode.ValidationFailed, 'prevMask size differs from the image');
    // The previous mask is decoded into a lent buffer, given back once the engine is done with it
    // (or the RLE turned out corrupt).
    const prevMask = rle ? this.buffers.take(image.width * image.height) : undefined;
    let out: SegmentOutput;
    try {
      let prevBox: PixelBox | null | undefined;
      if (rle) {
        decodeRle(rle, prevMask);
        const [x, y, w, h] = rleBbox(rle); // from the runs: no scan of a photo-sized mask
        prevBox = w > 0 && h > 0 ? { x0: x, y0: y, x1: x + w, y1: y + h } : null;
      }
      out = await engine.segment({ image, imageKey: job.taskId, clicks: job.clicks, box: job.box, scribbles: job.scribbles, prevMask, prevBox, buffers: this.buffers });
    } finally {
      if (prevMask) this.buffers.give(prevMask);
    }
    this.cache.touch(job.taskId);
    const score = Number.isFinite(out.score) ? Math.min(1, Math.max(0, out.score)) : 0;
    const mask = encodeRle(out.mask, image.width, image.height, out.box);
    this.buffers.give(out.mask); // read for the last time: the next job may write into it
    return { mask, score, ms: performance.now() - t0 };
  }

  /**
   * Loads ahead the image the annotator is expected to open next, if it fits beside the images in
   * use (`inUse`: the tasks open in an editor, as the server says; the last job's image counts too).
   * Its decoded size is estimated from `size` first, then its features are counted. Resolves true
   * when the image (and its features) are held afterwards.
   */
  async prefetchAhead(taskId: string, model: string, load: ImageLoader, size: { width: number; height: number }, inUse: readonly string[] = []): Promise<boolean> {
    if (this.cache.has(taskId)) return true;
    const spare = { inUse: new Set(inUse) };
    const room = this.cache.spareRoom(spare);
    if (size.width * size.height * 3 > room) {
      this.log.debug({ taskId, room }, 'no room to load ahead');
      return false;
    }
    const { image } = await this.cache.get(taskId, () => load(taskId), spare);
    const engine = this.engines.get(model);
    if (engine?.warm && this.cache.has(taskId)) await engine.warm(image, taskId);
    this.cache.touch(taskId, spare);
    return this.cache.has(taskId);
  }

  /** Loads the image and runs the model's per-image work (encoder) ahead of the first click. */
  async prefetch(taskId: string, model: string, load: ImageLoader): Promise<void> {
    const { image } = await this.cache.get(taskId, () => load(taskId));
    const engine = this.engines.get(model);
    if (engine?.warm) await engine.warm(image, taskId);
    this.cache.touch(taskId);
    // A click handles up to three masks of the photo's size (previous, window, result).
    await this.buffers.reserve(image.width * image.height, 3);
  }

  async dispose(): Promise<void> {
    for (const e of this.engines.values()) await e.dispose?.();
    for (const d of this.detectorMap.values()) await d.dispose?.();
  }
}
