import { describe, expect, it } from 'vitest';
import { fitGmm, gmmLogLikelihood, uniformGmm } from './gmm';

function samples(groups: Array<{ rgb: [number, number, number]; n: number; spread: number }>): { data: Uint8Array; n: number } {
  const out: number[] = [];
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  for (const gr of groups) for (let i = 0; i < gr.n; i++) for (const c of gr.rgb) out.push(Math.max(0, Math.min(255, Math.round(c + rnd() * gr.spread))));
  return { data: Uint8Array.from(out), n: out.length / 3 };
}

describe('fitGmm', () => {
  it('recovers two separated colour clusters with their weights', () => {
    const s = samples([
      { rgb: [200, 30, 30], n: 3000, spread: 10 },
      { rgb: [20, 40, 220], n: 1000, spread: 10 },
    ]);
    const g = fitGmm(s.data, s.n, 2);
    expect(g.k).toBe(2);
    const means = [0, 1].map((j) => Array.from(g.means.slice(3 * j, 3 * j + 3)));
    const red = means.find((m) => m[0] > 100)!;
    const blue = means.find((m) => m[2] > 100)!;
    expect(red[0]).toBeCloseTo(200, -1);
    expect(blue[2]).toBeCloseTo(220, -1);
    // Weights: the red component holds 3/4 of the samples. logNorm = log w - 0.5 log det - c, and
    // both clusters have the same spread, so the logNorm difference is log(3).
    const iRed = means.indexOf(red);
    expect(g.logNorm[iRed] - g.logNorm[1 - iRed]).toBeCloseTo(Math.log(3), 0);
  });

  it('explains its own colours better than foreign ones', () => {
    const fg = samples([{ rgb: [240, 200, 40], n: 500, spread: 15 }]);
    const bg = samples([
      { rgb: [30, 120, 40], n: 800, spread: 20 },
      { rgb: [90, 90, 90], n: 800, spread: 20 },
    ]);
    const gf = fitGmm(fg.data, fg.n);
    const gb = fitGmm(bg.data, bg.n);
    expect(gmmLogLikelihood(gf, 240, 200, 40)).toBeGreaterThan(gmmLogLikelihood(gb, 240, 200, 40));
    expect(gmmLogLikelihood(gb, 30, 120, 40)).toBeGreaterThan(gmmLogLikelihood(gf, 30, 120, 40));
  });

  it('copes with no samples, one sample and a flat colour', () => {
    expect(gmmLogLikelihood(fitGmm(new Uint8Array(0), 0), 1, 2, 3)).toBe(gmmLogLikelihood(uniformGmm(), 9, 9, 9));
    const one = fitGmm(Uint8Array.of(10, 20, 30), 1);
    expect(one.k).toBe(1);
    expect(Number.isFinite(gmmLogLikelihood(one, 10, 20, 30))).toBe(true);
    const flat = fitGmm(new Uint8Array(3000).fill(128), 1000);
    expect(gmmLogLikelihood(flat, 128, 128, 128)).toBeGreaterThan(gmmLogLikelihood(flat, 160, 128, 128));
  });
});
