// Upload validation against the images users (and attackers) actually send; every bad image is
// made here, byte by byte where sharp would refuse to write it.
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeRgb, sniffImageFormat, validateImage } from './validateImage';

const limits = { maxBytes: 10 * 1024 * 1024, maxPixels: 64_000_000 };

/** A noisy RGB image, so JPEG data is long enough that truncation loses real scan data. */
async function noisy(width: number, height: number, format: 'jpeg' | 'png' | 'webp'): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let s = 12345;
  for (let i = 0; i < raw.length; i++) raw[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A syntactically valid PNG: 1-bit greyscale, all zero, `width x height` (or the given IDAT). */
async function pngOfZeros(width: number, height: number, idat?: Buffer): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte + packed pixels
  // Deflated row by row so the test never holds the whole inflated image.
  let data = idat;
  if (!data) {
    const parts: Buffer[] = [];
    const rows = Readable.from((function* () { const row = Buffer.alloc(rowBytes); for (let y = 0; y < height; y++) yield row; })());
    for await (const part of rows.pipe(zlib.createDeflate({ level: 9 }))) parts.push(part as Buffer);
    data = Buffer.concat(parts);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', data), chunk('IEND', Buffer.alloc(0))]);
}

describe('validateImage', () => {
  it('accepts JPEG, PNG and WebP and reports their size and type', async () => {
    expect(await validateImage(await noisy(64, 48, 'jpeg'), limits)).toEqual({ width: 64, height: 48, format: 'jpeg', mime: 'image/jpeg' });
    expect(await validateImage(await noisy(33, 17, 'png'), limits)).toEqual({ width: 33, height: 17, format: 'png', mime: 'image/png' });
    expect(await validateImage(await noisy(50, 20, 'webp'), { ...limits, declaredMime: 'image/webp' }))
      .toEqual({ width: 50, height: 20, format: 'webp', mime: 'image/webp' });
  });

  it('rejects a truncated JPEG as invalid_image', async () => {
    const jpeg = await noisy(256, 256, 'jpeg');
    await expect(validateImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)), limits)).rejects.toMatchObject({ code: 'invalid_image' });
  });

  it('rejects random bytes behind a PNG signature as invalid_image', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 0xff;
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
    await expect(validateImage(bytes, limits)).rejects.toMatchObject({ code: 'invalid_image' });
  });

  it('rejects a PNG whose pixel data is cut short as invalid_image', async () => {
    expect((await validateImage(await pngOfZeros(300, 300), limits)).width).toBe(300);
    const idat = zlib.deflateSync(Buffer.alloc(10 * (1 + Math.ceil(300 / 8)))); // 10 rows of 300
    await expect(validateImage(await pngOfZeros(300, 300, idat), limits)).rejects.toMatchObject({ code: 'invalid_image' });
  });

  it('rejects a decompression bomb (30000x30000 PNG, ~110 KB) as image_too_large without decoding it', async () => {
    const bomb = await pngOfZeros(30000, 30000);
    expect(bomb.length).toBeLessThan(200_000);
    const rss = process.memoryUsage().rss;
    await expect(validateImage(bomb, limits)).rejects.toMatchObject({ code: 'image_too_large' });
    // 900 M pixels decoded would take hundreds of MB; reading the header takes nothing.
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
  });

  it('rejects huge dimensions in the header (PNG and JPEG) as image_too_large', async () => {
    await expect(validateImage(await pngOfZeros(100_000, 100_000, zlib.deflateSync(Buffer.alloc(16))), limits))
      .rejects.toMatchObject({ code: 'image_too_large' });
    // Patch a real JPEG's SOF0 frame header to claim 60000x60000.
    const jpeg = Buffer.from(await noisy(16, 16, 'jpeg'));
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    jpeg.writeUInt16BE(60000, sof + 5);
    jpeg.writeUInt16BE(60000, sof + 7);
    await expect(validateImage(jpeg, limits)).rejects.toMatchObject({ code: 'image_too_large' });
  });

  it('applies the configured pixel and byte limits', async () => {
    const png = await noisy(100, 100, 'png');
    await expect(validateImage(png, { ...limits, maxPixels: 9_999 })).rejects.toMatchObject({ code: 'image_too_large' });
    expect((await validateImage(png, { ...limits, maxPixels: 10_000 })).width).toBe(100);
    await expect(validateImage(png, { ...limits, maxBytes: png.length - 1 })).rejects.toMatchObject({ code: 'payload_too_large' });
  });

  it('rejects other formats and mismatched declared types as unsupported_media_type', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).gif().toBuffer();
    await expect(validateImage(gif, limits)).rejects.toMatchObject({ code: 'unsupported_media_type' });
    await expect(validateImage(Buffer.from('%PDF-1.7 not an image'), limits)).rejects.toMatchObject({ code: 'unsupported_media_type' });
    const png = await noisy(8, 8, 'png');
    await expect(validateImage(png, { ...limits, declaredMime: 'image/jpeg' })).rejects.toMatchObject({ code: 'unsupported_media_type' });
    await expect(validateImage(png, { ...limits, declaredMime: 'image/gif' })).rejects.toMatchObject({ code: 'unsupported_media_type' });
    expect((await validateImage(png, { ...limits, declaredMime: 'image/png; charset=binary' })).format).toBe('png');
    await expect(validateImage(new Uint8Array(0), limits)).rejects.toMatchObject({ code: 'invalid_image' });
  });

  it('reports an EXIF-rotated JPEG in its displayed orientation, and decodeRgb gives that frame', async () => {
    // Stored 40x20: left half red, right half blue; orientation 6 = display rotated 90° clockwise,
    // so the displayed image is 20x40 with red on top.
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    expect(await validateImage(jpeg, limits)).toMatchObject({ width: 20, height: 40 });
    const rgb = await decodeRgb(jpeg);
    expect([rgb.width, rgb.height, rgb.data.length]).toEqual([20, 40, 20 * 40 * 3]);
    const px = (x: number, y: number) => Array.from(rgb.data.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3));
    expect(px(10, 5)[0]).toBeGreaterThan(200); // red on top
    expect(px(10, 5)[2]).toBeLessThan(60);
    expect(px(10, 34)[2]).toBeGreaterThan(200); // blue below
    expect(px(10, 34)[0]).toBeLessThan(60);
  });
});

describe('decodeRgb', () => {
  it('gives 3-channel 8-bit RGB for grey, 16-bit and transparent images', async () => {
    const grey = await sharp({ create: { width: 5, height: 3, channels: 3, background: '#808080' } }).greyscale().png().toBuffer();
    const g = await decodeRgb(grey);
    expect([g.width, g.height, g.data.length]).toEqual([5, 3, 45]);
    expect(Array.from(g.data.subarray(0, 3))).toEqual([128, 128, 128]);

    const deep = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff8000' } }).png().toColourspace('rgb16').toBuffer();
    expect(Array.from((await decodeRgb(deep)).data.subarray(0, 3))).toEqual([255, 128, 0]);

    const clear = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    expect(Array.from((await decodeRgb(clear)).data.subarray(0, 3))).toEqual([255, 255, 255]); // onto white
  });

  it('refuses corrupt data and images over the pixel limit', async () => {
    const jpeg = await noisy(128, 128, 'jpeg');
    await expect(decodeRgb(jpeg.subarray(0, jpeg.length >> 1))).rejects.toMatchObject({ code: 'invalid_image' });
    await expect(decodeRgb(jpeg, { maxPixels: 100 })).rejects.toMatchObject({ code: 'image_too_large' });
  });
});

describe('sniffImageFormat', () => {
  it('knows the three signatures and nothing else', () => {
    expect(sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
    expect(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
    expect(sniffImageFormat(Buffer.from('GIF89a'))).toBeNull();
  });
});
