// Image validation for uploads and RGB decoding for inference workers, with sharp (libvips).
//
// Order matters against decompression bombs: the header is read first (sharp's metadata() does not
// decode pixels) and the pixel count checked against maxPixels; only then is the image decoded,
// once, fully, with `limitInputPixels` as a second guard, so truncated or corrupt data is caught at
// upload and not in a worker later.
//
// EXIF orientation: JPEG (and WebP) files may carry an orientation tag; browsers display them
// rotated. Every size Tandem reports (task width/height, annotation coordinates, mask size) is in
// the DISPLAYED frame, i.e. after auto-orientation: an 4000x3000 photo tagged "rotate 90" is a
// 3000x4000 task. decodeRgb() returns pixels in that same frame.
import sharp from 'sharp';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';

export type ImageFormat = 'jpeg' | 'png' | 'webp';
export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';

export interface ImageInfo {
  /** Displayed width in pixels (after EXIF auto-orientation). */
  width: number;
  /** Displayed height in pixels (after EXIF auto-orientation). */
  height: number;
  format: ImageFormat;
  mime: ImageMime;
}

export interface ValidateImageOptions {
  /** Largest accepted file, bytes (config.limits.maxImageBytes). */
  maxBytes: number;
  /** Largest accepted width x height (config.limits.maxImagePixels). */
  maxPixels: number;
  /** The Content-Type the client declared, if any; it must be a supported type matching the bytes. */
  declaredMime?: string | null;
}

const MIME: Record<ImageFormat, ImageMime> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** Detects the format from magic bytes; null when it is none of the supported ones. */
export function sniffImageFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47
    && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  return null;
}

/**
 * Checks that `bytes` is a whole, decodable JPEG, PNG or WebP within the limits. Throws TandemError:
 * `payload_too_large` (file bytes), `unsupported_media_type` (another format, or a declared type that
 * is unsupported or does not match), `image_too_large` (pixel count, including decompression bombs),
 * `invalid_image` (corrupt or truncated data).
 */
export async function validateImage(bytes: Uint8Array, opts: ValidateImageOptions): Promise<ImageInfo> {
  if (bytes.byteLength === 0) throw new TandemError(ErrorCode.InvalidImage, 'the image is empty');
  if (bytes.byteLength > opts.maxBytes) {
    throw new TandemError(ErrorCode.PayloadTooLarge, `the image is ${bytes.byteLength} bytes; the limit is ${opts.maxBytes}`);
  }
  const format = sniffImageFormat(bytes);
  if (opts.declaredMime != null) {
    const declared = opts.declaredMime.split(';')[0].trim().toLowerCase();
    if (!Object.values(MIME).includes(declared as ImageMime)) {
      throw new TandemError(ErrorCode.UnsupportedMediaType, `unsupported type ${declared}; send image/jpeg, image/png or image/webp`);
    }
    if (format && MIME[format] !== declared) {
      throw new TandemError(ErrorCode.UnsupportedMediaType, `declared ${declared} but the bytes are ${MIME[format]}`);
    }
  }
  if (!format) throw new TandemError(ErrorCode.UnsupportedMediaType, 'not a JPEG, PNG or WebP image');
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  // 1. Header only: no pixel is decoded here, so a 30000x30000 bomb costs microseconds.
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new TandemError(ErrorCode.InvalidImage, `unreadable ${format} header`, { cause: e });
  }
  if (meta.format !== format) throw new TandemError(ErrorCode.InvalidImage, `the ${format} signature hides ${meta.format ?? 'unknown'} data`);
  const w = meta.width ?? 0;
  // For an animated WebP, height is one frame's; Tandem uses the first frame only.
  const h = meta.pageHeight ?? meta.height ?? 0;
  if (w <= 0 || h <= 0) throw new TandemError(ErrorCode.InvalidImage, 'the image has no size');
  if (w * h > opts.maxPixels) {
    throw new TandemError(ErrorCode.ImageTooLarge, `the image is ${w}x${h} pixels; the limit is ${opts.maxPixels} pixels`);
  }

  // 2. One full decode; stats() walks every pixel without materialising an output buffer.
  // failOn 'warning': libjpeg's "premature end of data" is only a warning, and it is a truncated file.
  try {
    await sharp(input, { limitInputPixels: opts.maxPixels, failOn: 'warning' }).stats();
  } catch (e) {
    if (/pixel limit/i.test(String((e as Error).message))) {
      throw new TandemError(ErrorCode.ImageTooLarge, `the image exceeds ${opts.maxPixels} pixels`, { cause: e });
    }
    throw new TandemError(ErrorCode.InvalidImage, `corrupt or truncated ${format} data`, { cause: e });
  }

  // 3. Displayed size: orientations 5-8 swap width and height.
  const swap = (meta.orientation ?? 1) >= 5;
  return { width: swap ? h : w, height: swap ? w : h, format, mime: MIME[format] };
}

/** Decoded pixels: 8-bit RGB, row-major, `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes to 8-bit sRGB in the displayed frame (EXIF auto-oriented, as validateImage reports it).
 * Alpha is flattened onto white (how a transparent image shows on the editor's page); grey, CMYK
 * and 16-bit inputs are converted; animated images give their first frame.
 */
export async function decodeRgb(bytes: Uint8Array, opts: { maxPixels?: number } = {}): Promise<RgbImage> {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const { data, info } = await sharp(input, { limitInputPixels: opts.maxPixels ?? true, failOn: 'warning' })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    if (/pixel limit/i.test(String((e as Error).message))) {
      throw new TandemError(ErrorCode.ImageTooLarge, 'the image exceeds the pixel limit', { cause: e });
    }
    throw new TandemError(ErrorCode.InvalidImage, 'the image cannot be decoded', { cause: e });
  }
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}
