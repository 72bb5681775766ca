// Label Studio's brush RLE: @thi.ng/rle-pack's binary format (a header, then records that repeat
// one value or list values) over the image's RGBA, where the alpha says the object (at least 128;
// an export writes 255 in every channel, as label-studio-converter does). Written and read here
// from and into a mask directly, in the format's terms, because rle-pack's own encoder and decoder
// go through the whole RGBA value by value: 96 M values for a 24 MP photo, 0.8 s a mask out and
// ~0.3 s in on the server's thread, and its decoder allocates whatever size a file's header
// claims before anything can check it. Every pixel of a mask is 4 equal bytes, so each run is one
// repeat record (several past 65,536 values); the reader takes any record, a pixel being the
// alpha value's. Checked against rle-pack itself (lsBrush.test.ts).
import { BitInputStream, BitOutputStream } from '@thi.ng/bitstream';
import { decodeRle, type Rle } from './rle';

/** rle-pack's default count fields, in bits (a record says which one it uses). */
const COUNT_BITS = [3, 4, 8, 16];
const MAX_REPEAT = 1 << COUNT_BITS[3];

/** The brush RLE of `mask`, its bytes as numbers (as Label Studio's JSON holds them). */
export function encodeLsBrush(mask: Rle): number[] {
  const { width, height, data } = decodeRle(mask);
  const out = new BitOutputStream(1024);
  out.write(width * height * 4, 32).write(8 - 1, 5);
  for (const bits of COUNT_BITS) out.write(bits - 1, 4);
  const repeat = (value: number, values: number) => {
    for (let left = values; left > 0; left -= MAX_REPEAT) {
      const n = Math.min(left, MAX_REPEAT) - 1;
      const group = n < 1 << COUNT_BITS[0] ? 0 : n < 1 << COUNT_BITS[1] ? 1 : n < 1 << COUNT_BITS[2] ? 2 : 3;
      out.writeBit(1).write(group, 2).write(n, COUNT_BITS[group]).write(value, 8);
    }
  };
  let start = 0;
  for (let i = 1; i <= data.length; i++) {
    if (i < data.length && data[i] === data[start]) continue;
    repeat(data[start] ? 255 : 0, 4 * (i - start));
    start = i;
  }
  return Array.from(out.bytes());
}

/**
 * The row-major 0/1 mask (`mask[y * width + x]`) of a brush RLE of a `width` x `height` image.
 * Throws an Error saying why when the bytes are not one (the caller words it for its file).
 */
export function decodeLsBrush(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const input = new BitInputStream(bytes);
  const num = input.read(32);
  if (num !== width * height * 4) throw new Error(`its brush holds ${num / 4} pixels, the image ${width * height}`);
  const wordSize = input.read(5) + 1;
  if (wordSize !== 8) throw new Error(`its brush has ${wordSize}-bit values, not RGBA bytes`);
  const countBits = [0, 0, 0, 0].map(() => input.read(4) + 1);
  const pixels = width * height;
  const mask = new Uint8Array(pixels);
  for (let i = 0; i < num; ) {
    const repeats = input.readBit();
    const end = i + 1 + input.read(countBits[input.read(2)]);
    if (repeats) {
      // The pixels whose alpha (value 4p + 3) lies in [i, end).
      if (input.read(8) >= 128) mask.fill(1, Math.max(0, Math.ceil((i - 3) / 4)), Math.min(pixels, Math.floor(end / 4)));
      i = end;
    } else {
      for (; i < end; i++) {
        const v = input.read(8);
        if ((i & 3) === 3 && v >= 128 && i < num) mask[i >> 2] = 1;
      }
    }
  }
  return mask;
}
