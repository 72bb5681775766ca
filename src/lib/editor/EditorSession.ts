// One editor session on one task document. Provider-agnostic: it gets a Y.Doc (synced by
// lib/sync or by a test) and a segment transport. Tools call its commands (ToolHost); every
// command is one `doc.transact(fn, origin)` so History can undo exactly this user's work.
// Data flows one way: input → tool → command → doc → observers → canvas and UI.
import type * as Y from 'yjs';
import { decodeRle, rleArea, rleBbox } from '../../../shared/codecs/rle';
import { refitPrompt } from '../../../shared/geometry/refitPrompt';
import type { AttributeValue } from '../../../shared/schema/attributes';
import { newId, type ObjectId } from '../../../shared/schema/ids';
import type { LocalOrigin } from '../../../shared/schema/origins';
import type { Point } from './camera';
import { DocModel, type ObjectView } from './docModel';
import { fillShape, paintStroke } from './drawCommands';
import { History } from './history';
import { LatestWinsInference, type SegmentTransport } from './inferenceClient';
import { MaskIndex } from './maskIndex';
import { cleanMask, copySelected, mergeObjects, pasteObjects, splitObject, type CopiedObjects, type ObjectCommandHost } from './objectCommands';
import { emptyBitmap, type Bitmap } from './raster';
import { Prompts } from './prompts';
import { Selection } from './selection';
import { sessionKey } from './sessionKeys';
import { deleteObjects, moveObjects, relabelObjects, setObjectsHidden } from './selectionCommands';
import { createTools, READ_ONLY_MESSAGE, type FillMode, type Tool, type ToolHost, type ToolId, type ToolKey, type ToolPointer, type ToolPreview } from './tools';

export interface SessionUser {
  id: string;
  name: string;
}

export type { CopiedObjects } from './objectCommands';

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
  /** What this user has selected (selection.ts): the primary object first. */
  readonly selection = new Selection();
  brushRadius = 12;
  label: string;
  preview: ToolPreview | null = null;
  message: { text: string; at: number } | null = null;
  segmentModel: string | undefined;
  /** The model that answered the last segment request and its round trip (ms), for the toolbar. */
  lastSegment: { model: string; ms: number } | null = null;

  private prompts: Prompts;
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
    this.prompts = new Prompts(this.model);
    this.history = new History(opts.doc, opts.origin);
    this.inference = opts.inference ? new LatestWinsInference(opts.inference) : null;
    this.tools = createTools(this);
    this.unobserve = this.model.observe((changed, origin) => {
      if (origin !== opts.origin) for (const id of changed) this.touchedByOthers.add(id);
      // A selected object that someone deleted (or that an undo removed) is no longer selected.
      if (this.selection.drop((id) => changed.has(id) && !this.model.has(id))) this.emit('selection');
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
    if (this.toolId === 'select' && this.selection.size && this.canEdit) this.relabelSelected(label);
  }

  relabelSelected(label: string): void {
    relabelObjects(this.commandHost, this.selection.all(), label);
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

  /** Keyboard shortcuts of the editor (sessionKeys.ts); returns true when the key was used. */
  key(k: ToolKey): boolean {
    return sessionKey(this, k);
  }

  // ---- ToolHost -------------------------------------------------------------------------------

  /** The primary selected object (the one tools refine and the list opens). */
  get selectedId(): ObjectId | null {
    return this.selection.primary;
  }

  /** Exactly this object selected (or none). */
  select(id: ObjectId | null): void {
    if (this.selection.set(id)) this.emit('selection');
  }

  /** Shift-click: the object added to the selection, or taken out of it. */
  toggleSelect(id: ObjectId): void {
    this.selection.toggle(id);
    this.emit('selection');
  }

  /** A marquee or "select all": these objects, added to the selection when `add`. */
  selectMany(ids: readonly ObjectId[], add: boolean): void {
    this.selection.setMany(ids, add);
    this.emit('selection');
  }

  selectedIds(): readonly ObjectId[] {
    return this.selection.all();
  }

  /** Ctrl/Cmd+A: every visible object. */
  selectAll(): void {
    this.selectMany(this.model.list().filter((o) => !o.hidden).map((o) => o.id as ObjectId), false);
  }

  /** The visible objects whose mask lies wholly inside the box [x0, y0, x1, y1] (a marquee). */
  objectsIn(box: [number, number, number, number]): ObjectId[] {
    const [x0, y0, x1, y1] = box;
    return this.model
      .list()
      .filter((o) => {
        if (o.hidden || !o.mask) return false;
        const [x, y, w, h] = rleBbox(o.mask);
        return w > 0 && x >= x0 && y >= y0 && x + w <= x1 && y + h <= y1;
      })
      .map((o) => o.id as ObjectId);
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
    this.prompts.start(id);
    this.select(id);
    return id;
  }

  addClick(id: ObjectId, c: { x: number; y: number; positive: boolean }): void {
    if (!this.guard(id)) return;
    this.prompts.of(id);
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
    this.prompts.of(id).box = b;
    void this.runSegment(id);
  }

  addScribble(id: ObjectId, s: { points: Point[]; positive: boolean }): void {
    if (!this.guard(id)) return;
    this.prompts.of(id).scribbles.push({ points: s.points.map((p) => [Math.round(p.x), Math.round(p.y)]), positive: s.positive });
    void this.runSegment(id);
  }

  /** Sends the object's whole prompt (all clicks, box, scribbles, current mask) to the model. */
  async runSegment(id: ObjectId): Promise<void> {
    if (!this.inference) return this.notify('Smart tools are unavailable (no inference connection).');
    const req = this.prompts.request(id, this.taskId, this.segmentModel);
    if (!req) return;
    const t0 = performance.now();
    const outcome = await this.inference.request(id, req);
    if (outcome.kind === 'stale') return;
    if (outcome.kind === 'error') return this.notify(`Segmentation failed: ${outcome.message}`);
    if (!this.model.has(id)) return; // deleted meanwhile
    this.model.setMask(id, outcome.result.mask, this.user.id, { source: 'model', model: outcome.result.model });
    this.lastSegment = { model: outcome.result.model, ms: Math.round(performance.now() - t0) };
    this.emit('segment');
  }

  /**
   * T: the selected masks fitted to this image by the model (a mask pasted from the previous frame
   * of a sequence, or imported): each gets refitPrompt's click and box, its mask as the previous
   * mask, as if the annotator had clicked there; more clicks refine it as usual, and Escape with the
   * smart tool brings the mask from before back.
   */
  refitSelected(): void {
    if (!this.inference) return this.notify('Re-fitting needs the smart tools (no inference connection).');
    for (const id of this.selection.all()) {
      const mask = this.model.read(id)?.mask;
      if (!mask || !this.guard(id)) continue;
      const p = mask.size[0] === this.height && mask.size[1] === this.width ? refitPrompt(decodeRle(mask).data, this.width, this.height) : null;
      if (!p) continue;
      this.prompts.of(id).box = p.box;
      this.addClick(id, p.click);
    }
  }

  acceptObject(id: ObjectId): void {
    this.prompts.end(id);
    this.history.boundary();
    this.select(null);
  }

  cancelObject(id: ObjectId, wasNew: boolean): void {
    const p = this.prompts.end(id);
    this.inference?.forget(id);
    this.history.boundary();
    if (wasNew) this.model.delete(id);
    else if (p?.before) this.model.setMask(id, p.before, this.user.id, { source: 'restore' });
    this.select(null);
  }

  paint(id: ObjectId | null, points: Point[], radius: number, value: 0 | 1): void {
    paintStroke(this.commandHost, id, points, radius, value);
  }

  fillPolygon(points: Point[], mode: FillMode): void {
    fillShape(this.commandHost, points, mode);
  }

  moveObjects(ids: readonly ObjectId[], dx: number, dy: number): void {
    moveObjects(this.commandHost, ids, dx, dy);
  }

  // ---- whole-mask commands (objectCommands.ts) ---------------------------------------------

  cleanMask(id: ObjectId, how: 'fill-holes' | 'remove-specks'): number {
    return cleanMask(this.commandHost, id, how);
  }
  splitObject(id: ObjectId): number {
    return splitObject(this.commandHost, id);
  }
  mergeObjects(id: ObjectId, others: readonly ObjectId[]): void {
    mergeObjects(this.commandHost, id, others);
  }
  /** M: every other selected object merged into the primary one. */
  mergeSelected(): void {
    const [id, ...others] = this.selection.all();
    if (id && others.length) mergeObjects(this.commandHost, id, others);
  }
  deleteSelected(): void {
    deleteObjects(this.commandHost, this.selection.all());
  }
  setSelectedHidden(hidden: boolean): void {
    setObjectsHidden(this.commandHost, this.selection.all(), hidden);
  }
  copySelected(): CopiedObjects | null {
    return copySelected(this.commandHost);
  }
  paste(c: CopiedObjects): ObjectId[] {
    return pasteObjects(this.commandHost, c);
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
      get label() {
        return self.label;
      },
      isEditable: (id) => this.isEditable(id),
      notify: (text) => this.notify(text),
      guard: (id) => this.guard(id),
      bitmapOf: (id) => this.bitmapOf(id),
      select: (id) => this.select(id),
      selectedIds: () => this.selectedIds(),
      selectMany: (ids, add) => this.selectMany(ids, add),
      forget: (id) => {
        this.prompts.end(id);
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
    setObjectsHidden(this.commandHost, [id], hidden);
  }

  setLocked(id: ObjectId, locked: boolean): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    this.history.boundary();
    this.model.setFlags(id, { locked }, this.user.id);
  }

  deleteObject(id: ObjectId): void {
    deleteObjects(this.commandHost, [id]);
  }

  undo(): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    this.tool.deactivate();
    this.prompts.clear();
    const gone = this.history.nextUndoDeletes(this.touchedByOthers, (id) => this.model.objects.get(id)?._item);
    const blocked = gone && `"${this.model.read(gone as ObjectId)?.label ?? gone}"`;
    if (blocked) {
      // Undoing the creation of an object deletes everything in it, collaborators' edits too.
      // That step is dropped instead: my undo never touches your work.
      this.history.manager.undoStack.pop();
      this.notify(`Not undone: ${blocked} was changed by someone else since you created it.`);
      return;
    }
    this.history.undo();
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
