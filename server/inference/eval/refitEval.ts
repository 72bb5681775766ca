// The re-fit protocol: how well the editor's re-fit (T, Ctrl/Cmd+Shift+V; shared/geometry/
// refitPrompt.ts) brings a mask pasted from the previous frame of a moving object back onto it.
// Each object's ground truth is shifted by `shift` × its size (the square root of its box's area)
// in a direction that turns by the golden angle from object to object, as the mask of the frame
// before would lie; then one request with the re-fit prompt (a click at the shifted mask's
// thickest point, its box grown by 15%, the shifted mask as the previous mask). Reported: the IoU
// of the shifted mask (pasted as it is) and of the answer, and how many objects each one wins.
import { decodeRle, encodeRle } from '../../../shared/codecs/rle';
import { maskBbox } from '../../../shared/geometry/maskBbox';
import { refitPrompt } from '../../../shared/geometry/refitPrompt';
import type { RgbImage } from '../engines/types';
import type { WorkerRuntime } from '../worker/WorkerRuntime';
import { maskIou } from './clickSimulator';
import { loadGroundTruth, type Instance } from './runEval';

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));
/** An IoU change smaller than this is a tie. */
const TIE = 0.01;

export interface RefitResult {
  id: string;
  pasted: number;
  refit: number;
  ms: number;
}

export interface RefitSummary {
  n: number;
  shift: number;
  pasted: number;
  refit: number;
  better: number;
  worse: number;
  msPerRefit: number;
}

/** The mask moved by (dx, dy) pixels; what leaves the image is cut off. */
export function shiftMask(mask: Uint8Array, width: number, height: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
    const from = (y - dy) * width;
    const x0 = Math.max(0, dx);
    const x1 = Math.min(width, width + dx);
    out.set(mask.subarray(from + x0 - dx, from + x1 - dx), y * width + x0);
  }
  return out;
}

export async function refitInstance(inst: Instance, index: number, shift: number, model: string, runtime: WorkerRuntime, image: () => Promise<RgbImage>): Promise<RefitResult | null> {
  const t = await loadGroundTruth(inst.maskFile);
  const bb = maskBbox(t.gt, t.width, t.height);
  if (!bb) return null;
  const size = Math.sqrt((bb.x1 - bb.x0) * (bb.y1 - bb.y0));
  const a = index * GOLDEN_ANGLE;
  const pasted = shiftMask(t.gt, t.width, t.height, Math.round(Math.cos(a) * shift * size), Math.round(Math.sin(a) * shift * size));
  const prompt = refitPrompt(pasted, t.width, t.height);
  if (!prompt) return null; // shifted out of the image
  await runtime.prefetch(inst.imageId, model, image);
  const res = await runtime.segment(
    { jobId: `${inst.id}-refit`, taskId: inst.imageId, width: t.width, height: t.height, model, clicks: [prompt.click], box: prompt.box, prevMask: encodeRle(pasted, t.width, t.height) },
    image,
  );
  return { id: inst.id, pasted: maskIou(t, pasted), refit: maskIou(t, decodeRle(res.mask).data), ms: res.ms };
}

export function summarizeRefit(results: RefitResult[], shift: number): RefitSummary {
  const n = results.length;
  const mean = (f: (r: RefitResult) => number) => (n ? results.reduce((s, r) => s + f(r), 0) / n : 0);
  return {
    n,
    shift,
    pasted: mean((r) => r.pasted),
    refit: mean((r) => r.refit),
    better: results.filter((r) => r.refit > r.pasted + TIE).length,
    worse: results.filter((r) => r.refit < r.pasted - TIE).length,
    msPerRefit: mean((r) => r.ms),
  };
}
