// Camera maths for the editor. Two coordinate spaces:
//   ptImage  — image pixels, origin at the image's top-left corner, x right, y down.
//   ptScreen — CSS pixels of the canvas element, origin at its top-left corner.
// ptScreen = ptImage * scale + (x, y). `scale` is screen px per image px.

export interface Point {
  x: number;
  y: number;
}

/** The view transform. Immutable: every operation returns a new camera. */
export interface Camera {
  /** Screen position (CSS px) of the image origin. */
  x: number;
  y: number;
  /** CSS px per image px. */
  scale: number;
}

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 64;

export const identityCamera: Camera = { x: 0, y: 0, scale: 1 };

export function clampScale(s: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
}

export function screenToImage(cam: Camera, ptScreen: Point): Point {
  return { x: (ptScreen.x - cam.x) / cam.scale, y: (ptScreen.y - cam.y) / cam.scale };
}

export function imageToScreen(cam: Camera, ptImage: Point): Point {
  return { x: ptImage.x * cam.scale + cam.x, y: ptImage.y * cam.scale + cam.y };
}

/** Zooms by `factor` keeping the image point under `ptScreen` fixed (zoom to cursor). */
export function zoomAt(cam: Camera, ptScreen: Point, factor: number): Camera {
  const scale = clampScale(cam.scale * factor);
  const ptImage = screenToImage(cam, ptScreen);
  return { scale, x: ptScreen.x - ptImage.x * scale, y: ptScreen.y - ptImage.y * scale };
}

/** Wheel delta (CSS px, as WheelEvent.deltaY in pixel mode) to a zoom factor; 100 px ≈ ×1.2. */
export function wheelFactor(deltaY: number): number {
  return Math.pow(1.2, -deltaY / 100);
}

/** Moves the view by a screen-space delta (CSS px). */
export function pan(cam: Camera, dxScreen: number, dyScreen: number): Camera {
  return { ...cam, x: cam.x + dxScreen, y: cam.y + dyScreen };
}

/** The whole image centred in the view with `margin` CSS px on the tighter side. */
export function fit(imgW: number, imgH: number, viewW: number, viewH: number, margin = 16): Camera {
  const availW = Math.max(1, viewW - 2 * margin);
  const availH = Math.max(1, viewH - 2 * margin);
  const scale = clampScale(Math.min(availW / imgW, availH / imgH));
  return { scale, x: (viewW - imgW * scale) / 2, y: (viewH - imgH * scale) / 2 };
}

/** 1:1 (one image px per CSS px), keeping the image point at the view centre where it is. */
export function oneToOne(cam: Camera, viewW: number, viewH: number): Camera {
  return zoomAt(cam, { x: viewW / 2, y: viewH / 2 }, 1 / cam.scale);
}

/**
 * The camera that shows the same image region as someone else's view (follow mode). `view` is
 * the image-space rectangle they see; it is fitted into our own viewport without margin.
 */
export function showImageRect(
  rect: { x: number; y: number; w: number; h: number },
  viewW: number,
  viewH: number,
): Camera {
  const scale = clampScale(Math.min(viewW / Math.max(1, rect.w), viewH / Math.max(1, rect.h)));
  const cx = rect.x + rect.w / 2;
  const cy = rect.y + rect.h / 2;
  return { scale, x: viewW / 2 - cx * scale, y: viewH / 2 - cy * scale };
}

/**
 * The camera that frames an object's box (`[x, y, w, h]`, image px): the box with a quarter of its
 * size around it on each side, and at least 48 image px across, so a speck is not blown up to the
 * whole view and its surroundings stay in sight.
 */
export function focusBox(box: readonly [number, number, number, number], viewW: number, viewH: number): Camera {
  const [x, y, w, h] = box;
  const fw = Math.max(48, w * 1.5);
  const fh = Math.max(48, h * 1.5);
  return showImageRect({ x: x + w / 2 - fw / 2, y: y + h / 2 - fh / 2, w: fw, h: fh }, viewW, viewH);
}

/** The [x, y, w, h] box around all these boxes (empty ones left out), or null when none is left. */
export function unionBox(boxes: Iterable<readonly [number, number, number, number]>): [number, number, number, number] | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y, w, h] of boxes) {
    if (w <= 0 || h <= 0) continue;
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + w), Math.max(y1, y + h)];
  }
  return x1 > x0 ? [x0, y0, x1 - x0, y1 - y0] : null;
}

/** The image-space rectangle a camera shows in a viewport of viewW × viewH CSS px. */
export function visibleImageRect(cam: Camera, viewW: number, viewH: number): { x: number; y: number; w: number; h: number } {
  const tl = screenToImage(cam, { x: 0, y: 0 });
  return { x: tl.x, y: tl.y, w: viewW / cam.scale, h: viewH / cam.scale };
}
