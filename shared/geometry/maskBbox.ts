/**
 * Bounding box of the object pixels of a row-major binary mask (`mask[y * width + x]`, nonzero =
 * object), end-exclusive, or null when the mask is empty. Used by the editor's raster ops, the
 * worker's zoom-in window and the distance transform's crop.
 */
export function maskBbox(mask: ArrayLike<number>, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}
