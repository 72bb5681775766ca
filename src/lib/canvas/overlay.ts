// Drawing of what is not a mask: tool previews (own and collaborators') in image space, and in
// screen space the selection box, click markers, live cursors with names and soft-lock badges.
// Screen-space things keep a constant size whatever the zoom.
import type { Graphics } from 'pixi.js';
import type { Camera, Point } from '../editor/camera';
import { imageToScreen } from '../editor/camera';
import type { ToolPreview } from '../editor/tools';

/** A collaborator as the canvas needs it (plain data, from awareness). */
export interface CanvasPeer {
  clientId: number;
  name: string;
  color: string;
  cursor: [number, number] | null;
  /** Compact stroke preview (see lib/sync/presence.ts). */
  stroke: { k: 's' | 'b' | 'p'; p: number[]; r: number; pos: boolean } | null;
  editing: string | null;
}

const POSITIVE = 0x22c55e;
const NEGATIVE = 0xef4444;

/** Own tool preview, drawn into `g` in image px (`scale` = CSS px per image px). */
export function drawPreview(g: Graphics, p: ToolPreview | null, scale: number, brushColor: number): void {
  if (!p || p.kind === 'move') return;
  const hair = 1.5 / scale;
  if (p.kind === 'box' || p.kind === 'marquee') {
    const [x0, y0, x1, y1] = p.box;
    if (p.kind === 'marquee') g.rect(x0, y0, x1 - x0, y1 - y0).fill({ color: 0x38bdf8, alpha: 0.12 });
    g.rect(x0, y0, x1 - x0, y1 - y0).stroke({ width: hair, color: p.kind === 'marquee' ? 0x38bdf8 : 0xffffff, alpha: 0.9 });
    return;
  }
  if (p.kind === 'stroke') {
    const color = p.positive ? brushColor : NEGATIVE;
    strokePath(g, p.points, p.radius, color, 0.45);
    return;
  }
  if (p.points.length) {
    g.moveTo(p.points[0].x, p.points[0].y);
    for (const q of p.points.slice(1)) g.lineTo(q.x, q.y);
    if (p.cursor) g.lineTo(p.cursor.x, p.cursor.y);
    g.stroke({ width: hair * 1.5, color: 0xfacc15, alpha: 0.95 });
    for (const q of p.points) g.circle(q.x, q.y, 3 / scale).fill({ color: 0xfacc15 });
  }
}

function strokePath(g: Graphics, pts: Point[], radius: number, color: number, alpha: number): void {
  if (!pts.length) return;
  if (pts.length === 1) {
    g.circle(pts[0].x, pts[0].y, radius).fill({ color, alpha });
    return;
  }
  g.moveTo(pts[0].x, pts[0].y);
  for (const q of pts.slice(1)) g.lineTo(q.x, q.y);
  g.stroke({ width: 2 * radius, color, alpha, cap: 'round', join: 'round' });
}

/** A collaborator's in-progress stroke (image px), in their colour. */
export function drawPeerStroke(g: Graphics, peer: CanvasPeer, scale: number): void {
  const s = peer.stroke;
  if (!s) return;
  const color = cssToNumber(peer.color);
  if (s.k === 'b' && s.p.length === 4) {
    g.rect(s.p[0], s.p[1], s.p[2] - s.p[0], s.p[3] - s.p[1]).stroke({ width: 2 / scale, color, alpha: 0.9 });
    return;
  }
  const pts: Point[] = [];
  for (let i = 0; i + 1 < s.p.length; i += 2) pts.push({ x: s.p[i], y: s.p[i + 1] });
  if (s.k === 's') strokePath(g, pts, Math.max(s.r, 2 / scale), s.pos ? color : NEGATIVE, 0.35);
  else if (pts.length) {
    g.moveTo(pts[0].x, pts[0].y);
    for (const q of pts.slice(1)) g.lineTo(q.x, q.y);
    g.stroke({ width: 2 / scale, color, alpha: 0.9 });
  }
}

/** Click markers: green + for positive, red − for negative (screen px). */
export function drawClickMarkers(g: Graphics, cam: Camera, clicks: Array<{ x: number; y: number; positive: boolean }>): void {
  for (const c of clicks) {
    const s = imageToScreen(cam, { x: c.x + 0.5, y: c.y + 0.5 });
    const color = c.positive ? POSITIVE : NEGATIVE;
    g.circle(s.x, s.y, 7).fill({ color }).stroke({ width: 1.5, color: 0xffffff });
    g.moveTo(s.x - 4, s.y).lineTo(s.x + 4, s.y);
    if (c.positive) g.moveTo(s.x, s.y - 4).lineTo(s.x, s.y + 4);
    g.stroke({ width: 2, color: 0xffffff });
  }
}

/** Selection box around the selected object's bounding box ([x, y, w, h] image px). */
export function drawSelection(g: Graphics, cam: Camera, bbox: [number, number, number, number]): void {
  const a = imageToScreen(cam, { x: bbox[0], y: bbox[1] });
  const b = imageToScreen(cam, { x: bbox[0] + bbox[2], y: bbox[1] + bbox[3] });
  g.rect(a.x - 2, a.y - 2, b.x - a.x + 4, b.y - a.y + 4).stroke({ width: 3, color: 0x000000, alpha: 0.5 });
  g.rect(a.x - 2, a.y - 2, b.x - a.x + 4, b.y - a.y + 4).stroke({ width: 1.5, color: 0xffffff });
}

/** A live cursor arrow at a screen point. */
export function drawCursor(g: Graphics, at: Point, color: string): void {
  const c = cssToNumber(color);
  g.moveTo(at.x, at.y).lineTo(at.x, at.y + 16).lineTo(at.x + 4.5, at.y + 12).lineTo(at.x + 11, at.y + 11).closePath();
  g.fill({ color: c }).stroke({ width: 1.2, color: 0xffffff });
}

const probe = new Map<string, number>();
/** CSS colour (#rrggbb or hsl(h s% l%)) → 0xRRGGBB. */
export function cssToNumber(css: string): number {
  const cached = probe.get(css);
  if (cached !== undefined) return cached;
  let out = 0x9ca3af;
  const hex = /^#([0-9a-f]{6})$/i.exec(css);
  const hsl = /^hsl\((\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)%\s+(\d+(?:\.\d+)?)%\)$/i.exec(css);
  if (hex) out = parseInt(hex[1], 16);
  else if (hsl) {
    const h = Number(hsl[1]) / 360;
    const s = Number(hsl[2]) / 100;
    const l = Number(hsl[3]) / 100;
    const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
    const p = 2 * l - q;
    const ch = (t: number) => {
      t = (t + 1) % 1;
      const v = t < 1 / 6 ? p + (q - p) * 6 * t : t < 1 / 2 ? q : t < 2 / 3 ? p + (q - p) * (2 / 3 - t) * 6 : p;
      return Math.round(v * 255);
    };
    out = (ch(h + 1 / 3) << 16) | (ch(h) << 8) | ch(h - 1 / 3);
  }
  probe.set(css, out);
  return out;
}

/** Black text on light colours (all of the presence palette), white on dark ones: whichever contrasts more (relative luminance). */
export function textOn(color: number): number {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin((color >> 16) & 255) + 0.7152 * lin((color >> 8) & 255) + 0.0722 * lin(color & 255);
  // Contrast against black (l + 0.05) / 0.05 beats white's 1.05 / (l + 0.05) above l ≈ 0.18.
  return l > 0.18 ? 0x000000 : 0xffffff;
}
