// Mask views: one Container per object holding its texture, built from the RLE cropped to its
// bounding box and rebuilt only when what it shows changes (mask string, colour, opacity,
// outline). A box wider or taller than the GPU's texture limit (a large object on a 24-64 MP
// photo) is drawn as tiles. Old textures are destroyed explicitly so GPU memory follows the
// document.
import { BufferImageSource, Container, Sprite, Texture } from 'pixi.js';
import type { Rle } from '../../../shared/codecs/rle';
import { maskPixels, tiles, type MaskPixels, type MaskStyle } from './maskPixels';

export interface MaskViewInput {
  mask: Rle | null;
  color: number;
  hidden: boolean;
  /** Stacking order: larger is drawn on top. */
  order: number;
}

interface View {
  node: Container;
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
        view.node.visible = !input.hidden;
        view.node.zIndex = input.order;
        continue;
      }
      const px = maskPixels(input.mask, { color: input.color, fill: this.fill, outline: this.outline } satisfies MaskStyle);
      if (view) this.remove(id, view);
      if (!px) continue;
      const node = new Container({ x: px.x, y: px.y, label: id });
      for (const t of tiles(px)) node.addChild(tileSprite(t, px));
      node.visible = !input.hidden;
      node.zIndex = input.order;
      this.container.addChild(node);
      this.views.set(id, { node, key, x: px.x, y: px.y });
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

  /** The selected objects at full strength, the others dimmed while anything is selected. */
  highlight(selected: readonly string[]): void {
    const chosen = new Set(selected); // a crowd selected with Ctrl+A: no scan per view
    for (const [id, v] of this.views) v.node.alpha = chosen.size && !chosen.has(id) ? 0.7 : 1;
  }

  /** Shifts one view temporarily (move tool preview), in image px. */
  offset(id: string | null, dx: number, dy: number): void {
    const v = id ? this.views.get(id) : null;
    if (v) v.node.position.set(v.x + dx, v.y + dy);
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
    this.container.removeChild(view.node);
    for (const child of view.node.children) (child as Sprite).texture.destroy(true);
    view.node.destroy({ children: true });
    this.views.delete(id);
  }

  destroy(): void {
    for (const [id, v] of [...this.views]) this.remove(id, v);
    this.container.destroy();
  }
}

/** One tile's texture as a sprite placed within its object's container (at the crop's origin). */
function tileSprite(t: MaskPixels, crop: MaskPixels): Sprite {
  const source = new BufferImageSource({
    resource: t.rgba,
    width: t.width,
    height: t.height,
    format: 'rgba8unorm',
    alphaMode: 'premultiplied-alpha',
    scaleMode: 'nearest',
  });
  return new Sprite({ texture: new Texture({ source }), x: t.x - crop.x, y: t.y - crop.y });
}
