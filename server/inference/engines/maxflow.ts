// Boykov-Kolmogorov max-flow / min-cut ("An Experimental Comparison of Min-Cut/Max-Flow
// Algorithms for Energy Minimization in Vision", PAMI 2004), written from the paper for grid
// graphs of a few hundred thousand nodes. Two search trees (source S, sink T) grow until they
// touch, the path is augmented, saturated tree arcs turn their children into orphans, and orphans
// are re-adopted or freed. Trees are reused between augmentations, which is why it beats
// push-relabel and Dinic on vision grids.
//
// Capacities are float64. Terminal capacities are kept as one signed residual per node
// (positive: residual from the source, negative: residual to the sink), which is equivalent for
// the cut because a node with both links can push min(s, t) straight through.
//
// There is no well-kept max-flow package on npm (checked npm.tsv), hence this file.

const NONE = -1; // not in a tree
const TERMINAL = -2; // parent is the source or sink
const ORPHAN = -3; // lost its parent during this augmentation
const INF_D = 0x3fffffff;

export class MaxFlowGraph {
  readonly nodeCount: number;
  private arcCount = 0;
  // Arcs come in pairs (a, a ^ 1) = (forward, reverse).
  private head: Int32Array;
  private nextArc: Int32Array;
  private rcap: Float64Array;
  private first: Int32Array;
  private trcap: Float64Array;
  // Search state.
  private parent: Int32Array;
  private isSink: Uint8Array;
  private ts: Int32Array;
  private dist: Int32Array;
  private queue: Int32Array;
  private inQueue: Uint8Array;
  private qHead = 0;
  private qLen = 0;
  private orphans: Int32Array;
  private time = 0;
  private flowValue = 0;

  /** `maxEdges`: an upper bound on addEdge calls (each makes two arcs). */
  constructor(nodeCount: number, maxEdges: number) {
    this.nodeCount = nodeCount;
    this.head = new Int32Array(2 * maxEdges);
    this.nextArc = new Int32Array(2 * maxEdges);
    this.rcap = new Float64Array(2 * maxEdges);
    this.first = new Int32Array(nodeCount).fill(-1);
    this.trcap = new Float64Array(nodeCount);
    this.parent = new Int32Array(nodeCount).fill(NONE);
    this.isSink = new Uint8Array(nodeCount);
    this.ts = new Int32Array(nodeCount);
    this.dist = new Int32Array(nodeCount);
    this.queue = new Int32Array(nodeCount);
    this.inQueue = new Uint8Array(nodeCount);
    // A node is queued as an orphan at most once per adoption round, but may come back in the
    // same round after being freed; 2n + slack bounds the ring buffer comfortably.
    this.orphans = new Int32Array(2 * nodeCount + 16);
  }

  private rcap0: Float64Array | null = null;

  /** Remembers the current arc capacities, so reset() can reuse the graph for another cut. */
  snapshotArcs(): void {
    this.rcap0 = this.rcap.slice(0, this.arcCount);
  }

  /**
   * Back to the snapshotted arc capacities with no terminal links and no flow: building the
   * topology of a grid costs as much as a cut, and every click on an image cuts the same grid.
   */
  reset(): void {
    if (!this.rcap0) throw new Error('MaxFlowGraph.reset: no snapshot');
    this.rcap.set(this.rcap0);
    this.trcap.fill(0);
    this.parent.fill(NONE);
    this.isSink.fill(0);
    this.ts.fill(0);
    this.dist.fill(0);
    this.inQueue.fill(0);
    this.qHead = 0;
    this.qLen = 0;
    this.time = 0;
    this.flowValue = 0;
    this.orphanCount = 0;
  }

  /** Bytes held by the graph's arrays. */
  get bytes(): number {
    return this.head.byteLength * 2 + this.rcap.byteLength * 2 + this.nodeCount * 32;
  }

  /** Adds capacity from the source to `i` and from `i` to the sink (both >= 0). */
  addTerminal(i: number, source: number, sink: number): void {
    // Pushing min(source, sink) straight through changes the flow, never the cut.
    const d = this.trcap[i] + source - sink;
    this.flowValue += Math.min(source, sink);
    this.trcap[i] = d;
  }

  /** Adds an edge i -> j with capacity `cap` and j -> i with `rev` (both >= 0). */
  addEdge(i: number, j: number, cap: number, rev: number): void {
    if (i === j) return;
    const a = this.arcCount;
    if (a + 2 > this.head.length) throw new Error('MaxFlowGraph: more edges than declared');
    this.head[a] = j;
    this.rcap[a] = cap;
    this.nextArc[a] = this.first[i];
    this.first[i] = a;
    this.head[a + 1] = i;
    this.rcap[a + 1] = rev;
    this.nextArc[a + 1] = this.first[j];
    this.first[j] = a + 1;
    this.arcCount += 2;
  }

  private push(i: number): void {
    if (this.inQueue[i]) return;
    this.inQueue[i] = 1;
    const n = this.nodeCount;
    this.queue[(this.qHead + this.qLen) % n] = i;
    this.qLen++;
  }

  private pop(): number {
    while (this.qLen > 0) {
      const i = this.queue[this.qHead];
      this.qHead = (this.qHead + 1) % this.nodeCount;
      this.qLen--;
      this.inQueue[i] = 0;
      if (this.parent[i] !== NONE) return i;
    }
    return -1;
  }

  /** Runs the algorithm once; returns the max-flow value. */
  maxflow(): number {
    const { parent, isSink, ts, dist, trcap, first, nextArc, head, rcap } = this;
    for (let i = 0; i < this.nodeCount; i++) {
      if (trcap[i] > 0) {
        isSink[i] = 0;
        parent[i] = TERMINAL;
        ts[i] = 0;
        dist[i] = 1;
        this.push(i);
      } else if (trcap[i] < 0) {
        isSink[i] = 1;
        parent[i] = TERMINAL;
        ts[i] = 0;
        dist[i] = 1;
        this.push(i);
      }
    }
    let current = -1;
    for (;;) {
      let i = current;
      if (i < 0 || parent[i] === NONE) {
        i = this.pop();
        if (i < 0) break;
      }
      current = -1;
      // Growth: look for an arc that connects the two trees.
      let found = -1;
      if (!isSink[i]) {
        for (let a = first[i]; a >= 0; a = nextArc[a]) {
          if (rcap[a] <= 0) continue;
          const j = head[a];
          if (parent[j] === NONE) {
            isSink[j] = 0;
            parent[j] = a ^ 1;
            ts[j] = ts[i];
            dist[j] = dist[i] + 1;
            this.push(j);
          } else if (isSink[j]) {
            found = a;
            break;
          } else if (ts[j] <= ts[i] && dist[j] > dist[i]) {
            parent[j] = a ^ 1;
            ts[j] = ts[i];
            dist[j] = dist[i] + 1;
          }
        }
      } else {
        for (let a = first[i]; a >= 0; a = nextArc[a]) {
          if (rcap[a ^ 1] <= 0) continue;
          const j = head[a];
          if (parent[j] === NONE) {
            isSink[j] = 1;
            parent[j] = a ^ 1;
            ts[j] = ts[i];
            dist[j] = dist[i] + 1;
            this.push(j);
          } else if (!isSink[j]) {
            found = a ^ 1; // the arc j -> i, from the source tree into the sink tree
            break;
          } else if (ts[j] <= ts[i] && dist[j] > dist[i]) {
            parent[j] = a ^ 1;
            ts[j] = ts[i];
            dist[j] = dist[i] + 1;
          }
        }
      }
      this.time++;
      if (found >= 0) {
        current = i; // it may still have more paths: look at it again next
        this.augment(found);
        this.adoptOrphans();
      }
    }
    return this.flowValue;
  }

  private augment(middle: number): void {
    const { parent, head, rcap, trcap } = this;
    let b = rcap[middle];
    // Source side: from the tail of `middle` up to the source. parent[i] is the arc i -> parent.
    let i = head[middle ^ 1];
    while (parent[i] !== TERMINAL) {
      const a = parent[i];
      if (rcap[a ^ 1] < b) b = rcap[a ^ 1];
      i = head[a];
    }
    if (trcap[i] < b) b = trcap[i];
    i = head[middle];
    while (parent[i] !== TERMINAL) {
      const a = parent[i];
      if (rcap[a] < b) b = rcap[a];
      i = head[a];
    }
    if (-trcap[i] < b) b = -trcap[i];

    rcap[middle ^ 1] += b;
    rcap[middle] -= b;
    let nOrph = 0;
    i = head[middle ^ 1];
    while (parent[i] !== TERMINAL) {
      const a = parent[i];
      rcap[a] += b;
      rcap[a ^ 1] -= b;
      const next = head[a];
      if (rcap[a ^ 1] <= 0) {
        parent[i] = ORPHAN;
        this.orphans[nOrph++] = i;
      }
      i = next;
    }
    trcap[i] -= b;
    if (trcap[i] <= 0) {
      parent[i] = ORPHAN;
      this.orphans[nOrph++] = i;
    }
    i = head[middle];
    while (parent[i] !== TERMINAL) {
      const a = parent[i];
      rcap[a ^ 1] += b;
      rcap[a] -= b;
      const next = head[a];
      if (rcap[a] <= 0) {
        parent[i] = ORPHAN;
        this.orphans[nOrph++] = i;
      }
      i = next;
    }
    trcap[i] += b;
    if (trcap[i] >= 0) {
      parent[i] = ORPHAN;
      this.orphans[nOrph++] = i;
    }
    this.orphanCount = nOrph;
    this.flowValue += b;
  }

  private orphanCount = 0;

  private adoptOrphans(): void {
    const { parent, isSink, ts, dist, first, nextArc, head, rcap } = this;
    const cap = this.orphans.length;
    let qh = 0;
    let qn = this.orphanCount;
    while (qn > 0) {
      const i = this.orphans[qh];
      qh = (qh + 1) % cap;
      qn--;
      const sink = isSink[i];
      // Look for a new parent in the same tree whose path to the terminal is valid.
      let dMin = INF_D;
      let aMin = -1;
      for (let a0 = first[i]; a0 >= 0; a0 = nextArc[a0]) {
        // Source tree: flow comes j -> i, so arc a0 ^ 1 needs capacity; sink tree: i -> j.
        if ((sink ? rcap[a0] : rcap[a0 ^ 1]) <= 0) continue;
        let j = head[a0];
        if (isSink[j] !== sink || parent[j] === NONE) continue;
        let d = 0;
        for (;;) {
          if (ts[j] === this.time) {
            d += dist[j];
            break;
          }
          const a = parent[j];
          d++;
          if (a === TERMINAL) {
            ts[j] = this.time;
            dist[j] = 1;
            break;
          }
          if (a === ORPHAN) {
            d = INF_D;
            break;
          }
          j = head[a];
        }
        if (d < INF_D) {
          if (d < dMin) {
            aMin = a0;
            dMin = d;
          }
          for (j = head[a0]; ts[j] !== this.time; j = head[parent[j]]) {
            ts[j] = this.time;
            dist[j] = d--;
          }
        }
      }
      if (aMin >= 0) {
        parent[i] = aMin;
        ts[i] = this.time;
        dist[i] = dMin + 1;
        continue;
      }
      // No valid parent: free the node; its children become orphans, its neighbours that could
      // grow into it become active again.
      for (let a0 = first[i]; a0 >= 0; a0 = nextArc[a0]) {
        const j = head[a0];
        const a = parent[j];
        if (isSink[j] !== sink || a === NONE) continue;
        if ((sink ? rcap[a0] : rcap[a0 ^ 1]) > 0) this.push(j);
        if (a !== TERMINAL && a !== ORPHAN && head[a] === i) {
          parent[j] = ORPHAN;
          this.orphans[(qh + qn) % cap] = j;
          qn++;
        }
      }
      parent[i] = NONE;
    }
    this.orphanCount = 0;
  }

  /** After maxflow(): true when node i is on the source side of the minimum cut. */
  inSourceSet(i: number): boolean {
    return this.parent[i] !== NONE && !this.isSink[i];
  }
}
