// Runs a click model of models/manifest.json (models/CONTRACT.md, kind click-seg-v1) with
// onnxruntime-node. The encoder runs once per image and its outputs are cached per image key;
// the decoder runs per click.
//
// Frame: the image is resized (bilinear) so its long side is S and placed top-left on an S×S
// canvas; the rest is 0 after normalisation. Image pixel x maps to xModel = (x + 0.5)·scale − 0.5
// with scale = S / max(width, height).
//
// A box for a model without the `box` prompt: a positive click at the box centre, and (when no
// previous mask is given) the box interior as the previous mask. Scribbles become clicks at up to
// 8 points per stroke.
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
import type { ModelInfo } from '../../../../shared/protocol/inference';
import type { Engine, RgbImage, SegmentInput, SegmentOutput } from '../types';
import { manifestModelInfo, type ManifestEntry } from './manifest';
import { refineMask } from './refine';
import { chooseRoi, cropImage, cropMask, objectRoi, pasteMask, type Roi } from './zoomIn';

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
  const base: ort.InferenceSession.SessionOptions = { intraOpNumThreads: opts.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
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

function checkSha(file: string, sha?: string): void {
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
    if (entry.single) {
      const s = await createSession(file(entry.single), opts);
      return new OnnxEngine(entry, null, s.session, s.provider);
    }
    const enc = await createSession(file(entry.encoder!), opts);
    const dec = await createSession(file(entry.decoder!), opts);
    return new OnnxEngine(entry, enc.session, dec.session, dec.provider);
  }

  private get size(): number {
    return this.entry.preprocessing.size;
  }

  /** The normalised S×S frame, CHW float32. */
  frame(image: RgbImage): Float32Array {
    const S = this.size;
    const { mean, std } = this.entry.preprocessing;
    const scale = S / Math.max(image.width, image.height);
    const rw = Math.max(1, Math.round(image.width * scale));
    const rh = Math.max(1, Math.round(image.height * scale));
    const out = new Float32Array(3 * S * S);
    const sx = image.width / rw;
    const sy = image.height / rh;
    // PIL-style bilinear: a triangle filter widened by the scale when shrinking (antialiased).
    const rows = filterWeights(image.height, rh, sy);
    const cols = filterWeights(image.width, rw, sx);
    const tmp = new Float32Array(3 * rw * image.height);
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < rw; x++) {
        const { start, w } = cols[x];
        let r = 0;
        let g = 0;
        let b = 0;
        for (let k = 0; k < w.length; k++) {
          const p = 3 * (y * image.width + start + k);
          r += w[k] * image.data[p];
          g += w[k] * image.data[p + 1];
          b += w[k] * image.data[p + 2];
        }
        const o = 3 * (y * rw + x);
        tmp[o] = r;
        tmp[o + 1] = g;
        tmp[o + 2] = b;
      }
    }
    for (let y = 0; y < rh; y++) {
      const { start, w } = rows[y];
      for (let x = 0; x < rw; x++) {
        for (let c = 0; c < 3; c++) {
          let v = 0;
          for (let k = 0; k < w.length; k++) v += w[k] * tmp[3 * ((start + k) * rw + x) + c];
          const u8 = Math.min(255, Math.max(0, Math.round(v)));
          out[(c * S + y) * S + x] = (u8 / 255 - mean[c]) / std[c];
        }
      }
    }
    return out;
  }

  /** Encoder outputs for the whole image or a window's crop, cached under `key`; `pixels` is only
   *  called on a miss, so a cached window costs no crop. */
  private async encode(pixels: () => RgbImage, key: string): Promise<Features> {
    const hit = this.features.get(key);
    if (hit) return hit;
    const pending = this.encoding.get(key);
    if (pending) return pending;
    const p = (async () => {
      const S = this.size;
      const out = await this.encoder!.run({ image: new ort.Tensor('float32', this.frame(pixels()), [1, 3, S, S]) });
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
    if (this.encoder) await this.encode(() => image, key);
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
  private window(input: SegmentInput, prevMask: Uint8Array | undefined): Roi | null {
    const z = this.entry.zoomIn;
    if (!z || !this.encoder || input.clicks.length < z.fromClick) return null;
    const { width, height } = input.image;
    const fresh = objectRoi(prevMask, input.clicks.filter((c) => c.positive), width, height, z);
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
    let prevMask = input.prevMask;
    if (input.box && !this.entry.prompts.includes('box') && !prevMask) prevMask = boxMask(image.width, image.height, input.box);
    const roi = this.window(input, prevMask);
    // Everything below runs in the frame of `view`: the whole image, or the window's crop.
    const ox = roi ? roi[0] : 0;
    const oy = roi ? roi[1] : 0;
    const view = roi ? { width: roi[2] - roi[0], height: roi[3] - roi[1] } : image;
    const pixels = () => (roi ? cropImage(image, roi) : image);
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
    if (input.box) {
      const [x0, y0, x1, y1] = input.box;
      if (this.entry.prompts.includes('box')) pts.push(toModelX(x0), toModelY(y0), 2, toModelX(x1), toModelY(y1), 3);
      else pts.push(toModelX((x0 + x1) / 2), toModelY((y0 + y1) / 2), 1);
    }
    if (pts.length === 0) pts.push(0, 0, -1); // N >= 1: one padding point
    const feeds: Record<string, ort.Tensor> = {};
    if (this.encoder) Object.assign(feeds, (await this.encode(pixels, roi ? windowKey(input.imageKey, roi) : input.imageKey)).feeds);
    else feeds.image = new ort.Tensor('float32', this.frame(pixels()), [1, 3, S, S]);
    feeds.points = new ort.Tensor('float32', Float32Array.from(pts), [1, pts.length / 3, 3]);
    const viewPrev = prevMask && roi ? cropMask(prevMask, image.width, roi) : prevMask;
    feeds.prev_mask = new ort.Tensor('float32', prevToFrame(viewPrev, view, S, scale), [1, 1, S, S]);
    const out = await this.decoder.run(feeds);
    const logits = out.logits ?? out[this.decoder.outputNames[0]];
    const L = logits.dims[logits.dims.length - 1];
    const refine = this.entry.refine;
    const logitMap = refine ? new Float32Array(view.width * view.height) : undefined;
    const res = logitsToMask(logits.data as Float32Array, L, S, scale, view.width, view.height, logitMap);
    if (refine && logitMap) {
      const inView = input.clicks.map((c) => ({ ...c, x: c.x - ox, y: c.y - oy }));
      res.mask = refineMask(pixels(), logitMap, inView, refine);
    }
    return roi ? { mask: pasteMask(res.mask, roi, image.width, image.height), score: res.score } : res;
  }

  async dispose(): Promise<void> {
    this.features.clear();
    await this.encoder?.release();
    await this.decoder.release();
  }
}

function windowKey(imageKey: string, r: Roi): string {
  return `${imageKey}\u0000${r.join(',')}`;
}

/** Per output index: first input index and normalised triangle-filter weights (PIL BILINEAR). */
function filterWeights(inSize: number, outSize: number, scale: number): Array<{ start: number; w: Float32Array }> {
  const support = Math.max(1, scale);
  const res: Array<{ start: number; w: Float32Array }> = [];
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(inSize, Math.ceil(centre + support));
    const w = new Float32Array(hi - lo);
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      const t = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / support));
      w[i - lo] = t;
      sum += t;
    }
    if (sum > 0) for (let k = 0; k < w.length; k++) w[k] /= sum;
    res.push({ start: lo, w });
  }
  return res;
}

function boxMask(width: number, height: number, box: [number, number, number, number]): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = Math.max(0, Math.floor(box[1])); y < Math.min(height, Math.ceil(box[3])); y++) {
    for (let x = Math.max(0, Math.floor(box[0])); x < Math.min(width, Math.ceil(box[2])); x++) m[y * width + x] = 1;
  }
  return m;
}

/** The previous mask in the S×S frame as 0/1 (nearest source pixel), zeros when none. */
function prevToFrame(mask: Uint8Array | undefined, image: { width: number; height: number }, S: number, scale: number): Float32Array {
  const out = new Float32Array(S * S);
  if (!mask) return out;
  const rw = Math.min(S, Math.round(image.width * scale));
  const rh = Math.min(S, Math.round(image.height * scale));
  for (let y = 0; y < rh; y++) {
    const sy = Math.min(image.height - 1, Math.floor((y + 0.5) / scale));
    for (let x = 0; x < rw; x++) {
      const sx = Math.min(image.width - 1, Math.floor((x + 0.5) / scale));
      out[y * S + x] = mask[sy * image.width + sx] ? 1 : 0;
    }
  }
  return out;
}

/**
 * Logits L×L (L = S or S/k) → image mask: bilinear (align_corners false) straight from logits
 * to image pixels, which equals upsampling to S, cropping the padding and resizing.
 */
export function logitsToMask(
  logits: Float32Array,
  L: number,
  S: number,
  scale: number,
  width: number,
  height: number,
  logitOut?: Float32Array,
): SegmentOutput {
  const mask = new Uint8Array(width * height);
  const k = L / S;
  let conf = 0;
  let n = 0;
  const sample = (fx: number, fy: number) => {
    const lx = Math.min(L - 1, Math.max(0, (fx + 0.5) * k - 0.5));
    const ly = Math.min(L - 1, Math.max(0, (fy + 0.5) * k - 0.5));
    const x0 = Math.floor(lx);
    const y0 = Math.floor(ly);
    const x1 = Math.min(L - 1, x0 + 1);
    const y1 = Math.min(L - 1, y0 + 1);
    const tx = lx - x0;
    const ty = ly - y0;
    return (logits[y0 * L + x0] * (1 - tx) + logits[y0 * L + x1] * tx) * (1 - ty) + (logits[y1 * L + x0] * (1 - tx) + logits[y1 * L + x1] * tx) * ty;
  };
  const rw = Math.round(width * scale);
  const rh = Math.round(height * scale);
  for (let y = 0; y < height; y++) {
    const fy = ((y + 0.5) * rh) / height - 0.5;
    for (let x = 0; x < width; x++) {
      const v = sample(((x + 0.5) * rw) / width - 0.5, fy);
      if (logitOut) logitOut[y * width + x] = v;
      if (v > 0) {
        mask[y * width + x] = 1;
        conf += 1 / (1 + Math.exp(-v));
        n++;
      }
    }
  }
  return { mask, score: n ? conf / n : 0 };
}
