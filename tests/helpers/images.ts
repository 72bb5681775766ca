// Tiny fixture images made with sharp at test time (no binary fixtures in the repository).
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

/** A PNG whose header says `width`×`height` but which compresses to a few KB: a decompression bomb. */
export async function makePngBomb(width = 20_000, height = 20_000): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } }, limitInputPixels: false }).png({ compressionLevel: 9 }).toBuffer();
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
