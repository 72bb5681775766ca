// Runs a click model of models/manifest.json (models/CONTRACT.md, kind click-seg-v1) with
// onnxruntime-node. The encoder runs once per image and its outputs are cached per image key;
// the decoder runs per click.
//
// Frame (frame.ts): the image, or a zoom-in window of it, is resized (bilinear) so its long side
// is S and placed top-left on an S×S canvas. View pixel x maps to xModel = (x + 0.5)·scale − 0.5
// with scale = S / max(width, height).
//
// A box for a model without the `box` prompt: a positive click at the box centre, and (when no
// previous mask is given) the box interior as the previous mask. Scribbles become clicks at up to
// 8 points per stroke. A box bounds the object: it sets the zoom-in window from the first
// interaction on, and the mask is cleared outside it (grown to take in positive clicks and
// scribble points outside it: clicking there says the object reaches there).
//
// Every clicked pixel takes its click's label (frame.ts stampClicks): a click never does nothing.
// Then only the mask's parts that a positive click, scribble or box centre reaches are kept
// (components.ts).
//
// Head adaptation (adaptHead.ts) when the manifest entry has `adapt`: when the decoder's logits
// give a clicked point the wrong label, its last 1×1 conv is refitted so every clicked point gets
// its label, and the logits come from the refitted head applied to the decoder's `adapt.output`.
//
// Zoom-in (zoomIn.ts) when the manifest entry has `zoomIn`: later clicks run the encoder on a
// window around the object; each window's encoder outputs are cached like the whole image's.
//
// Providers: config order (cuda, webgpu, cpu). Creating a session with a provider that is not
// installed throws even when cpu is listed too, so that failure is caught, logged as a warning,
// and the session is created again on the CPU.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { Logger } from '../../../logger';
import { maskBbox } from '../../../../shared/geometry/maskBbox';
import type { ModelInfo } from '../../../../shared/protocol/inference';
import type { Engine, RgbImage, SegmentInput, SegmentOutput } from '../types';
import { manifestModelInfo, type ManifestEntry } from './manifest';
import { refineMask } from './refine';
import { clearOutside, keepSeededComponents, type Seed } from './components';
import { adaptHead, isHard, type FramePoint } from './adaptHead';
import { freshBuffers, type MaskBuffers } from '../maskBuffers';
import { boxMask, imageToFrame, prevToFrame, stampClicks } from './frame';
import { logitsToMask } from './logitsToMask';
import { chooseRoi, cropImage, objectRoi, pasteMask, type MaskBox, type Point, type Roi } from './zoomIn';

export { loadManifest } from './manifest';

export interface OnnxOptions {
  dir: string;
  providers: ReadonlyArray<'cpu' | 'cuda' | 'webgpu'>;
  threads: number;
  log: Logger;
}

interface Features {
  feeds: Record<string, ort.Tensor>;
  bytes: number;
}

/** Zoom-in windows kept per image (their encoder outputs stay cached until evicted here). */
const MAX_WINDOWS = 4;

/** Creates a session with the configured providers, falling back to the CPU with a warning. */
export async function createSession(file: string, opts: OnnxOptions): Promise<{ session: ort.InferenceSession; provider: string }> {
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Every model is two sessions (encoder, decoder), each with its own intra-op threads. Threads
    // that spin after a run take the cores the other session's run (or the next frame's resize)
    // needs: with spinning on, on 2 cores, the encoder ran 34 ms and the decoder 21 ms per call
    // inside `npm run eval`, against 19 and 15 with it off. Flushing denormals (the click maps'
    // Gaussian tails) took the decoder down to 12 ms; the masks came out identical.
    extra: { session: { intra_op: { allow_spinning: '0' }, set_denormal_as_zero: '1' } },
  };
  const wanted = opts.providers.filter((p) => p !== 'cpu');
  if (wanted.length) {
    try {
      const session = await ort.InferenceSession.create(file, { ...base, executionProviders: [...wanted, 'cpu'] });
      return { session, provider: wanted[0] };
    } catch (err) {
      opts.log.warn({ err: (err as Error).message, providers: wanted, model: path.basename(file) }, 'execution provider unavailable; falling back to CPU');
    }
  }
  const session = await ort.InferenceSession.create(file, { ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu' };
}

export function checkSha(file: string, sha?: string): void {
  if (!sha) return;
  const got = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  if (got !== sha) throw new Error(`${path.basename(file)}: sha256 ${got} differs from the manifest's ${sha}`);
}

export class OnnxEngine implements Engine {
  readonly info: ModelInfo;
  private readonly features = new Map<string, Features>();
  private readonly encoding = new Map<string, Promise<Features>>();
  /** Per image key: zoom-in windows, most recently used first. */
  private readonly windows = new Map<string, Roi[]>();

  private constructor(
    private readonly entry: ManifestEntry,
    private readonly encoder: ort.InferenceSession | null,
    private readonly decoder: ort.InferenceSession,
    readonly provider: string,
  ) {
    this.info = manifestModelInfo(entry);
  }

  static async create(entry: ManifestEntry, opts: OnnxOptions): Promise<OnnxEngine> {
    const file = (f: { file: string; sha256?: string }) => {
      const p = path.join(opts.dir, f.file);
      checkSha(p, f.sha256);
      return p;
    };
    const enc = entry.single ? null : await createSession(file(entry.encoder!), opts);
    const dec = await createSession(file(entry.single ?? entry.decoder!), opts);
    const adaptProblem = entry.adapt && checkAdapt(entry, dec.session.outputNames);
    if (adaptProblem) {
      await Promise.all([enc?.session.release(), dec.session.release()]);
      throw new Error(`${entry.id}: ${adaptProblem}`);
    }
    return new OnnxEngine(entry, enc?.session ?? null, dec.session, dec.provider);
  }

  private get size(): number {
    return this.entry.preprocessing.size;
  }

  /** The normalised S×S frame of the whole image or of a window, CHW float32. */
  private frame(image: RgbImage, roi: Roi | null): Float32Array {
    const { mean, std } = this.entry.preprocessing;
    return imageToFrame(image, roi, this.size, mean, std);
  }

  /** Encoder outputs for the whole image or a window, cached under `key`; the frame is only built
   *  on a miss, so a cached window costs no resize. */
  private async encode(image: RgbImage, roi: Roi | null, key: string): Promise<Features> {
    const hit = this.features.get(key);
    if (hit) return hit;
    const pending = this.encoding.get(key);
    if (pending) return pending;
    const p = (async () => {
      const S = this.size;
      const out = await this.encoder!.run({ image: new ort.Tensor('float32', this.frame(image, roi), [1, 3, S, S]) });
      let bytes = 0;
      for (const t of Object.values(out)) bytes += (t.data as Float32Array).byteLength;
      const f = { feeds: out as Record<string, ort.Tensor>, bytes };
      this.features.set(key, f);
      return f;
    })().finally(() => this.encoding.delete(key));
    this.encoding.set(key, p);
    return p;
  }

  async warm(image: RgbImage, key: string): Promise<void> {
    if (this.encoder) await this.encode(image, null, key);
  }

  forget(key: string): void {
    this.features.delete(key);
    for (const r of this.windows.get(key) ?? []) this.features.delete(windowKey(key, r));
    this.windows.delete(key);
  }

  cachedBytes(key: string): number {
    let bytes = this.features.get(key)?.bytes ?? 0;
    for (const r of this.windows.get(key) ?? []) bytes += this.features.get(windowKey(key, r))?.bytes ?? 0;
    return bytes;
  }

  /** The zoom-in window for this request, or null for the whole image. */
  private window(input: SegmentInput, prevBox: () => MaskBox): Roi | null {
    const z = this.entry.zoomIn;
    // A box says where the object is before any click does.
    if (!z || !this.encoder || (input.clicks.length < z.fromClick && !input.box)) return null;
    const { width, height } = input.image;
    const extent: Point[] = input.clicks.filter((c) => c.positive);
    if (input.box) extent.push({ x: input.box[0], y: input.box[1] }, { x: input.box[2] - 1, y: input.box[3] - 1 });
    const fresh = objectRoi(prevBox(), extent, width, height, z);
    if (!fresh || (fresh[0] === 0 && fresh[1] === 0 && fresh[2] === width && fresh[3] === height)) return null;
    const recent = this.windows.get(input.imageKey) ?? [];
    const r = chooseRoi(fresh, recent, input.clicks[input.clicks.length - 1], z.reuseIou);
    const kept = [r, ...recent.filter((o) => o !== r)];
    for (const old of kept.splice(MAX_WINDOWS)) this.features.delete(windowKey(input.imageKey, old));
    this.windows.set(input.imageKey, kept);
    return r;
  }

  async segment(input: SegmentInput): Promise<SegmentOutput> {
    const { image } = input;
    const buffers = input.buffers ?? freshBuffers;
    const boxPrev = input.box && !this.entry.prompts.includes('box') && !input.prevMask ? boxMask(image.width, image.height, input.box, buffers.take(image.width * image.height)) : undefined;
    try {
      return await this.run(input, boxPrev ?? input.prevMask, buffers);
    } finally {
      if (boxPrev) buffers.give(boxPrev);
    }
  }

  private async run(input: SegmentInput, prevMask: Uint8Array | undefined, buffers: MaskBuffers): Promise<SegmentOutput> {
    const { image } = input;
    // The previous mask's bounding box, the caller's (the worker's, from the RLE) or scanned at most
    // once: the zoom window and the head refit's hard-object rule both read it.
    let scanned: MaskBox | undefined;
    const scan = () => (input.prevMask && input.prevBox !== undefined ? input.prevBox : prevMask ? maskBbox(prevMask, image.width, image.height) : null);
    const prevBox = () => (scanned === undefined ? (scanned = scan()) : scanned);
    const roi = this.window(input, prevBox);
    // Everything below runs in the frame of `view`: the whole image, or the window's crop.
    const ox = roi ? roi[0] : 0;
    const oy = roi ? roi[1] : 0;
    const view = roi ? { width: roi[2] - roi[0], height: roi[3] - roi[1] } : image;
    const S = this.size;
    const scale = S / Math.max(view.width, view.height);
    const toModelX = (v: number) => (v - ox + 0.5) * scale - 0.5;
    const toModelY = (v: number) => (v - oy + 0.5) * scale - 0.5;
    const pts: number[] = [];
    for (const c of input.clicks) pts.push(toModelX(c.x), toModelY(c.y), c.positive ? 1 : 0);
    for (const s of input.scribbles ?? []) {
      const step = Math.max(1, Math.ceil(s.points.length / 8));
      for (let i = 0; i < s.points.length; i += step) pts.push(toModelX(s.points[i][0]), toModelY(s.points[i][1]), s.positive ? 1 : 0);
    }
    // The annotator's own labels (clicks, sampled scribble points), before the box adds its guesses.
    const labelled = pts.length / 3;
    if (input.box) {
      const [x0, y0, x1, y1] = input.box;
      if (this.entry.prompts.includes('box')) pts.push(toModelX(x0), toModelY(y0), 2, toModelX(x1), toModelY(y1), 3);
      else pts.push(toModelX((x0 + x1) / 2), toModelY((y0 + y1) / 2), 1);
    }
    if (pts.length === 0) pts.push(0, 0, -1); // N >= 1: one padding point
    const feeds: Record<string, ort.Tensor> = {};
    if (this.encoder) Object.assign(feeds, (await this.encode(image, roi, roi ? windowKey(input.imageKey, roi) : input.imageKey)).feeds);
    else feeds.image = new ort.Tensor('float32', this.frame(image, roi), [1, 3, S, S]);
    feeds.points = new ort.Tensor('float32', Float32Array.from(pts), [1, pts.length / 3, 3]);
    feeds.prev_mask = new ort.Tensor('float32', prevToFrame(prevMask, view, S, scale, { ox, oy, stride: image.width }), [1, 1, S, S]);
    const out = await this.decoder.run(feeds);
    const logits = out.logits ?? out[this.decoder.outputNames[0]];
    const L = logits.dims[logits.dims.length - 1];
    let values = logits.data as Float32Array;
    const adapt = this.entry.adapt;
    const hidden = adapt ? out[adapt.output] : undefined;
    if (adapt && hidden && labelled > 0) {
      const labels: FramePoint[] = [];
      for (let i = 0; i < labelled; i++) labels.push({ x: pts[3 * i], y: pts[3 * i + 1], positive: pts[3 * i + 2] === 1 });
      const hard = isHard(adapt, input.clicks.length, () => {
        const b = input.prevMask ? prevBox() : null; // the annotator's mask, not a box's stand-in
        return b ? Math.min(b.x1 - b.x0, b.y1 - b.y0) : null;
      });
      values = adaptHead(hidden.data as Float32Array, hidden.dims[1], L, S, labels, adapt, hard) ?? values;
    }
    const refine = this.entry.refine;
    const logitMap = refine ? new Float32Array(view.width * view.height) : undefined;
    const res = logitsToMask(values, L, S, scale, view.width, view.height, { logits: logitMap, mask: buffers.take(view.width * view.height) });
    const inView = input.clicks.map((c) => ({ ...c, x: c.x - ox, y: c.y - oy }));
    if (refine && logitMap) {
      buffers.give(res.mask);
      res.mask = refineMask(roi ? cropImage(image, roi) : image, logitMap, inView, refine);
    }
    stampClicks(res.mask, view.width, view.height, inView);
    const seeds = positiveSeeds(input, ox, oy);
    keepSeededComponents(res.mask, view.width, view.height, seeds);
    if (input.box) {
      const [x0, y0, x1, y1] = input.box;
      clearOutside(res.mask, view.width, view.height, [x0 - ox, y0 - oy, x1 - ox, y1 - oy], seeds);
    }
    if (!roi) return res;
    const pasted = pasteMask(res.mask, roi, image.width, image.height, buffers.take(image.width * image.height));
    buffers.give(res.mask);
    return { mask: pasted.mask, box: pasted.box, score: res.score };
  }

  async dispose(): Promise<void> {
    this.features.clear();
    await this.encoder?.release();
    await this.decoder.release();
  }
}

/** Where the annotator said "object", in view pixels: positive clicks, positive scribbles, a box's centre. */
function positiveSeeds(input: SegmentInput, ox: number, oy: number): Seed[] {
  const seeds: Seed[] = [];
  for (const c of input.clicks) if (c.positive) seeds.push({ x: c.x - ox, y: c.y - oy, positive: true });
  for (const s of input.scribbles ?? []) if (s.positive) for (const [x, y] of s.points) seeds.push({ x: x - ox, y: y - oy, positive: true });
  if (input.box) seeds.push({ x: (input.box[0] + input.box[2]) / 2 - ox, y: (input.box[1] + input.box[3]) / 2 - oy, positive: true });
  return seeds;
}

/** Why the entry's `adapt` cannot run on this decoder, or null: its output must exist and, where the
 *  manifest gives that output's shape, have one plane per head weight. */
function checkAdapt(entry: ManifestEntry, outputNames: readonly string[]): string | null {
  const adapt = entry.adapt!;
  const decoder = entry.single ?? entry.decoder!;
  if (!outputNames.includes(adapt.output)) return `adapt.output "${adapt.output}" is not an output of ${decoder.file}`;
  const planes = decoder.outputs?.find((o) => o.name === adapt.output)?.shape?.[1];
  if (typeof planes === 'number' && planes !== adapt.weight.length) return `adapt declares ${adapt.weight.length} weights for ${planes} planes of ${adapt.output}`;
  return null;
}

function windowKey(imageKey: string, r: Roi): string {
  return `${imageKey}\u0000${r.join(',')}`;
}
