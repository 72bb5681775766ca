// RLE → the pixels of one mask texture, cropped to the mask's bounding box so hundreds of masks
// on a 4K image cost their own area, not 4096×3072 each. Only the box is decoded (no full-image
// array). Output is premultiplied RGBA: interior at the fill opacity, boundary pixels (a 4-
// neighbour outside the mask) at the outline opacity.
import { rowsFromRuns } from '../../../shared/codecs/columnRuns';
import { rleBbox, rleCounts, type Rle } from '../../../shared/codecs/rle';

export interface MaskPixels {
  /** Top-left of the crop in image px. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Premultiplied RGBA, row-major, width × height × 4 bytes. */
  rgba: Uint8Array;
}

export interface MaskStyle {
  /** 0xRRGGBB */
  color: number;
  /** Fill opacity 0..1. */
  fill: number;
  /** Outline opacity 0..1 (0 = no outline). */
  outline: number;
}

/** Parses #rrggbb (or hsl()/anything else → a grey) into 0xRRGGBB. */
export function parseColor(css: string): number {
  const m = /^#([0-9a-f]{6})$/i.exec(css.trim());
  return m ? parseInt(m[1], 16) : 0x9ca3af;
}

/** The pixels of `rle` in `style`, or null for an empty mask. */
export function maskPixels(rle: Rle, style: MaskStyle): MaskPixels | null {
  const [h, w] = rle.size;
  const [bx, by, bw, bh] = rleBbox(rle);
  if (bw === 0 || bh === 0) return null;
  // 1 byte per pixel first (inside or not), then colour it with its neighbours in view.
  const inside = rowsFromRuns(rleCounts(rle), w, h, { x: bx, y: by, width: bw, height: bh });
  const r = (style.color >> 16) & 255;
  const g = (style.color >> 8) & 255;
  const b = style.color & 255;
  const fillA = Math.round(style.fill * 255);
  const edgeA = Math.round(Math.max(style.fill, style.outline) * 255);
  const rgba = new Uint8Array(bw * bh * 4);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const i = y * bw + x;
      if (!inside[i]) continue;
      const edge =
        style.outline > 0 &&
        (x === 0 || y === 0 || x === bw - 1 || y === bh - 1 || !inside[i - 1] || !inside[i + 1] || !inside[i - bw] || !inside[i + bw]);
      const a = edge ? edgeA : fillA;
      const o = i * 4;
      rgba[o] = (r * a + 127) / 255;
      rgba[o + 1] = (g * a + 127) / 255;
      rgba[o + 2] = (b * a + 127) / 255;
      rgba[o + 3] = a;
    }
  }
  return { x: bx, y: by, width: bw, height: bh, rgba };
}

/** The longest texture side every WebGL2 device we target uploads (the spec's floor is 2048; 4096
 *  is what phones and integrated GPUs give). A 24-64 MP photo's large object is wider than that. */
export const MAX_TEXTURE_SIDE = 4096;

/** `px` cut into tiles of at most `max` px a side (one tile, the same pixels, when it fits), each
 *  with its place in image px: a texture larger than the GPU's limit is not drawn at all. */
export function tiles(px: MaskPixels, max = MAX_TEXTURE_SIDE): MaskPixels[] {
  if (px.width <= max && px.height <= max) return [px];
  const out: MaskPixels[] = [];
  for (let ty = 0; ty < px.height; ty += max) {
    for (let tx = 0; tx < px.width; tx += max) {
      const width = Math.min(max, px.width - tx);
      const height = Math.min(max, px.height - ty);
      const rgba = new Uint8Array(width * height * 4);
      for (let y = 0; y < height; y++) {
        const from = ((ty + y) * px.width + tx) * 4;
        rgba.set(px.rgba.subarray(from, from + width * 4), y * width * 4);
      }
      out.push({ x: px.x + tx, y: px.y + ty, width, height, rgba });
    }
  }
  return out;
}
