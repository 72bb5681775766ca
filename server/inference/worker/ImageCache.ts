// Per-worker LRU cache of decoded images, accounted in bytes: the decoded pixels, the engines'
// working copies and their per-image features (ONNX encoder outputs). Loads are de-duplicated,
// so a prefetch and the first click for the same task decode once.
//
// A load ahead of need (the editor's next task) is a "spare" load: it may push out only images not
// in use (the server names the tasks open in an editor; the image of the last job counts too),
// else it drops itself, so it never costs anybody the image they are working on.
import type { RgbImage } from '../engines/types';

/** What a spare load may not push out: the keys of images in use. */
export interface Spare {
  inUse: ReadonlySet<string>;
}

export interface CachedImage {
  key: string;
  image: RgbImage;
}

export class ImageCache {
  private readonly entries = new Map<string, { image: RgbImage; bytes: number }>();
  /** The image of the last job or prefetch: in use whatever the server says. */
  private lastUsed: string | null = null;
  private readonly loading = new Map<string, Promise<CachedImage>>();
  private total = 0;

  /**
   * @param capacityBytes  budget for everything held per image
   * @param extraBytes     bytes the engines hold for an image beyond its pixels
   * @param onEvict        called after an image is dropped, so engines can free its features
   */
  constructor(
    private readonly capacityBytes: number,
    private readonly extraBytes: (key: string, image: RgbImage) => number,
    private readonly onEvict: (key: string) => void,
  ) {}

  /**
   * The image, loading it with `load` on a miss. `spare`: a load ahead of need, which pushes out
   * only images not in use; if that is not enough it is dropped itself (the caller still gets it).
   */
  async get(key: string, load: () => Promise<RgbImage>, spare?: Spare): Promise<CachedImage> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // re-insert: Map order is the LRU order
      this.entries.set(key, hit);
      if (!spare) this.lastUsed = key;
      return { key, image: hit.image };
    }
    const pending = this.loading.get(key);
    if (pending) return pending;
    const p = load()
      .then((image) => {
        const bytes = image.data.byteLength;
        this.entries.set(key, { image, bytes });
        this.total += bytes;
        if (!spare) this.lastUsed = key;
        this.fit(key, spare);
        return { key, image };
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Re-measures an image after the engines built per-image state for it (a use, unless `spare`),
   *  then evicts to budget as {@link get} does. */
  touch(key: string, spare?: Spare): void {
    const e = this.entries.get(key);
    if (!e) return;
    const bytes = e.image.data.byteLength + this.extraBytes(key, e.image);
    this.total += bytes - e.bytes;
    e.bytes = bytes;
    if (!spare) this.lastUsed = key;
    this.fit(key, spare);
  }

  /** Bytes a spare load may take: what is free plus what images not in use hold. */
  spareRoom(spare: Spare): number {
    let n = Math.max(0, this.capacityBytes - this.total);
    for (const [k, e] of this.entries) if (!this.inUse(k, spare)) n += e.bytes;
    return n;
  }

  private inUse(key: string, spare: Spare): boolean {
    return key === this.lastUsed || spare.inUse.has(key);
  }

  get bytes(): number {
    return this.total;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Evicts least recently used entries until within budget; `keep` (the one in use) stays. For a
   * spare `keep`, only images not in use go, and if that is not enough `keep` goes itself.
   */
  private fit(keep: string, spare?: Spare): void {
    const kept = this.entries.get(keep);
    if (spare && kept) {
      let free = 0;
      for (const [k, e] of this.entries) if (k !== keep && !this.inUse(k, spare)) free += e.bytes;
      // Even without every other image not in use it would not fit: only it goes.
      if (this.total - free > this.capacityBytes) return this.drop(keep, kept.bytes);
    }
    for (const [k, e] of this.entries) {
      if (this.total <= this.capacityBytes) return;
      if (k === keep || (spare && this.inUse(k, spare))) continue;
      this.drop(k, e.bytes);
    }
  }

  private drop(key: string, bytes: number): void {
    this.entries.delete(key);
    this.total -= bytes;
    this.onEvict(key);
  }
}
