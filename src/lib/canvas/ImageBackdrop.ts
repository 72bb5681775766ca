// The task image, drawn by the browser as an <img> under the Pixi canvas and moved with a CSS
// transform, instead of as a sprite in WebGL. Why: with software WebGL (no GPU, as in headless
// Chromium or many VMs) every covered pixel of every layer costs ~35 ns, and the image covers the
// whole view, so it alone took ~20 ms of each pan/zoom frame; the compositor draws a transformed
// image far cheaper, and on a GPU it costs about nothing either way. The canvas stays transparent
// over it, so layer order (image, masks, vectors, overlay, presence) is unchanged.
import type { Camera } from '../editor/camera';

/** How the image is shown (not the masks): factors where 1 leaves it as it is. */
export interface ImageAdjust {
  brightness: number;
  contrast: number;
  saturation: number;
}

export const NEUTRAL_ADJUST: Readonly<ImageAdjust> = { brightness: 1, contrast: 1, saturation: 1 };

export class ImageBackdrop {
  readonly img: HTMLImageElement;
  private destroyed = false;

  constructor(private host: HTMLElement, canvas: HTMLCanvasElement) {
    const img = document.createElement('img');
    img.alt = '';
    img.draggable = false;
    img.decoding = 'async';
    img.dataset.testid = 'task-image';
    // Positioned, so the canvas must be too to stay above it (same z-index: DOM order decides).
    Object.assign(img.style, { position: 'absolute', left: '0', top: '0', transformOrigin: '0 0', pointerEvents: 'none', userSelect: 'none', maxWidth: 'none', display: 'none' });
    canvas.style.position = 'relative';
    host.insertBefore(img, host.firstChild);
    this.img = img;
  }

  /** Resolves true once the image is decoded and shown; false if it failed to load. */
  async load(url: string, width: number, height: number): Promise<boolean> {
    this.img.crossOrigin = 'anonymous';
    this.img.src = url;
    try {
      await this.img.decode();
    } catch {
      return false;
    }
    if (this.destroyed) return false;
    // Stretched to the document's size, as the sprite was, whatever the file's own size.
    Object.assign(this.img.style, { width: `${width}px`, height: `${height}px`, display: 'block' });
    return true;
  }

  /** Brightness, contrast and saturation (1 = as the file is), by the compositor: no repaint of the canvas. */
  setAdjust(a: ImageAdjust): void {
    const f = a.brightness === 1 && a.contrast === 1 && a.saturation === 1 ? '' : `brightness(${a.brightness}) contrast(${a.contrast}) saturate(${a.saturation})`;
    this.img.style.filter = f;
  }

  setCamera(cam: Camera): void {
    this.img.style.transform = `translate(${cam.x}px, ${cam.y}px) scale(${cam.scale})`;
    // Pixel-exact editing when zoomed in; smooth image when zoomed out.
    this.img.style.imageRendering = cam.scale >= 2 ? 'pixelated' : 'auto';
  }

  destroy(): void {
    this.destroyed = true;
    this.img.remove();
    this.img.removeAttribute('src');
  }
}
