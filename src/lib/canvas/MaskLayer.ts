// Mask views: one Sprite per object with at most one texture, built from the RLE cropped to its
// bounding box and rebuilt only when what it shows changes (mask string, colour, opacity,
// outline). Old textures are destroyed explicitly so GPU memory follows the document.
import { BufferImageSource, Container, Sprite, Texture } from 'pixi.js';
import type { Rle } from '../../../shared/codecs/rle';
import { maskPixels, type MaskStyle } from './maskPixels';

export interface MaskViewInput {
  mask: Rle | null;
  color: number;
  hidden: boolean;
  /** Stacking order: larger is drawn on top. */
  order: number;
}

interface View {
  sprite: Sprite;
  key: string;
  /** Where the crop sits, image px. */
  x: number;
  y: number;
}

export class MaskLayer {
  readonly container = new Container({ label: 'masks', sortableChildren: true });
  private views = new Map<string, View>();
  fill = 0.45;
  outline = 1;
  /** Objects rebuilt since the last call to takeRebuilt() (for tests and benchmarks). */
  private rebuilt: Array<{ id: string; counts: string }> = [];

  /** Reconciles the views of `ids`; `read` returns null for objects that no longer exist. */
  sync(ids: Iterable<string>, read: (id: string) => MaskViewInput | null): void {
    for (const id of ids) {
      const input = read(id);
      const view = this.views.get(id);
      if (!input || !input.mask) {
        if (view) this.remove(id, view);
        continue;
      }
      const key = `${input.mask.size[0]}x${input.mask.size[1]}|${input.color}|${this.fill}|${this.outline}|${input.mask.counts}`;
      if (view && view.key === key) {
        view.sprite.visible = !input.hidden;
        view.sprite.zIndex = input.order;
        continue;
      }
      const px = maskPixels(input.mask, { color: input.color, fill: this.fill, outline: this.outline } satisfies MaskStyle);
      if (view) this.remove(id, view);
      if (!px) continue;
      const source = new BufferImageSource({
        resource: px.rgba,
        width: px.width,
        height: px.height,
        format: 'rgba8unorm',
        alphaMode: 'premultiplied-alpha',
        scaleMode: 'nearest',
      });
      const sprite = new Sprite({ texture: new Texture({ source }), x: px.x, y: px.y, label: id });
      sprite.visible = !input.hidden;
      sprite.zIndex = input.order;
      this.container.addChild(sprite);
      this.views.set(id, { sprite, key, x: px.x, y: px.y });
      this.rebuilt.push({ id, counts: input.mask.counts });
    }
  }

  /** Changes opacity/outline for every mask (each texture is rebuilt once). */
  restyle(fill: number, outline: number, allIds: Iterable<string>, read: (id: string) => MaskViewInput | null): void {
    if (fill === this.fill && outline === this.outline) return;
    this.fill = fill;
    this.outline = outline;
    this.sync(allIds, read);
  }

  /** Emphasises the selected object: the others fade a little. */
  highlight(selected: string | null): void {
    for (const [id, v] of this.views) v.sprite.alpha = selected && id !== selected ? 0.7 : 1;
  }

  /** Shifts one view temporarily (move tool preview), in image px. */
  offset(id: string | null, dx: number, dy: number): void {
    const v = id ? this.views.get(id) : null;
    if (v) v.sprite.position.set(v.x + dx, v.y + dy);
  }

  spriteOf(id: string): Sprite | null {
    return this.views.get(id)?.sprite ?? null;
  }

  get size(): number {
    return this.views.size;
  }

  takeRebuilt(): Array<{ id: string; counts: string }> {
    const out = this.rebuilt;
    this.rebuilt = [];
    return out;
  }

  private remove(id: string, view: View): void {
    this.container.removeChild(view.sprite);
    view.sprite.texture.destroy(true);
    view.sprite.destroy();
    this.views.delete(id);
  }

  destroy(): void {
    for (const [id, v] of [...this.views]) this.remove(id, v);
    this.container.destroy();
  }
}
