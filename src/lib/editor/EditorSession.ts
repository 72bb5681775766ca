// One editor session on one task document. Provider-agnostic: it gets a Y.Doc (synced by
// lib/sync or by a test) and a segment transport. Tools call its commands (ToolHost); every
// command is one `doc.transact(fn, origin)` so History can undo exactly this user's work.
// Data flows one way: input → tool → command → doc → observers → canvas and UI.
import type * as Y from 'yjs';
import { decodeRle } from '../../../shared/codecs/rle';
import type { SpeckRule } from '../../../shared/geometry/cleanup';
import type { AttributeValue } from '../../../shared/schema/attributes';
import type { ObjectId } from '../../../shared/schema/ids';
import type { LocalOrigin } from '../../../shared/schema/origins';
import type { Point } from './camera';
import { DocModel } from './docModel';
import { fillShape, paintStroke } from './drawCommands';
import { History } from './history';
import * as detect from './detectCommands';
import { LatestWinsInference, type DetectAck, type SegmentTransport } from './inferenceClient';
import { MaskIndex } from './maskIndex';
import { MaskPolicy } from './overlap';
import { cleanMask, copySelected, mergeObjects, pasteObjects, setAttribute, splitObject, type CopiedObjects } from './objectCommands';
import { emptyBitmap, type Bitmap } from './raster';
import * as prompt from './promptCommands';
import { Prompts } from './prompts';
import { Selection } from './selection';
import { sessionKey } from './sessionKeys';
import { deleteObjects, moveObjects, objectsInside, relabelObjects, setObjectsFlag } from './selectionCommands';
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
  /** The inference connection itself (detections and their masks do not go latest-wins per object). */
  readonly transport: SegmentTransport | null;
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

  readonly prompts: Prompts;
  /** Masks kept apart or not (overlap.ts): what tools and the model add is fitted through it. */
  readonly masks: MaskPolicy;
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
    this.masks = new MaskPolicy(this.model, (id) => this.maskBox(id));
    this.history = new History(opts.doc, opts.origin);
    this.transport = opts.inference;
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

  /** A label shortcut: the label of new objects; with the select tool, also of the selected object (when
   *  it may change). Only then: with a drawing tool the object just accepted is still selected. */
  pickLabel(label: string): void {
    this.setLabel(label);
    if (this.toolId === 'select' && this.selection.size && this.canEdit) this.relabelSelected(label);
  }

  relabelSelected(label: string): void {
    relabelObjects(this, this.selection.all(), label);
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

  /** The visible objects whose mask lies wholly inside the box [x0, y0, x1, y1] (a marquee). */
  objectsIn(box: [number, number, number, number]): ObjectId[] {
    return objectsInside(this.model.list(), box, (id) => this.maskBox(id)); // boxes cached per mask
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

  /** The object's mask box [x, y, w, h] (cached per mask), or null without pixels. */
  maskBox(id: ObjectId): [number, number, number, number] | null {
    const mask = this.model.read(id)?.mask;
    const box = mask ? this.maskIndex.box(id, mask) : null;
    return box && box[2] > 0 ? box : null;
  }

  isEditable(id: ObjectId): boolean {
    const o = this.model.read(id);
    return !!o && this.canEdit && !o.locked;
  }

  hasMask(id: ObjectId): boolean {
    return this.maskBox(id) !== null;
  }

  // ---- the smart tools' prompts (promptCommands.ts) ------------------------------------------
  beginObject(): ObjectId {
    return prompt.beginObject(this);
  }
  addClick(id: ObjectId, c: { x: number; y: number; positive: boolean }): void {
    prompt.addClick(this, id, c);
  }
  setBox(id: ObjectId, box: [number, number, number, number]): void {
    prompt.setBox(this, id, box);
  }
  addScribble(id: ObjectId, s: { points: Point[]; positive: boolean }): void {
    prompt.addScribble(this, id, s);
  }
  runSegment(id: ObjectId): Promise<void> {
    return prompt.runSegment(this, id);
  }
  /** T: the selected masks fitted to this image by the model (promptCommands.ts). */
  /** The server's detector on this image (detectCommands.ts). */
  findObjects(threshold: number): Promise<DetectAck> {
    return detect.findObjects(this, threshold);
  }

  /** Chosen detections as objects, masks from their boxes, one undo step. */
  addDetected(chosen: Parameters<typeof detect.addProposals>[1], progress?: (done: number, total: number) => void): Promise<ObjectId[]> {
    return detect.addProposals(this, chosen, progress);
  }

  refitSelected(): void {
    prompt.refitSelected(this);
  }
  acceptObject(id: ObjectId): void {
    prompt.acceptObject(this, id);
  }
  cancelObject(id: ObjectId, wasNew: boolean): void {
    prompt.cancelObject(this, id, wasNew);
  }

  /** The model answered a segment request after `ms` (the toolbar shows it). */
  answered(model: string, ms: number): void {
    this.lastSegment = { model, ms };
    this.emit('segment');
  }

  paint(id: ObjectId | null, points: Point[], radius: number, value: 0 | 1): void {
    paintStroke(this, id, points, radius, value);
  }

  fillPolygon(points: Point[], mode: FillMode): void {
    fillShape(this, points, mode);
  }

  moveObjects(ids: readonly ObjectId[], dx: number, dy: number): void {
    moveObjects(this, ids, dx, dy);
  }

  // ---- whole-mask commands (objectCommands.ts) ---------------------------------------------

  /** `rule`: what a speck is in the project (objectChecks.speckRuleOf), else the default. */
  cleanMask(id: ObjectId, how: 'fill-holes' | 'remove-specks', rule?: SpeckRule): number {
    return cleanMask(this, id, how, rule);
  }
  splitObject(id: ObjectId, rule?: SpeckRule): number {
    return splitObject(this, id, rule);
  }
  mergeObjects(id: ObjectId, others: readonly ObjectId[]): void {
    mergeObjects(this, id, others);
  }
  /** M: every other selected object merged into the primary one. */
  mergeSelected(): void {
    const [id, ...others] = this.selection.all();
    if (id && others.length) mergeObjects(this, id, others);
  }
  deleteSelected(): void {
    deleteObjects(this, this.selection.all());
  }
  /** Hides / shows, or locks / unlocks, every selected object. */
  setSelectedFlag(flag: { hidden: boolean } | { locked: boolean }): void {
    setObjectsFlag(this, this.selection.all(), flag);
  }
  copySelected(): CopiedObjects | null {
    return copySelected(this);
  }
  paste(c: CopiedObjects): ObjectId[] {
    return pasteObjects(this, c);
  }

  /** Drops this session's in-memory state of an object about to be deleted. */
  forget(id: ObjectId): void {
    this.prompts.end(id);
    this.inference?.forget(id);
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
    relabelObjects(this, [id], label);
  }

  /** Sets one attribute of an object (undoable, like a label change). */
  setObjectAttribute(id: ObjectId, name: string, value: AttributeValue): void {
    setAttribute(this, id, name, value);
  }

  /** One of the image's own attributes (the weather, the scene): one undo step. */
  setImageAttribute(name: string, value: AttributeValue): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    if (this.model.imageAttributes()[name] === value) return;
    this.history.boundary();
    this.model.setImageAttributes({ [name]: value }, this.user.id);
  }

  /** Several of the image's own attributes (null: back to the default), as one undo step. */
  setImageAttributes(values: Record<string, AttributeValue | null>): void {
    if (!this.canEdit) return this.notify(READ_ONLY_MESSAGE);
    if (!Object.keys(values).length) return;
    this.history.boundary();
    this.model.setImageAttributes(values, this.user.id);
  }

  setHidden(id: ObjectId, hidden: boolean): void {
    setObjectsFlag(this, [id], { hidden });
  }

  setLocked(id: ObjectId, locked: boolean): void {
    setObjectsFlag(this, [id], { locked });
  }

  deleteObject(id: ObjectId): void {
    deleteObjects(this, [id]);
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

  /** False (and says why) when this session may not change the object. */
  guard(id: ObjectId): boolean {
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

  /** The object's mask as a whole-image bitmap (a copy; empty for null or a mask of another size). */
  bitmapOf(id: ObjectId | null): Bitmap {
    const mask = id ? this.model.read(id)?.mask : null;
    if (mask && mask.size[0] === this.height && mask.size[1] === this.width) return decodeRle(mask);
    return emptyBitmap(this.width, this.height);
  }
}

export type SessionChange = 'tool' | 'selection' | 'preview' | 'message' | 'role' | 'segment';
