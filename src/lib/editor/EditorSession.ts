// One editor session on one task document. Provider-agnostic: it gets a Y.Doc (synced by
// lib/sync or by a test) and a segment transport. Tools call its commands (ToolHost); every
// command is one `doc.transact(fn, origin)` so History can undo exactly this user's work.
// Data flows one way: input → tool → command → doc → observers → canvas and UI.
import * as Y from 'yjs';
import { decodeRle, encodeRle, rleDifference, rleUnion, rleArea, type Rle } from '../../../shared/codecs/rle';
import type { AttributeValue } from '../../../shared/schema/attributes';
import { newId, type ObjectId } from '../../../shared/schema/ids';
import type { LocalOrigin } from '../../../shared/schema/origins';
import type { Point } from './camera';
import { DocModel, type ObjectView } from './docModel';
import { History } from './history';
import { LatestWinsInference, type SegmentRequest, type SegmentTransport } from './inferenceClient';
import { MaskIndex } from './maskIndex';
import { cleanMask, copySelected, mergeObjects, pasteObject, splitObject, type CopiedObject, type ObjectCommandHost } from './objectCommands';
import { emptyBitmap, fillPolygon, stampStroke, translate, type Bitmap } from './raster';
import { createTools, READ_ONLY_MESSAGE, toolShortcuts, ToolIds, type FillMode, type Tool, type ToolHost, type ToolId, type ToolKey, type ToolPointer, type ToolPreview } from './tools';

export interface SessionUser {
  id: string;
  name: string;
}

export type { CopiedObject } from './objectCommands';

export interface SessionOptions {
  doc: Y.Doc;
  taskId: string;
  width: number;
  height: number;
  user: SessionUser;
  canEdit: boolean;
  /** The label of new objects. */
  label: string;
  /** This session's transaction origin (tracked by undo). */
  origin: LocalOrigin;
  inference: SegmentTransport | null;
  model?: string;
}

/** Prompt state of an object in progress, kept in memory only (the doc has the clicks). */
interface Prompt {
  box?: [number, number, number, number];
  scribbles: Array<{ points: Array<[number, number]>; positive: boolean }>;
  /** The mask before this refinement started (Escape brings it back). */
  before: Rle | null;
}

export const MIN_BRUSH = 1;
export const MAX_BRUSH = 256;

export class EditorSession implements ToolHost {
  readonly model: DocModel;
  readonly history: History;
  readonly inference: LatestWinsInference | null;
  readonly tools: Record<ToolId, Tool>;
  readonly taskId: string;
  readonly width: number;
  readonly height: number;
  readonly user: SessionUser;

  canEdit: boolean;
  toolId: ToolId = 'smart';
  selectedId: ObjectId | null = null;
  brushRadius = 12;
  label: string;
  preview: ToolPreview | null = null;
  message: { text: string; at: number } | null = null;
  segmentModel: string | undefined;
  /** The model that answered the last segment request and its round trip (ms), for the toolbar. */
  lastSegment: { model: string; ms: number } | null = null;

  private prompts = new Map<ObjectId, Prompt>();
  /** Objects that collaborators changed in this session: my undo must not delete them. */
  private touchedByOthers = new Set<ObjectId>();
  private maskIndex = new MaskIndex();
  private listeners = new Set<(what: SessionChange) => void>();
  private unobserve: () => void;

  constructor(opts: SessionOptions) {
    this.taskId = opts.taskId;
    this.width = opts.width;
    this.height = opts.height;
    this.user = opts.user;
    this.canEdit = opts.canEdit;
    // A read-only role can only select (to review and comment): its toolbar shows that tool pressed.
    if (!opts.canEdit) this.toolId = 'select';
    this.label = opts.label;
    this.segmentModel = opts.model;
    this.model = new DocModel(opts.doc, opts.origin);
    this.history = new History(opts.doc, opts.origin);
    this.inference = opts.inference ? new LatestWinsInference(opts.inference) : null;
    this.tools = createTools(this);
    this.unobserve = this.model.observe((changed, origin) => {
      if (origin !== opts.origin) for (const id of changed) this.touchedByOthers.add(id);
      // A selected object that someone deleted (or that an undo removed) is no longer selected.
      if (this.selectedId && changed.has(this.selectedId) && !this.model.has(this.selectedId)) this.select(null);
      for (const id of changed) if (!this.model.has(id)) this.maskIndex.forget(id);
    });
  }

  get tool(): Tool {
    return this.tools[this.toolId];
  }

  onChange(cb: (what: SessionChange) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(what: SessionChange): void {
    for (const cb of this.listeners) cb(what);
  }

  destroy(): void {
    this.unobserve();
    this.history.destroy();
    this.listeners.clear();
  }

  // ---- UI state -------------------------------------------------------------------------------

  setTool(id: ToolId): void {
    if (id === this.toolId) return;
    // The editing tools' buttons are disabled for a read-only role; their shortcuts say why.
    if (!this.canEdit && id !== 'select') return this.notify(READ_ONLY_MESSAGE);
    this.tool.deactivate();
    this.toolId = id;
    this.emit('tool');
  }

  setBrushRadius(r: number): void {
    this.brushRadius = Math.max(MIN_BRUSH, Math.min(MAX_BRUSH, Math.round(r)));
    this.emit('tool');
  }

  setLabel(label: string): void {
    this.label = label;
    this.emit('tool');
  }

  /**
   * A label shortcut: the label of new objects; with the select tool, also of the selected object
   * (when it may change). Only then: with a drawing tool the object just accepted is still
   * selected, and "pick the label, then draw" would relabel it by surprise.
   */
  pickLabel(label: string): void {
    this.setLabel(label);
    const id = this.toolId === 'select' ? this.selectedId : null;
    const o = id ? this.model.read(id) : null;
    if (id && o && o.label !== label && this.canEdit && !o.locked) this.setObjectLabel(id, label);
  }

  setCanEdit(canEdit: boolean): void {
    if (canEdit === this.canEdit) return;
    this.canEdit = canEdit;
    if (!canEdit) {
      this.tool.deactivate();
      this.toolId = 'select';
    }
    this.emit('role');
  }

  // ---- input ----------------------------------------------------------------------------------

  pointerDown(e: ToolPointer): void {
    this.tool.down(e);
  }
  pointerMove(e: ToolPointer): void {
    this.tool.move(e);
  }
  pointerUp(e: ToolPointer): void {
    this.tool.up(e);
  }

  /** Keyboard shortcuts of the editor; returns true when the key was used. */
  key(k: ToolKey): boolean {
    const lower = k.key.toLowerCase();
    if (k.ctrl && lower === 'z') {
      if (k.shift) this.redo();
      else this.undo();
      return true;
    }
    if (k.ctrl && lower === 'y') {
      this.redo();
      return true;
    }
    if (k.ctrl) return false;
    if (this.tool.key(k)) return true;
    if (k.key === '[') {
      this.setBrushRadius(this.brushRadius / 1.25);
      return true;
    }
    if (k.key === ']') {
      this.setBrushRadius(Math.max(this.brushRadius + 1, this.brushRadius * 1.25));
      return true;
    }
    if ((k.key === 'Delete' || k.key === 'Backspace') && this.selectedId) {
      this.deleteObject(this.selectedId);
      return true;
    }
    if (k.key === 'Escape' && this.selectedId) {
      this.select(null);
      return true;
    }
    for (const id of ToolIds) {
      if (toolShortcuts[id].key === lower && !k.alt) {
        this.setTool(id);
        return true;
      }
    }
    return false;
  }

  // ---- ToolHost -------------------------------------------------------------------------------

  select(id: ObjectId | null): void {
    if (id === this.selectedId) return;
    this.selectedId = id;
    this.emit('selection');
  }

  hitTest(ptImage: Point): ObjectId | null {
    const list = this.model.list();
    for (let i = list.length - 1; i >= 0; i--) {
      const o = list[i];
      if (o.hidden || !o.mask) continue;
      if (this.maskIndex.contains(o.id, o.mask, ptImage.x, ptImage.y)) return o.id;
    }
    return null;
  }

  isEditable(id: ObjectId): boolean {
    const o = this.model.read(id);
    return !!o && this.canEdit && !o.locked;
  }

  hasMask(id: ObjectId): boolean {
    const o = this.model.read(id);
    return !!o?.mask && rleArea(o.mask) > 0;
  }

  beginObject(): ObjectId {
    const id = newId() as ObjectId;
    this.history.boundary();
    this.model.create({ id, label: this.label, by: this.user.id });
    this.prompts.set(id, { scribbles: [], before: null });
    this.select(id);
    return id;
  }

  private prompt(id: ObjectId): Prompt {
    let p = this.prompts.get(id);
    if (!p) {
      p = { scribbles: [], before: this.model.read(id)?.mask ?? null };
      this.prompts.set(id, p);
    }
    return p;
  }

  addClick(id: ObjectId, c: { x: number; y: number; positive: boolean }): void {
    if (!this.guard(id)) return;
    this.prompt(id);
    this.history.boundary();
    const x = clamp(Math.round(c.x * 10) / 10, 0, this.width - 1);
    const y = clamp(Math.round(c.y * 10) / 10, 0, this.height - 1);
    this.model.appendClicks(id, [{ x, y, positive: c.positive, by: this.user.id, at: Date.now() }], this.user.id);
    void this.runSegment(id);
  }

  setBox(id: ObjectId, box: [number, number, number, number]): void {
    if (!this.guard(id)) return;
    const b: [number, number, number, number] = [
      clamp(box[0], 0, this.width), clamp(box[1], 0, this.height), clamp(box[2], 0, this.width), clamp(box[3], 0, this.height),
    ];
    this.prompt(id).box = b;
    void this.runSegment(id);
  }

  addScribble(id: ObjectId, s: { points: Point[]; positive: boolean }): void {
    if (!this.guard(id)) return;
    this.prompt(id).scribbles.push({ points: s.points.map((p) => [Math.round(p.x), Math.round(p.y)]), positive: s.positive });
    void this.runSegment(id);
  }

  /** Sends the object's whole prompt (all clicks, box, scribbles, current mask) to the model. */
  async runSegment(id: ObjectId): Promise<void> {
    if (!this.inference) return this.notify('Smart tools are unavailable (no inference connection).');
    const o = this.model.read(id);
    if (!o) return;
    const p = this.prompt(id);
    const req: SegmentRequest = {
      taskId: this.taskId,
      objectId: id,
      clicks: o.clicks.map((c) => ({ x: c.x, y: c.y, positive: c.positive })),
    };
    if (p.box) req.box = p.box;
    if (p.scribbles.length) req.scribbles = p.scribbles;
    // Refinement: the current mask (imported, drawn or the last answer) is the previous mask.
    if (o.mask && rleArea(o.mask) > 0) req.prevMask = o.mask;
    if (this.segmentModel) req.model = this.segmentModel;
    const t0 = performance.now();
    const outcome = await this.inference.request(id, req);
    if (outcome.kind === 'stale') return;
    if (outcome.kind === 'error') return this.notify(`Segmentation failed: ${outcome.message}`);
    if (!this.model.has(id)) return; // deleted meanwhile
    this.model.setMask(id, outcome.result.mask, this.user.id, { source: 'model', model: outcome.result.model });
    this.lastSegment = { model: outcome.result.model, ms: Math.round(performance.now() - t0) };
    this.emit('segment');
  }

  acceptObject(id: ObjectId): void {
    this.prompts.delete(id);
    this.history.boundary();
    this.select(null);
  }

  cancelObject(id: ObjectId, wasNew: boolean): void {
    const p = this.prompts.get(id);
    this.prompts.delete(id);
    this.inference?.forget(id);
    this.history.boundary();
    if (wasNew) this.model.delete(id);
    else if (p?.before) this.model.setMask(id, p.before, this.user.id, { source: 'restore' });
    this.select(null);
  }

  paint(id: ObjectId | null, points: Point[], radius: number, value: 0 | 1): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    this.history.boundary();
    const bm = this.bitmapOf(id);
    const changed = stampStroke(bm, points, radius, value);
    if (!changed) return;
    const mask = encodeRle(bm.data, bm.width, bm.height);
    if (id) this.model.setMask(id, mask, this.user.id, { source: value ? 'brush' : 'eraser' });
    else {
      const nid = newId() as ObjectId;
      this.model.create({ id: nid, label: this.label, mask, by: this.user.id, source: 'brush' });
      this.select(nid);
    }
  }

  fillPolygon(points: Point[], mode: FillMode): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    this.history.boundary();
    const bm = emptyBitmap(this.width, this.height);
    if (!fillPolygon(bm, points, 1)) return;
    const shape = encodeRle(bm.data, bm.width, bm.height);
    const target = this.selectedId;
    const current = target ? this.model.read(target)?.mask : null;
    if (mode !== 'new' && target && current && this.isEditable(target)) {
      const mask = mode === 'add' ? rleUnion(current, shape) : rleDifference(current, shape);
      this.model.setMask(target, mask, this.user.id, { source: 'polygon' });
      return;
    }
    if (mode === 'subtract') return;
    const nid = newId() as ObjectId;
    this.model.create({ id: nid, label: this.label, mask: shape, by: this.user.id, source: 'polygon' });
    this.select(nid);
  }

  moveObject(id: ObjectId, dx: number, dy: number): void {
    if (!this.guard(id)) return;
    const o = this.model.read(id);
    if (!o?.mask) return;
    this.history.boundary();
    const moved = translate(this.bitmapOf(id), dx, dy);
    this.model.setMask(id, encodeRle(moved.data, moved.width, moved.height), this.user.id, { source: 'move' });
  }

  // ---- whole-mask commands (objectCommands.ts) ---------------------------------------------

  cleanMask(id: ObjectId, how: 'fill-holes' | 'remove-specks'): number {
    return cleanMask(this.commandHost, id, how);
  }
  splitObject(id: ObjectId): number {
    return splitObject(this.commandHost, id);
  }
  mergeObjects(id: ObjectId, other: ObjectId): void {
    mergeObjects(this.commandHost, id, other);
  }
  copySelected(): CopiedObject | null {
    return copySelected(this.commandHost);
  }
  paste(c: CopiedObject): ObjectId | null {
    return pasteObject(this.commandHost, c);
  }

  /** The session as objectCommands.ts sees it. */
  private get commandHost(): ObjectCommandHost {
    const self = this;
    return {
      model: this.model,
      history: this.history,
      userId: this.user.id,
      width: this.width,
      height: this.height,
      get canEdit() {
        return self.canEdit;
      },
      get selectedId() {
        return self.selectedId;
      },
      notify: (text) => this.notify(text),
      guard: (id) => this.guard(id),
      bitmapOf: (id) => this.bitmapOf(id),
      select: (id) => this.select(id),
      forget: (id) => {
        this.prompts.delete(id);
        this.inference?.forget(id);
      },
    };
  }

  setPreview(preview: ToolPreview | null): void {
    this.preview = preview;
    this.emit('preview');
  }

  notify(text: string): void {
    this.message = { text, at: Date.now() };
    this.emit('message');
  }

  // ---- object list commands -------------------------------------------------------------------

  setObjectLabel(id: ObjectId, label: string): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    this.history.boundary();
    this.model.setLabel(id, label, this.user.id);
  }

  /** Sets one attribute of an object (undoable, like a label change). */
  setObjectAttribute(id: ObjectId, name: string, value: AttributeValue): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    const o = this.model.read(id);
    if (!o) return;
    if (o.locked) return this.notify('This object is locked.');
    if (o.attributes?.[name] === value) return;
    this.history.boundary();
    this.model.setAttributes(id, { [name]: value }, this.user.id);
  }

  setHidden(id: ObjectId, hidden: boolean): void {
    // Visibility is a shared flag (a reviewer hides what is noise for everyone), so it needs edit rights.
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    this.history.boundary();
    this.model.setFlags(id, { hidden }, this.user.id);
  }

  setLocked(id: ObjectId, locked: boolean): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    this.history.boundary();
    this.model.setFlags(id, { locked }, this.user.id);
  }

  deleteObject(id: ObjectId): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    if (this.model.read(id)?.locked) return this.notify('This object is locked.');
    this.prompts.delete(id);
    this.inference?.forget(id);
    this.history.boundary();
    this.model.delete(id);
    if (this.selectedId === id) this.select(null);
  }

  undo(): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    this.tool.deactivate();
    this.prompts.clear();
    const blocked = this.undoWouldDeleteOthersWork();
    if (blocked) {
      // Undoing the creation of an object deletes everything in it, collaborators' edits too.
      // That step is dropped instead: my undo never touches your work.
      this.history.manager.undoStack.pop();
      this.notify(`Not undone: ${blocked} was changed by someone else since you created it.`);
      return;
    }
    this.history.undo();
  }

  /** The label of an object that the next undo step would delete although others changed it. */
  private undoWouldDeleteOthersWork(): string | null {
    const stack = this.history.manager.undoStack;
    const step = stack[stack.length - 1];
    if (!step) return null;
    for (const id of this.touchedByOthers) {
      const item = this.model.objects.get(id)?._item;
      if (item && Y.isDeleted(step.insertions, item.id)) return `"${this.model.read(id)?.label ?? id}"`;
    }
    return null;
  }

  redo(): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    this.history.redo();
  }

  objects(): ObjectView[] {
    return this.model.list();
  }

  // ---- helpers --------------------------------------------------------------------------------

  private guard(id: ObjectId): boolean {
    if (!this.canEdit) {
      this.notify(READ_ONLY_MESSAGE);
      return false;
    }
    if (!this.isEditable(id)) {
      this.notify('This object is locked.');
      return false;
    }
    return true;
  }

  private bitmapOf(id: ObjectId | null): Bitmap {
    const mask = id ? this.model.read(id)?.mask : null;
    if (mask && mask.size[0] === this.height && mask.size[1] === this.width) return decodeRle(mask);
    return emptyBitmap(this.width, this.height);
  }
}

export type SessionChange = 'tool' | 'selection' | 'preview' | 'message' | 'role' | 'segment';

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
