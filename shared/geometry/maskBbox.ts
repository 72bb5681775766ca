/** An end-exclusive pixel box. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Bounding box of the object pixels of a row-major binary mask (`mask[y * width + x]`, nonzero =
 * object), end-exclusive, or null when the mask is empty. Used by the editor's raster ops, the
 * worker's zoom-in window and the distance transform's crop.
 */
export function maskBbox(mask: ArrayLike<number>, width: number, height: number): PixelBox | null {
  // The worker reads the previous mask's box on every click, and a mask can be a 24-64 megapixel
  // photo's: byte masks are scanned four bytes at a time, and only outside the box found so far.
  if (mask instanceof Uint8Array && mask.length >= 1024) return byteMaskBbox(mask, width, height);
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

function byteMaskBbox(mask: Uint8Array, width: number, height: number): PixelBox | null {
  const scan = new ByteScan(mask);
  const n = width * height;
  const first = scan.first(0, n);
  if (first < 0) return null;
  const last = scan.last(0, n);
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(last / width);
  let x0 = width;
  let x1 = -1;
  for (let y = y0; y <= y1; y++) {
    const row = y * width;
    const a = scan.first(row, row + x0); // only left of the box so far
    if (a >= 0) x0 = a - row;
    const b = scan.last(row + x1 + 1, row + width); // only right of it
    if (b >= 0) x1 = b - row;
  }
  return { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** First / last nonzero byte of a range, reading aligned 32-bit words where it can. */
class ByteScan {
  private readonly head: number;
  private readonly words: Uint32Array;

  constructor(private readonly bytes: Uint8Array) {
    this.head = Math.min(bytes.length, (4 - (bytes.byteOffset % 4)) % 4);
    this.words = new Uint32Array(bytes.buffer, bytes.byteOffset + this.head, (bytes.length - this.head) >> 2);
  }

  /** The first index in [a, b) holding a nonzero byte, or -1. */
  first(a: number, b: number): number {
    const m = this.bytes;
    let i = a;
    while (i < b && (i < this.head || (i - this.head) % 4 !== 0)) if (m[i++]) return i - 1;
    let w = (i - this.head) >> 2;
    while (i + 4 <= b && w < this.words.length && this.words[w] === 0) {
      w++;
      i += 4;
    }
    for (; i < b; i++) if (m[i]) return i;
    return -1;
  }

  /** The last index in [a, b) holding a nonzero byte, or -1. */
  last(a: number, b: number): number {
    const m = this.bytes;
    let i = b; // one past the next byte to read
    const end = this.head + 4 * this.words.length;
    while (i > a && (i > end || (i - this.head) % 4 !== 0)) if (m[--i]) return i;
    let w = ((i - this.head) >> 2) - 1;
    while (i - 4 >= a && i - 4 >= this.head && this.words[w] === 0) {
      w--;
      i -= 4;
    }
    while (i > a) if (m[--i]) return i;
    return -1;
  }
}
