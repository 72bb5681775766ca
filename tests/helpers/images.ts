// Tiny fixture images made with sharp at test time (no binary fixtures in the repository).
import zlib from 'node:zlib';
import sharp from 'sharp';

export type FixtureFormat = 'png' | 'jpeg' | 'webp';

/** A w×h image with a horizontal gradient and a bright square in the middle (something to segment). */
export async function makeImage(width = 64, height = 48, format: FixtureFormat = 'png'): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inside = x > width / 4 && x < (3 * width) / 4 && y > height / 4 && y < (3 * height) / 4;
      data[i] = inside ? 250 : Math.round((x / width) * 120);
      data[i + 1] = inside ? 240 : 40;
      data[i + 2] = inside ? 60 : Math.round((y / height) * 120);
    }
  }
  const img = sharp(data, { raw: { width, height, channels: 3 } });
  if (format === 'png') return img.png().toBuffer();
  if (format === 'jpeg') return img.jpeg({ quality: 90 }).toBuffer();
  return img.webp({ quality: 90 }).toBuffer();
}

/**
 * A real decompression bomb: a valid 1-bit greyscale PNG of `width`×`height` zeros, whose deflate
 * stream is ~1000x smaller than its pixels (20000×20000 → about 50 KB on disk, 400 M pixels).
 * Built by hand with zlib because encoders refuse to allocate such an image first.
 */
export function makePngBomb(width = 20_000, height = 20_000): Buffer {
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte + packed bits
  const idat = zlib.deflateSync(Buffer.alloc(rowBytes * height), { level: 9 });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** CRC-32 (IEEE) as PNG chunks use it. */
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The first `keep` fraction of a valid JPEG: a truncated upload. */
export async function makeTruncatedJpeg(keep = 0.5): Promise<Buffer> {
  const full = await makeImage(128, 96, 'jpeg');
  return full.subarray(0, Math.floor(full.length * keep));
}

/** Random bytes behind a valid PNG signature. */
export function makeCorruptPng(bytes = 2048): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 2654435761) >>> 24;
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  return b;
}

/** The bright disc of syntheticPng(width, height): centre and radius in image px. */
export function syntheticDisc(width: number, height: number): { cx: number; cy: number; r: number } {
  return { cx: width * 0.55, cy: height * 0.5, r: Math.min(width, height) * 0.25 };
}

/** A textured image with a bright disc (syntheticDisc), as PNG bytes. */
export async function syntheticPng(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  const { cx, cy, r } = syntheticDisc(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = 3 * (y * width + x);
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      const n = ((x * 7919 + y * 104729) % 23) - 11;
      data[p] = inside ? 220 + (n >> 1) : 60 + n;
      data[p + 1] = inside ? 80 + n : 120 + n;
      data[p + 2] = inside ? 60 : 90 + n;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
