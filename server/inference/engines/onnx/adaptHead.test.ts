import { describe, expect, it } from 'vitest';
import { adaptHead, fitHead, isHard, type HeadAdaptSpec } from './adaptHead';

const L = 16; // logits grid
const S = 64; // frame side: one cell is 4 frame pixels
const cellCentre = (i: number) => (i + 0.5) * (S / L) - 0.5;

/** Two feature planes: plane 0 is 2 on columns 3-4 (the object) and 11-12 (a look-alike the
 *  annotator never clicks), 0 elsewhere; plane 1 is 1 everywhere. */
function stripes(): Float32Array {
  const h = new Float32Array(2 * L * L);
  for (let y = 0; y < L; y++)
    for (let x = 0; x < L; x++) {
      h[y * L + x] = [3, 4, 11, 12].includes(x) ? 2 : 0;
      h[L * L + y * L + x] = 1;
    }
  return h;
}

// A trained head that calls every pixel background, the stripes most of all.
const trained: HeadAdaptSpec = { output: 'head_in', weight: [-1, -0.5], bias: 0, lambda: 0.1, iters: 20 };

describe('adaptHead', () => {
  it('leaves the decoder logits alone when no label lies in the frame, or the trained head obeys every label', () => {
    const h = stripes();
    expect(adaptHead(h, 2, L, S, [{ x: -3, y: 10, positive: true }, { x: 10, y: S, positive: true }], trained)).toBeNull();
    expect(adaptHead(h, 2, L, S, [{ x: cellCentre(7), y: cellCentre(8), positive: false }], trained)).toBeNull();
    // one disobeyed label among obeyed ones: refit
    const clicks = [{ x: cellCentre(7), y: cellCentre(8), positive: false }, { x: cellCentre(3), y: cellCentre(8), positive: true }];
    expect(adaptHead(h, 2, L, S, clicks, trained)).not.toBeNull();
  });

  it("refits a hard object's requests on obeyed labels too", () => {
    const h = stripes();
    const obeyed = [{ x: cellCentre(7), y: cellCentre(8), positive: false }];
    expect(adaptHead(h, 2, L, S, obeyed, trained, false)).toBeNull();
    const out = adaptHead(h, 2, L, S, obeyed, trained, true)!;
    expect(out).not.toBeNull();
    // the obeyed negative is pushed further from the boundary than the trained head put it
    expect(out[8 * L + 7]).toBeLessThan(-0.5);
    // still nothing to fit when no label lies in the frame
    expect(adaptHead(h, 2, L, S, [{ x: -3, y: 10, positive: true }], trained, true)).toBeNull();
  });

  it('calls an object hard from `fromClick` clicks on, while its previous mask is under `fromClickMaxSide`', () => {
    expect(isHard(trained, 20, () => 10)).toBe(false); // no fromClick: never
    const anySize = { ...trained, fromClick: 6 };
    expect(isHard(anySize, 5, () => 10)).toBe(false);
    expect(isHard(anySize, 6, () => 400)).toBe(true);
    const small = { ...anySize, fromClickMaxSide: 50 };
    expect(isHard(small, 6, () => 49)).toBe(true);
    expect(isHard(small, 6, () => 50)).toBe(false);
    expect(isHard(small, 9, () => null)).toBe(false); // no previous mask: its size is unknown
    // the mask's size is not scanned when the click count already decides
    expect(isHard(small, 5, () => { throw new Error('scanned'); })).toBe(false);
  });

  it('gives the clicked points their labels, and pixels with the same features follow', () => {
    const h = stripes();
    const before = (x: number, y: number) => -h[y * L + x] - 0.5 * h[L * L + y * L + x]; // the trained head
    const clicks = [
      { x: cellCentre(3), y: cellCentre(8), positive: true },
      { x: cellCentre(7), y: cellCentre(8), positive: false },
    ];
    const out = adaptHead(h, 2, L, S, clicks, trained)!;
    const at = (x: number, y: number) => out[y * L + x];
    expect(before(3, 8)).toBeLessThan(0);
    expect(at(3, 8)).toBeGreaterThan(0); // the positive click
    expect(at(7, 8)).toBeLessThan(0); // the negative click
    // the whole object stripe, top to bottom, and the unclicked look-alike (same features)
    for (const x of [3, 4, 11, 12]) for (const y of [0, 8, 15]) expect(at(x, y)).toBeGreaterThan(0);
    // the rest stays background
    for (const x of [0, 7, 15]) for (const y of [0, 8, 15]) expect(at(x, y)).toBeLessThan(0);
  });

  it('moves the head less the larger lambda is', () => {
    const h = stripes();
    const click = [{ x: cellCentre(3), y: cellCentre(5), positive: true }];
    const logitAt = (lambda: number) => adaptHead(h, 2, L, S, click, { ...trained, lambda })![5 * L + 3];
    const values = [0.01, 0.1, 1, 10, 1000].map(logitAt);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1]);
    expect(values[values.length - 1]).toBeCloseTo(-2.5, 1); // the trained logit: -1 * 2 - 0.5 * 1
  });

  it('samples features between cell centres bilinearly, as the logits are upsampled', () => {
    // plane 0 rises by 1 per cell along x; a fit with one label reads its feature at the click
    const h = new Float32Array(2 * L * L);
    for (let y = 0; y < L; y++)
      for (let x = 0; x < L; x++) {
        h[y * L + x] = x;
        h[L * L + y * L + x] = 1;
      }
    const spec: HeadAdaptSpec = { output: 'head_in', weight: [0, 0], bias: 0, lambda: 1, iters: 20 };
    // between cells 2 and 3 (feature 2.5) and beyond the last centre (clamped to 15)
    const fit = (f: number[]) => {
      const theta = Float64Array.from([...spec.weight, spec.bias]);
      fitHead({ rows: [Float64Array.from(f)], targets: [1], weights: [1] }, theta, spec.lambda, spec.iters);
      return theta;
    };
    const midway = fit([2.5, 1, 1]);
    const viaFrame = adaptHead(h, 2, L, S, [{ x: (cellCentre(2) + cellCentre(3)) / 2, y: cellCentre(4), positive: true }], spec)!;
    expect(viaFrame[4 * L + 2]).toBeCloseTo(midway[0] * 2 + midway[1] + midway[2], 5);
    const edge = fit([15, 1, 1]);
    const viaEdge = adaptHead(h, 2, L, S, [{ x: S - 0.6, y: cellCentre(4), positive: true }], spec)!;
    expect(viaEdge[4 * L + 15]).toBeCloseTo(edge[0] * 15 + edge[1] + edge[2], 5);
  });

  it('with an anchor, keeps what the clicks say nothing about', () => {
    // one positive click and a weak pull: alone, the fit raises the bias with the click's weights
    // and lights up the whole background; anchor cells holding the trained probabilities stop that
    const h = stripes();
    const spec: HeadAdaptSpec = { output: 'head_in', weight: [-1, -0.5], bias: -2, lambda: 0.001, iters: 50 };
    const click = [{ x: cellCentre(3), y: cellCentre(8), positive: true }];
    const free = adaptHead(h, 2, L, S, click, spec)!;
    const anchored = adaptHead(h, 2, L, S, click, { ...spec, anchor: 1, anchorStride: 4 })!;
    expect(free[8 * L + 3]).toBeGreaterThan(0);
    expect(free[8 * L + 7]).toBeGreaterThan(0); // background, before: -2.5
    expect(anchored[8 * L + 3]).toBeGreaterThan(0);
    for (const x of [0, 7, 15]) for (const y of [0, 8, 15]) expect(anchored[y * L + x]).toBeLessThan(0);
  });

  it('refuses a head whose size does not match the decoder output', () => {
    expect(() => adaptHead(stripes(), 2, L, S, [], { ...trained, weight: [1, 2, 3] })).toThrow(/3 weights.*2 planes/);
  });

  it('reaches the optimum where plain Newton steps diverge', () => {
    // large features that the trained head gets badly wrong: the undamped first step overshoots
    const rows = [Float64Array.from([30, 1, 1]), Float64Array.from([28, 0, 1]), Float64Array.from([1, 1, 1])];
    const labels = [1, 1, 0];
    const theta0 = [-1, 0.5, -0.2];
    const lambda = 0.03;
    const theta = Float64Array.from(theta0);
    fitHead({ rows, targets: labels, weights: [1, 1, 1] }, theta, lambda, 50);
    const grad = theta0.map((t0, i) => lambda * (theta[i] - t0));
    rows.forEach((f, n) => {
      const z = f.reduce((s, v, i) => s + v * theta[i], 0);
      const r = 1 / (1 + Math.exp(-z)) - labels[n];
      f.forEach((v, i) => (grad[i] += r * v));
    });
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-2); // from about 30 at the trained head
    rows.forEach((f, n) => expect(f.reduce((s, v, i) => s + v * theta[i], 0) > 0).toBe(labels[n] === 1));
  });
});
