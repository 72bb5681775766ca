// Per-worker LRU cache of decoded images, accounted in bytes: the decoded pixels, the engines'
// working copies and their per-image features (ONNX encoder outputs). Loads are de-duplicated,
// so a prefetch and the first click for the same task decode once.
import type { RgbImage } from '../engines/types';

export interface CachedImage {
  key: string;
  image: RgbImage;
}

export class ImageCache {
  private readonly entries = new Map<string, { image: RgbImage; bytes: number }>();
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

  /** The image, loading it with `load` on a miss. */
  async get(key: string, load: () => Promise<RgbImage>): Promise<CachedImage> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // re-insert: Map order is the LRU order
      this.entries.set(key, hit);
      return { key, image: hit.image };
    }
    const pending = this.loading.get(key);
    if (pending) return pending;
    const p = load()
      .then((image) => {
        const bytes = image.data.byteLength;
        this.entries.set(key, { image, bytes });
        this.total += bytes;
        this.evict(key);
        return { key, image };
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Re-measures an image after the engines built per-image state for it, then evicts to budget. */
  touch(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    const bytes = e.image.data.byteLength + this.extraBytes(key, e.image);
    this.total += bytes - e.bytes;
    e.bytes = bytes;
    this.evict(key);
  }

  get bytes(): number {
    return this.total;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Evicts least recently used entries until within budget; `keep` (the one in use) stays. */
  private evict(keep: string): void {
    for (const [k, e] of this.entries) {
      if (this.total <= this.capacityBytes) break;
      if (k === keep) continue;
      this.entries.delete(k);
      this.total -= e.bytes;
      this.onEvict(k);
    }
  }
}
