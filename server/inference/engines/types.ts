// The one interface every engine implements (graph cut, GrabCut, ONNX click models).
// All coordinates are image pixels of the original image (x right, y down, pixel centres at
// integer + 0.5 are not assumed: a click at (x, y) means pixel floor(x), floor(y)).
import type { PixelBox } from '../../../shared/geometry/maskBbox';
import type { MaskBuffers } from './maskBuffers';
import type { ModelInfo } from '../../../shared/protocol/inference';

/** Decoded RGB pixels, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Click {
  x: number;
  y: number;
  positive: boolean;
}

/** [x0, y0, x1, y1] in image pixels, x0 < x1, y0 < y1. */
export type Box = [number, number, number, number];

export interface Scribble {
  points: Array<[number, number]>;
  positive: boolean;
}

export interface SegmentInput {
  image: RgbImage;
  /** Identifies the image for per-image caches (encoder features, graph weights). */
  imageKey: string;
  clicks: Click[];
  box?: Box;
  scribbles?: Scribble[];
  /** Previous mask, row-major 0/1, width × height of the image. */
  prevMask?: Uint8Array;
  /** The previous mask's bounding box (end-exclusive; null: empty) where the caller has it without
   *  a scan (the worker reads it off the RLE's runs); engines scan `prevMask` otherwise. A photo's
   *  mask is 24-64 MB, and scanning it cost 10-60 ms a click. */
  prevBox?: PixelBox | null;
  /** Where the engine takes its photo-sized masks (its output's included) and gives back the ones
   *  it drops (maskBuffers.ts); fresh arrays when absent. `prevMask` is the caller's. */
  buffers?: MaskBuffers;
}

export interface SegmentOutput {
  /** Row-major 0/1 mask, width × height of the image. */
  mask: Uint8Array;
  /** Confidence in [0, 1]. */
  score: number;
  /** Where the engine knows it: a box holding every nonzero byte of `mask` (null: none). The
   *  worker's RLE encoder then reads nothing outside it (see shared/codecs/columnRuns.ts). */
  box?: PixelBox | null;
}

export interface Engine {
  readonly info: ModelInfo;
  /** Execution provider actually in use ('cpu' for the classical engines). */
  readonly provider: string;
  segment(input: SegmentInput): Promise<SegmentOutput>;
  /** Precomputes per-image state (encoder features) so the first click is fast. */
  warm?(image: RgbImage, imageKey: string): Promise<void>;
  /** Drops per-image state for an evicted image. */
  forget?(imageKey: string): void;
  /** Bytes of per-image state currently held (for the worker's cache accounting). */
  cachedBytes?(imageKey: string): number;
  dispose?(): Promise<void>;
}
