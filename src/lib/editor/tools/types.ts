// The contract between tools (small state machines) and the editor session that runs them.
// Tools never touch the document: they call ToolHost, whose methods are the editor's commands.
import type { Point } from '../camera';
import type { ObjectId } from '../../../../shared/schema/ids';

export const ToolIds = ['smart', 'box', 'scribble', 'brush', 'eraser', 'polygon', 'lasso', 'select'] as const;
export type ToolId = (typeof ToolIds)[number];

/** A pointer event already mapped to image space. `button`: 0 primary, 1 middle, 2 secondary. */
export interface ToolPointer {
  ptImage: Point;
  button: number;
  alt: boolean;
  shift: boolean;
  /** CSS px per image px at the time of the event (for hit radii that feel constant on screen). */
  scale: number;
  /** Double click (polygon closes on it). */
  detail?: number;
}

export interface ToolKey {
  key: string;
  alt: boolean;
  shift: boolean;
  ctrl: boolean;
}

/** What a tool shows while it works: drawn locally and shared through awareness. */
export type ToolPreview =
  | { kind: 'stroke'; points: Point[]; radius: number; positive: boolean }
  | { kind: 'box'; box: [number, number, number, number] }
  | { kind: 'polygon'; points: Point[]; cursor: Point | null }
  | { kind: 'move'; ids: readonly ObjectId[]; dx: number; dy: number }
  /** The select tool's rubber band: this user's only, never shared. */
  | { kind: 'marquee'; box: [number, number, number, number] };

export type FillMode = 'new' | 'add' | 'subtract';

/** Commands a tool may ask for; implemented by EditorSession. */
export interface ToolHost {
  readonly canEdit: boolean;
  /** The primary selected object. */
  readonly selectedId: ObjectId | null;
  /** Brush radius in image px. */
  readonly brushRadius: number;
  select(id: ObjectId | null): void;
  /** Every selected object, the primary first. */
  selectedIds(): readonly ObjectId[];
  /** Adds the object to the selection, or takes it out. */
  toggleSelect(id: ObjectId): void;
  /** These objects selected, after those already selected when `add`. */
  selectMany(ids: readonly ObjectId[], add: boolean): void;
  /** Visible objects whose mask lies wholly inside the box. */
  objectsIn(box: [number, number, number, number]): ObjectId[];
  /** Topmost visible object whose mask covers the point, or null. */
  hitTest(ptImage: Point): ObjectId | null;
  isEditable(id: ObjectId): boolean;
  hasMask(id: ObjectId): boolean;
  /** Creates an empty object with the active label, selects it and returns its id. */
  beginObject(): ObjectId;
  addClick(id: ObjectId, click: { x: number; y: number; positive: boolean }): void;
  setBox(id: ObjectId, box: [number, number, number, number]): void;
  addScribble(id: ObjectId, scribble: { points: Point[]; positive: boolean }): void;
  /** Ends the object in progress (the mask stays), clears the selection. */
  acceptObject(id: ObjectId): void;
  /** Escape: a new object is deleted, a refined one gets its mask from before back. */
  cancelObject(id: ObjectId, wasNew: boolean): void;
  /** Brush (value 1) or eraser (value 0) stroke into `id`, or a new object when id is null. */
  paint(id: ObjectId | null, points: Point[], radius: number, value: 0 | 1): void;
  fillPolygon(points: Point[], mode: FillMode): void;
  /** Moves the masks of these objects (locked ones stay) as one undo step. */
  moveObjects(ids: readonly ObjectId[], dx: number, dy: number): void;
  setPreview(preview: ToolPreview | null): void;
  /** A short message for the user (read-only, nothing selected, ...). */
  notify(message: string): void;
}

export interface Tool {
  readonly id: ToolId;
  /** The state machine's state, for the UI and for tests. */
  readonly state: string;
  down(e: ToolPointer): void;
  move(e: ToolPointer): void;
  up(e: ToolPointer): void;
  /** Returns true when the key was used. */
  key(k: ToolKey): boolean;
  /** Leaves the tool (switching tools): finish what can be finished, drop previews. */
  deactivate(): void;
}

export const READ_ONLY_MESSAGE = 'You can view this task but not edit masks (your role is read-only here).';

/** Whether a pointer press asks for a negative (background) prompt: Alt/Option or right button. */
export function isNegative(e: ToolPointer): boolean {
  return e.alt || e.button === 2;
}
