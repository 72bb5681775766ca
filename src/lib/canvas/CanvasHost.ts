// The one Pixi canvas of the editor, mounted and destroyed by one component. Layers bottom to
// top: image (an <img> under the canvas, see ImageBackdrop), masks, vectors (tool previews in image px), overlay (selection, click markers; in
// screen px) and presence (cursors, names, soft-lock badges; screen px). Mask views are
// reconciled once per frame from the ids Yjs reported as changed. The canvas reads the document
// but never writes it: input goes to the EditorSession's tools.
import { Application, Container, Graphics } from 'pixi.js';
import { rleBbox } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';
import { fit, focusBox, oneToOne, pan, screenToImage, unionBox, visibleImageRect, wheelFactor, zoomAt, type Camera, type Point } from '../editor/camera';
import type { EditorSession } from '../editor/EditorSession';
import type { ToolPointer } from '../editor/tools';
import { ImageBackdrop, type ImageAdjust } from './ImageBackdrop';
import { CompareLayer } from './CompareLayer';
import { MaskLayer, type MaskViewInput } from './MaskLayer';
import { parseColor } from './maskPixels';
import { isTyping } from '../keys';
import { NameTags } from './nameTags';
import { cssToNumber, drawClickMarkers, drawCursor, drawPeerStroke, drawPreview, drawSelection, type CanvasPeer } from './overlay';

export interface CanvasHostOptions {
  imageUrl: string;
  /** Label name → CSS colour (#rrggbb). */
  colorOf: (label: string) => string;
  /** Collaborators now (read on every presence redraw). */
  peers: () => CanvasPeer[];
  onCursor?: (ptImage: Point | null) => void;
  /** The camera changed; `byUser` is false for programmatic moves (fit, follow). */
  onCamera?: (cam: Camera, view: { x: number; y: number; w: number; h: number }, byUser: boolean) => void;
}

/** Two presses within this time (ms) and distance (CSS px) make a double click. */
const DOUBLE_CLICK_MS = 350;
const DOUBLE_CLICK_PX = 6;
/** Screen px between stacked name tags (a pill: 12 px text, ~17 px tall). */
const TAG_STEP = 20;

export class CanvasHost {
  readonly app = new Application();
  private world = new Container({ label: 'world' });
  readonly masks = new MaskLayer();
  /** A mask against an earlier version of it (HistoryPanel's Compare). */
  readonly compare = new CompareLayer(() => this.requestRender());
  private vectors = new Graphics({ label: 'vectors' });
  private overlay = new Graphics({ label: 'overlay' });
  private presence = new Graphics({ label: 'presence' });
  private names = new NameTags();
  private backdrop: ImageBackdrop | null = null;
  private cam: Camera = { x: 0, y: 0, scale: 1 };
  private dirty = new Set<string>();
  private overlayDirty = true;
  private unsubs: Array<() => void> = [];
  private panning: { last: Point } | null = null;
  private spaceHeld = false;
  private lastDown = { t: 0, x: 0, y: 0 };
  /** The objects a move preview shifted on screen (put back when it ends). */
  private movedIds: readonly string[] = [];
  private destroyed = false;
  private rafId: number | null = null;
  private lastFrameAt: number | null = null;
  /** Frame times (ms) of the last frames, for the benchmark. */
  readonly frameTimes: number[] = [];
  /** When each object's mask was last drawn (performance.now()), with the mask string drawn. */
  readonly drawnAt = new Map<string, { counts: string; t: number }>();
  /** The presence name tags on screen (read-only, for browser tests). */
  readonly nameTags = () => this.names.boxes();

  private constructor(
    private el: HTMLElement,
    private session: EditorSession,
    private opts: CanvasHostOptions,
  ) {}

  static async create(el: HTMLElement, session: EditorSession, opts: CanvasHostOptions): Promise<CanvasHost> {
    const host = new CanvasHost(el, session, opts);
    await host.init();
    return host;
  }

  private async init(): Promise<void> {
    await this.app.init({ autoStart: false, sharedTicker: false, resizeTo: this.el, antialias: !softwareWebGl(), backgroundAlpha: 0, preference: 'webgl', autoDensity: true, resolution: window.devicePixelRatio || 1 });
    if (this.destroyed) return;
    const canvas = this.app.canvas;
    canvas.style.display = 'block';
    canvas.style.touchAction = 'none';
    this.el.appendChild(canvas);
    this.backdrop = new ImageBackdrop(this.el, canvas);
    this.world.addChild(this.masks.container, this.compare.container, this.vectors);
    this.app.stage.addChild(this.world, this.overlay, this.presence, this.names.container);

    const s = this.session;
    this.unsubs.push(
      s.model.observe((changed) => {
        for (const id of changed) this.dirty.add(id);
        this.overlayDirty = true;
        this.requestRender();
      }),
      s.onChange((what) => {
        if (what === 'preview' || what === 'selection' || what === 'tool') {
          this.overlayDirty = true;
          this.requestRender();
        }
      }),
    );
    for (const o of s.model.list()) this.dirty.add(o.id);
    this.installInput(canvas);
    this.requestRender();
    await this.loadImage(this.opts.imageUrl);
  }

  private async loadImage(url: string): Promise<void> {
    const ok = await this.backdrop!.load(url, this.session.width, this.session.height);
    if (this.destroyed) return;
    // A broken image must not take the editor down: masks still draw on an empty backdrop.
    if (!ok) console.warn('tandem: the task image could not be loaded', url);
    this.fit();
    this.requestRender();
  }

  // ---- camera ----------------------------------------------------------------------------------

  get camera(): Camera {
    return this.cam;
  }

  get viewSize(): { w: number; h: number } {
    return { w: this.el.clientWidth, h: this.el.clientHeight };
  }

  setCamera(cam: Camera, byUser = false): void {
    this.cam = cam;
    this.world.position.set(cam.x, cam.y);
    this.world.scale.set(cam.scale);
    this.backdrop?.setCamera(cam);
    this.overlayDirty = true;
    this.requestRender();
    const { w, h } = this.viewSize;
    this.opts.onCamera?.(cam, visibleImageRect(cam, w, h), byUser);
  }

  fit(): void {
    const { w, h } = this.viewSize;
    this.setCamera(fit(this.session.width, this.session.height, w, h));
  }

  oneToOne(): void {
    const { w, h } = this.viewSize;
    this.setCamera(oneToOne(this.cam, w, h), true);
  }

  /** Frames these objects (the box around all their masks); false when none has a mask. */
  focusObjects(ids: readonly string[]): boolean {
    const box = unionBox(ids.map((id) => this.session.maskBox(id as ObjectId)).filter((b) => b !== null));
    if (!box) return false;
    const { w, h } = this.viewSize;
    this.setCamera(focusBox(box, w, h), true);
    return true;
  }

  zoomBy(factor: number): void {
    const { w, h } = this.viewSize;
    this.setCamera(zoomAt(this.cam, { x: w / 2, y: h / 2 }, factor), true);
  }

  // ---- per frame ---------------------------------------------------------------------------------

  /**
   * Renders on demand: one frame after something changed, nothing while idle (several open
   * editors, or software WebGL, would otherwise burn a core each at 60 fps for a still picture).
   */
  requestRender(): void {
    if (this.rafId !== null || this.destroyed) return;
    this.rafId = requestAnimationFrame((t) => {
      this.rafId = null;
      if (this.destroyed) return;
      // Frame time = time between consecutive rendered frames while something keeps changing.
      if (this.lastFrameAt !== null && t - this.lastFrameAt < 250) {
        this.frameTimes.push(t - this.lastFrameAt);
        if (this.frameTimes.length > 600) this.frameTimes.shift();
      }
      this.lastFrameAt = t;
      this.frame();
      this.app.render();
    });
  }

  private frame(): void {
    if (this.dirty.size) {
      const ids = [...this.dirty];
      this.dirty.clear();
      this.masks.sync(ids, (id) => this.viewInput(id));
      const now = performance.now();
      for (const r of this.masks.takeRebuilt()) this.drawnAt.set(r.id, { counts: r.counts, t: now });
      for (const id of ids) if (!this.session.model.has(id as ObjectId)) this.drawnAt.delete(id);
      this.masks.highlight(this.session.selectedIds());
    }
    if (this.overlayDirty) {
      this.overlayDirty = false;
      this.drawOverlay();
    }
  }

  private viewInput(id: string): MaskViewInput | null {
    const o = this.session.model.read(id as ObjectId);
    if (!o) return null;
    return { mask: o.mask, color: parseColor(this.opts.colorOf(o.label)), hidden: o.hidden, order: o.createdAt };
  }

  /** Repaint every mask (label colours changed). */
  refreshAll(): void {
    for (const o of this.session.model.list()) this.dirty.add(o.id);
    this.requestRender();
  }

  setImageAdjust(a: ImageAdjust): void {
    this.backdrop?.setAdjust(a);
  }

  setMaskStyle(fill: number, outline: number): void {
    this.masks.restyle(fill, outline, this.session.model.list().map((o) => o.id), (id) => this.viewInput(id));
    this.requestRender();
  }

  /** Every mask shown or none (Shift+H: a look at the bare image; nothing changes in the doc). */
  setMasksVisible(visible: boolean): void {
    this.masks.container.visible = visible;
    this.requestRender();
  }

  /** Presence changed (awareness): redraw cursors, previews and badges on the next frame. */
  presenceChanged(): void {
    this.overlayDirty = true;
    this.requestRender();
  }

  private drawOverlay(): void {
    const s = this.session;
    const cam = this.cam;
    this.vectors.clear();
    this.overlay.clear();
    this.presence.clear();
    this.masks.highlight(s.selectedIds());

    // Move preview: shift the sprite instead of drawing anything.
    const p = s.preview;
    for (const id of this.movedIds) this.masks.offset(id, 0, 0);
    this.movedIds = p?.kind === 'move' ? p.ids : [];
    if (p?.kind === 'move') for (const id of p.ids) this.masks.offset(id, p.dx, p.dy);
    const brushColor = cssToNumber(this.opts.colorOf(s.label));
    drawPreview(this.vectors, p, cam.scale, s.toolId === 'eraser' ? 0xffffff : brushColor);

    // Every selected object's box (shifted with a move preview); the primary's clicks.
    for (const id of s.selectedIds()) {
      const bb = s.maskBox(id);
      if (!bb) continue;
      const moving = p?.kind === 'move' && p.ids.includes(id);
      drawSelection(this.overlay, cam, moving ? [bb[0] + p.dx, bb[1] + p.dy, bb[2], bb[3]] : bb);
    }
    const sel = s.selectedId ? s.model.read(s.selectedId) : null;
    if (sel) drawClickMarkers(this.overlay, cam, sel.clicks);

    this.names.begin();
    // Several people on one object: their "is editing" tags stack upwards instead of overprinting.
    const editors = new Map<string, number>();
    for (const peer of this.opts.peers()) {
      drawPeerStroke(this.vectors, peer, cam.scale);
      if (peer.editing) {
        const o = s.model.read(peer.editing as ObjectId);
        if (o?.mask) {
          const bb = rleBbox(o.mask);
          const below = editors.get(peer.editing) ?? 0;
          editors.set(peer.editing, below + 1);
          const at = { x: bb[0] * cam.scale + cam.x, y: bb[1] * cam.scale + cam.y - TAG_STEP * (below + 1) };
          this.names.put(`e${peer.clientId}`, `${peer.name} is editing`, peer.color, at.x, at.y);
        }
      }
      if (peer.cursor) {
        const at = { x: peer.cursor[0] * cam.scale + cam.x, y: peer.cursor[1] * cam.scale + cam.y };
        drawCursor(this.presence, at, peer.color);
        this.names.put(`c${peer.clientId}`, peer.name, peer.color, at.x + 12, at.y + 14);
      }
    }
    this.names.end();
  }

  // ---- input -------------------------------------------------------------------------------------

  private toolPointer(e: PointerEvent, detail = 1): ToolPointer {
    const r = this.app.canvas.getBoundingClientRect();
    const ptScreen = { x: e.clientX - r.left, y: e.clientY - r.top };
    return { ptImage: screenToImage(this.cam, ptScreen), button: e.button, alt: e.altKey, shift: e.shiftKey, scale: this.cam.scale, detail };
  }

  private installInput(canvas: HTMLCanvasElement): void {
    const on = <K extends keyof HTMLElementEventMap>(target: HTMLElement | Window, type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
      target.addEventListener(type, fn as EventListener, opts);
      this.unsubs.push(() => target.removeEventListener(type, fn as EventListener, opts));
    };
    on(canvas, 'contextmenu', (e) => e.preventDefault());
    on(canvas, 'pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      if (e.button === 1 || (e.button === 0 && this.spaceHeld)) {
        e.preventDefault();
        this.panning = { last: { x: e.clientX, y: e.clientY } };
        canvas.style.cursor = 'grabbing';
        return;
      }
      const now = performance.now();
      const dbl = now - this.lastDown.t < DOUBLE_CLICK_MS && Math.hypot(e.clientX - this.lastDown.x, e.clientY - this.lastDown.y) < DOUBLE_CLICK_PX;
      this.lastDown = { t: dbl ? 0 : now, x: e.clientX, y: e.clientY };
      this.session.pointerDown(this.toolPointer(e, dbl ? 2 : 1));
    });
    on(canvas, 'pointermove', (e) => {
      if (this.panning) {
        this.setCamera(pan(this.cam, e.clientX - this.panning.last.x, e.clientY - this.panning.last.y), true);
        this.panning.last = { x: e.clientX, y: e.clientY };
        return;
      }
      const tp = this.toolPointer(e);
      this.session.pointerMove(tp);
      this.opts.onCursor?.(tp.ptImage);
    });
    const up = (e: PointerEvent) => {
      if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
      if (this.panning) {
        this.panning = null;
        canvas.style.cursor = this.spaceHeld ? 'grab' : '';
        return;
      }
      this.session.pointerUp(this.toolPointer(e));
    };
    on(canvas, 'pointerup', up);
    on(canvas, 'pointercancel', up);
    on(canvas, 'pointerleave', () => this.opts.onCursor?.(null));
    on(
      canvas,
      'wheel',
      (e) => {
        e.preventDefault();
        const r = canvas.getBoundingClientRect();
        // deltaMode 1 = lines (Firefox): about 16 px per line.
        const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
        this.setCamera(zoomAt(this.cam, { x: e.clientX - r.left, y: e.clientY - r.top }, wheelFactor(dy)), true);
      },
      { passive: false },
    );
    on(window, 'keydown', (e) => {
      if (e.code === 'Space' && !isTyping(e.target)) {
        this.spaceHeld = true;
        canvas.style.cursor = 'grab';
        e.preventDefault();
      }
    });
    on(window, 'keyup', (e) => {
      if (e.code === 'Space') {
        this.spaceHeld = false;
        canvas.style.cursor = '';
      }
    });
    const ro = new ResizeObserver(() => {
      this.overlayDirty = true;
      // resizeTo resizes the renderer on window resize; the element may change size alone.
      this.app.resize();
      this.requestRender();
      const { w, h } = this.viewSize;
      this.opts.onCamera?.(this.cam, visibleImageRect(this.cam, w, h), false);
    });
    ro.observe(this.el);
    this.unsubs.push(() => ro.disconnect());
  }

  destroy(): void {
    this.destroyed = true;
    if (this.rafId !== null) cancelAnimationFrame(this.rafId);
    for (const u of this.unsubs) u();
    this.unsubs = [];
    this.masks.destroy();
    this.compare.destroy();
    this.names.destroy();
    this.backdrop?.destroy();
    try {
      this.app.destroy({ removeView: true }, { children: true });
    } catch {
      // init() may not have finished (component unmounted while loading): nothing was created.
      this.app.canvas?.remove();
    }
  }
}

/**
 * True where WebGL would run on the CPU (SwiftShader: no GPU, blocklisted driver). There 4× MSAA
 * made every frame ~10 ms slower for smoother edges of thin overlay lines only (masks are
 * nearest-sampled sprites, unchanged), so it is kept for real GPUs alone.
 */
function softwareWebGl(): boolean {
  const probe = document.createElement('canvas');
  const gl = probe.getContext('webgl2', { failIfMajorPerformanceCaveat: true }) ?? probe.getContext('webgl', { failIfMajorPerformanceCaveat: true });
  gl?.getExtension('WEBGL_lose_context')?.loseContext();
  return gl === null;
}
