// Bilinear (align_corners false) sampling along one axis, shared by the two places that bring a
// coarse grid back to image pixels: the onnx engine's logits (onnx/logitsToMask.ts) and the
// classical engines' working labels (upsample.ts).

/** Per output position: its two grid cells and the weight of the second. */
export interface LinearTaps {
  i0: Int32Array;
  i1: Int32Array;
  t: Float64Array;
}

/** The taps of n output positions on an L-cell grid; `at(x)` is position x's continuous cell
 *  coordinate (cell centres at integers), clamped here to the edge cells. */
export function linearTaps(n: number, L: number, at: (x: number) => number): LinearTaps {
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const t = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    const l = Math.min(L - 1, Math.max(0, at(x)));
    i0[x] = Math.floor(l);
    i1[x] = Math.min(L - 1, i0[x] + 1);
    t[x] = l - i0[x];
  }
  return { i0, i1, t };
}
