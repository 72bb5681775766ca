// Checks of a `segment` payload that need the task: the shape is zod's job (SegmentRequestSchema),
// these give the protocol's specific codes. Pixel bounds: a click at x means pixel floor(x), so
// 0 <= x < width; a box is [x0, y0, x1, y1] with 0 <= x0 < x1 <= width (pixel corners).
import { isValidRle } from '../../../shared/codecs/rle';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { MAX_CLICKS, SegmentRequestSchema, type SegmentRequest } from '../../../shared/protocol/inference';

/** Parses the payload shape; throws TandemError `validation_failed` naming the first problem. */
export function parseSegmentRequest(payload: unknown): SegmentRequest {
  const r = SegmentRequestSchema.safeParse(payload);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TandemError(ErrorCode.ValidationFailed, `${i?.path.join('.') || 'payload'}: ${i?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** Checks the request against the image size; throws the matching TandemError. */
export function checkAgainstImage(req: SegmentRequest, width: number, height: number): void {
  if (req.clicks.length > MAX_CLICKS) throw new TandemError(ErrorCode.TooManyClicks, `at most ${MAX_CLICKS} clicks per request, got ${req.clicks.length}`);
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height;
  req.clicks.forEach((c, i) => {
    if (!inside(c.x, c.y)) throw new TandemError(ErrorCode.ClickOutsideImage, `click ${i} at (${c.x}, ${c.y}) is outside the ${width}x${height} image`);
  });
  for (const [k, s] of (req.scribbles ?? []).entries()) {
    for (const [x, y] of s.points) {
      if (!inside(x, y)) throw new TandemError(ErrorCode.ClickOutsideImage, `scribble ${k} has a point (${x}, ${y}) outside the ${width}x${height} image`);
    }
  }
  if (req.box) {
    const [x0, y0, x1, y1] = req.box;
    if (!(x0 >= 0 && y0 >= 0 && x1 <= width && y1 <= height && x0 < x1 && y0 < y1)) {
      throw new TandemError(ErrorCode.ValidationFailed, `box [${req.box.join(', ')}] must satisfy 0 <= x0 < x1 <= ${width} and 0 <= y0 < y1 <= ${height}`);
    }
  }
  if (req.prevMask) {
    const [h, w] = req.prevMask.size;
    if (h !== height || w !== width) throw new TandemError(ErrorCode.ValidationFailed, `prevMask is ${w}x${h}, the image is ${width}x${height}`);
    if (!isValidRle(req.prevMask)) throw new TandemError(ErrorCode.ValidationFailed, 'prevMask is not a valid COCO RLE');
  }
  const prompts = req.clicks.length + (req.box ? 1 : 0) + (req.scribbles?.length ?? 0);
  if (prompts === 0) throw new TandemError(ErrorCode.ValidationFailed, 'give at least one click, a box or a scribble');
}
