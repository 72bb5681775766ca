// Collaborators' names on the canvas (next to their cursors, above the object they are editing),
// in screen px. Each is a pill in the person's colour with black or white text, whichever reads
// better on it: plain coloured text vanished on a mask of a similar colour (an orange "Ana" on a
// light-green mask in the collaboration e2e screenshot).
import { Container, Graphics, Text } from 'pixi.js';
import { cssToNumber, textOn } from './overlay';

const PAD_X = 4;
const PAD_Y = 1;

interface Tag {
  root: Container;
  bg: Graphics;
  label: Text;
  color: string;
}

/** Pool of name tags so a moving cursor does not allocate a Text every frame. */
export class NameTags {
  readonly container = new Container({ label: 'presence-names' });
  private tags = new Map<string, Tag>();
  private used = new Set<string>();

  begin(): void {
    this.used.clear();
  }

  put(key: string, text: string, color: string, x: number, y: number): void {
    let t = this.tags.get(key);
    if (!t) {
      const root = new Container();
      const bg = new Graphics();
      const label = new Text({ text, style: { fontFamily: 'system-ui, sans-serif', fontSize: 12, fontWeight: '600' } });
      label.position.set(PAD_X, PAD_Y);
      root.addChild(bg, label);
      t = { root, bg, label, color: '' };
      this.tags.set(key, t);
      this.container.addChild(root);
    }
    if (t.label.text !== text || t.color !== color) {
      const fill = cssToNumber(color);
      t.label.text = text;
      t.label.style.fill = textOn(fill);
      t.bg.clear().roundRect(0, 0, t.label.width + 2 * PAD_X, t.label.height + 2 * PAD_Y, 4).fill({ color: fill, alpha: 0.92 }).stroke({ width: 1, color: 0x000000, alpha: 0.5 });
      t.color = color;
    }
    t.root.position.set(Math.round(x), Math.round(y));
    t.root.visible = true;
    this.used.add(key);
  }

  /** The tags shown since `begin`, as screen boxes. */
  boxes(): Array<{ text: string; x: number; y: number; width: number; height: number }> {
    return [...this.used].map((key) => {
      const t = this.tags.get(key)!;
      return { text: t.label.text, x: t.root.x, y: t.root.y, width: t.root.width, height: t.root.height };
    });
  }

  end(): void {
    for (const [key, t] of this.tags) {
      if (this.used.has(key)) continue;
      this.container.removeChild(t.root);
      t.root.destroy({ children: true });
      this.tags.delete(key);
    }
  }

  destroy(): void {
    for (const t of this.tags.values()) t.root.destroy({ children: true });
    this.tags.clear();
    this.container.destroy();
  }
}
