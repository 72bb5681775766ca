import { describe, expect, it } from 'vitest';
import { MaxFlowGraph } from './maxflow';

/** Reference: Edmonds-Karp on a dense matrix with explicit source (n) and sink (n + 1). */
function edmondsKarp(n: number, edges: Array<[number, number, number]>, terminals: Array<[number, number, number]>) {
  const N = n + 2;
  const s = n;
  const t = n + 1;
  const cap = Array.from({ length: N }, () => new Float64Array(N));
  for (const [i, j, c] of edges) cap[i][j] += c;
  for (const [i, cs, ct] of terminals) {
    cap[s][i] += cs;
    cap[i][t] += ct;
  }
  let flow = 0;
  for (;;) {
    const prev = new Int32Array(N).fill(-1);
    prev[s] = s;
    const q = [s];
    while (q.length && prev[t] < 0) {
      const u = q.shift()!;
      for (let v = 0; v < N; v++) if (prev[v] < 0 && cap[u][v] > 1e-12) (prev[v] = u), q.push(v);
    }
    if (prev[t] < 0) break;
    let b = Infinity;
    for (let v = t; v !== s; v = prev[v]) b = Math.min(b, cap[prev[v]][v]);
    for (let v = t; v !== s; v = prev[v]) {
      cap[prev[v]][v] -= b;
      cap[v][prev[v]] += b;
    }
    flow += b;
  }
  // Source side of the min cut: reachable from s in the residual graph.
  const seen = new Uint8Array(N);
  const st = [s];
  seen[s] = 1;
  while (st.length) {
    const u = st.pop()!;
    for (let v = 0; v < N; v++) if (!seen[v] && cap[u][v] > 1e-12) (seen[v] = 1), st.push(v);
  }
  return { flow, seen };
}

function cutValue(n: number, edges: Array<[number, number, number]>, terminals: Array<[number, number, number]>, src: (i: number) => boolean) {
  let v = 0;
  for (const [i, j, c] of edges) if (src(i) && !src(j)) v += c;
  for (const [i, cs, ct] of terminals) v += src(i) ? ct : cs;
  return v;
}

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('MaxFlowGraph (Boykov-Kolmogorov)', () => {
  it('finds the textbook flow of 23 (CLRS figure 26.6)', () => {
    // Nodes v1..v4 = 0..3; s -> v1 16, s -> v2 13, v3 -> t 20, v4 -> t 4.
    const g = new MaxFlowGraph(4, 10);
    g.addTerminal(0, 16, 0);
    g.addTerminal(1, 13, 0);
    g.addTerminal(2, 0, 20);
    g.addTerminal(3, 0, 4);
    g.addEdge(0, 2, 12, 0);
    g.addEdge(1, 0, 4, 0);
    g.addEdge(2, 1, 9, 0);
    g.addEdge(1, 3, 14, 0);
    g.addEdge(3, 2, 7, 0);
    expect(g.maxflow()).toBe(23);
    // The min cut {s, v1, v2, v4} | {v3, t}: 12 + 7 + 4 = 23.
    expect([0, 1, 2, 3].map((i) => g.inSourceSet(i))).toEqual([true, true, false, true]);
  });

  it('cuts a chain at its weakest link', () => {
    const g = new MaxFlowGraph(5, 4);
    g.addTerminal(0, 100, 0);
    g.addTerminal(4, 0, 100);
    const caps = [5, 3, 7, 2.5];
    caps.forEach((c, i) => g.addEdge(i, i + 1, c, c));
    expect(g.maxflow()).toBeCloseTo(2.5, 12);
    expect([0, 1, 2, 3, 4].map((i) => g.inSourceSet(i))).toEqual([true, true, true, true, false]);
  });

  it('counts flow pushed straight through a node with both terminal links', () => {
    const g = new MaxFlowGraph(1, 0);
    g.addTerminal(0, 3, 5);
    expect(g.maxflow()).toBe(3);
    expect(g.inSourceSet(0)).toBe(false);
  });

  it('matches Edmonds-Karp on 300 random graphs, flow value and a minimum cut', () => {
    const rnd = mulberry32(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 2 + Math.floor(rnd() * 14);
      const edges: Array<[number, number, number]> = [];
      const terminals: Array<[number, number, number]> = [];
      const m = Math.floor(rnd() * n * 3);
      for (let k = 0; k < m; k++) {
        const i = Math.floor(rnd() * n);
        const j = Math.floor(rnd() * n);
        if (i !== j) edges.push([i, j, Math.floor(rnd() * 10)]);
      }
      for (let i = 0; i < n; i++) if (rnd() < 0.6) terminals.push([i, Math.floor(rnd() * 10), Math.floor(rnd() * 10)]);
      const g = new MaxFlowGraph(n, edges.length);
      for (const [i, j, c] of edges) g.addEdge(i, j, c, 0);
      for (const [i, cs, ct] of terminals) g.addTerminal(i, cs, ct);
      const ref = edmondsKarp(n, edges, terminals);
      const f = g.maxflow();
      expect(f).toBeCloseTo(ref.flow, 9);
      // BK's source set is a minimum cut too: its capacity equals the flow.
      expect(cutValue(n, edges, terminals, (i) => g.inSourceSet(i))).toBeCloseTo(ref.flow, 9);
    }
  });

  it('separates a 4-connected grid along the cheap column', () => {
    const w = 40;
    const h = 30;
    const g = new MaxFlowGraph(w * h, 2 * w * h);
    for (let y = 0; y < h; y++) {
      g.addTerminal(y * w, 1000, 0);
      g.addTerminal(y * w + w - 1, 0, 1000);
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        // Links between column 24 and 25 are cheap: the cut must go there.
        if (x + 1 < w) g.addEdge(i, i + 1, x === 24 ? 0.5 : 10, x === 24 ? 0.5 : 10);
        if (y + 1 < h) g.addEdge(i, i + w, 10, 10);
      }
    }
    expect(g.maxflow()).toBeCloseTo(0.5 * h, 9);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) expect(g.inSourceSet(y * w + x)).toBe(x <= 24);
    }
  });
});
