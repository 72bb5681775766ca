// Photo-sized masks recycled between clicks. A click on a 64 MP photo handles three masks of the
// photo's size or its zoom window's (the previous mask decoded, the view's mask, the pasted
// result), each dropped a moment later. A fresh array is cheap to allocate but not to use: the OS
// hands its pages over zeroed on first touch, ~3.6 ms per MB on the VMs Tandem is measured on
// (a 64 MB array: ~230 ms to fill the first time, 2 ms the second), and V8 collects the dropped
// ones in major GCs. A buffer given back is zeroed and lent again instead.

/** Where an engine takes its photo-sized masks from. `take(n)` gives n zero bytes; `give(m)` says
 *  that nothing reads or writes `m` any more (a buffer the pool did not lend, or one given back
 *  already, is ignored). */
export interface MaskBuffers {
  take(n: number): Uint8Array;
  give(m: Uint8Array): void;
}

/** No recycling: every mask is a fresh array (engines called without a pool, as in tests). */
export const freshBuffers: MaskBuffers = {
  take: (n) => new Uint8Array(n),
  give: () => {},
};

/** Bytes whose pages `reserve` touches per turn of the event loop (~15 ms on the slow VM). */
const RESERVE_SLICE = 4 << 20;

export class MaskPool implements MaskBuffers {
  private free: ArrayBuffer[] = [];
  private freeBytes = 0;
  /** Buffers out on loan: only these are taken back (a double give would lend one buffer twice). */
  private readonly lent = new WeakSet<ArrayBufferLike>();

  /**
   * @param maxBytes  the most the pool keeps while nothing borrows it (three masks of the largest
   *                  photo allowed are 192 MB); buffers given back beyond it are left to the GC.
   * @param minBytes  smaller masks are plain arrays: their pages cost little.
   */
  constructor(
    private readonly maxBytes = 256 << 20,
    private readonly minBytes = 1 << 20,
  ) {}

  take(n: number): Uint8Array {
    if (n < this.minBytes) return new Uint8Array(n);
    // The smallest free buffer that holds n (the same photo asks for the same sizes again).
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i].byteLength;
      if (b >= n && (best < 0 || b < this.free[best].byteLength)) best = i;
    }
    if (best < 0) {
      const fresh = new Uint8Array(n);
      this.lent.add(fresh.buffer);
      return fresh;
    }
    const buf = this.free.splice(best, 1)[0];
    this.freeBytes -= buf.byteLength;
    this.lent.add(buf);
    return new Uint8Array(buf, 0, n).fill(0);
  }

  give(m: Uint8Array): void {
    const buf = m.buffer;
    if (!this.lent.has(buf)) return;
    this.lent.delete(buf);
    this.keep(buf as ArrayBuffer);
  }

  private keep(buf: ArrayBuffer): void {
    this.free.push(buf);
    this.freeBytes += buf.byteLength;
    // Over the cap: the oldest kept go first.
    while (this.freeBytes > this.maxBytes) this.freeBytes -= this.free.shift()!.byteLength;
  }

  /**
   * Keeps `count` buffers of at least n bytes ready, their pages touched, so the first clicks on a
   * new photo size do not pay for them (the worker calls it when an image is opened). The pages are
   * touched a slice at a time between turns of the event loop: jobs for other images go on.
   */
  async reserve(n: number, count: number): Promise<void> {
    if (n < this.minBytes) return;
    let ready = this.free.filter((b) => b.byteLength >= n).length;
    while (ready < count && this.freeBytes + n <= this.maxBytes) {
      const fresh = new Uint8Array(n);
      for (let at = 0; at < n; at += RESERVE_SLICE) {
        fresh.fill(0, at, Math.min(n, at + RESERVE_SLICE)); // a write faults the page in
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.keep(fresh.buffer);
      ready++;
    }
  }

  /** Bytes kept for the next take. */
  get keptBytes(): number {
    return this.freeBytes;
  }
}
