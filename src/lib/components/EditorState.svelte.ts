// Per-editor-session UI state, passed through context (never a module singleton). Document,
// awareness and session state come through the read-models of readModels.ts.
import type { Rle } from '../../../shared/codecs/rle';
import type { CompareSummary } from '../canvas/CompareLayer';
import { getContext, setContext } from 'svelte';
import type { EditorSession } from '../editor/EditorSession';
import type { TaskConnection } from '../sync/TaskConnection';
import type { PresencePublisher } from '../sync/presence';
import { ObjectsModel, PeersModel, SessionModel, SyncModel } from './readModels';
import type { Camera } from '../editor/camera';
import type { DetectorInfo, Label, ModelInfo } from '../sync/api';
import type { AttributeSpec, AttributeValue } from '../../../shared/schema/attributes';
import { observeImageAttributes, readImageSetBy, type ImageSetBy } from '../../../shared/schema/imageAttributes';
import { readLastImage, writeLastImage, type LastImage } from '../editor/lastImage';
import type { Claim, NavTask } from './taskNav';
import type { Role } from '../../../shared/protocol/roles';
import { NEUTRAL_ADJUST, type ImageAdjust } from '../canvas/ImageBackdrop';
import { guideFingerprint, hasGuide } from '../guide/guideText';
import { describeSpeckRule, groupIssues, speckRuleOf, type CheckRules } from '../../../shared/schema/objectChecks';

const KEY = Symbol('tandem.editor');

export interface ViewCommands {
  fit(): void;
  oneToOne(): void;
  /** Frames an object's mask; false when it has none. */
  focusObjects(ids: readonly string[]): boolean;
  zoomBy(factor: number): void;
  /** Shows what a mask gained (green) and lost (red) since `before`; null clears it. */
  compare(masks: { before: Rle | null; now: Rle | null } | null): CompareSummary | null;
}

export interface EditorStateInit {
  session: EditorSession;
  conn: TaskConnection;
  presence: PresencePublisher;
  labels: Label[];
  /** The project's annotation guide (empty when none). */
  guide: string;
  role: Role;
  taskName: string;
  taskId: string;
  projectId: string;
  /** The project's tasks in the project page's order, for previous / next. */
  tasks: NavTask[];
  /** Whose each task is from this member's queue (assignments). */
  claimOf(t: NavTask): Claim;
  /** The URL of a task's image (with the token), to fetch the next one ahead. */
  imageUrlOf(taskId: string): string;
  /** Has a worker load a task's image and features ahead (no-op for roles without the smart tools). */
  prefetchAhead(taskId: string): void;
}

/** Everything the editor's components share, for one open task. */
export class EditorState {
  readonly session: EditorSession;
  readonly conn: TaskConnection;
  readonly presence: PresencePublisher;
  readonly objects: ObjectsModel;
  readonly ui: SessionModel;
  readonly sync: SyncModel;
  readonly peers: PeersModel;

  readonly role: Role;
  readonly taskName: string;
  readonly taskId: string;
  readonly projectId: string;
  readonly tasks: NavTask[];
  readonly claimOf: (t: NavTask) => Claim;
  readonly imageUrlOf: (taskId: string) => string;
  readonly prefetchAhead: (taskId: string) => void;
  labels = $state.raw<Label[]>([]);
  /** User id → display name (project members), for "who made it". */
  names = $state.raw<Record<string, string>>({});
  /** Mask fill opacity 0..1 and whether outlines are drawn. */
  opacity = $state(0.45);
  /** The models the worker pool serves (GET /api/models), for the model picker; empty until read. */
  models = $state.raw<ModelInfo[]>([]);
  /** The object detectors the workers run (GET /api/detectors): "Find objects" shows when there is one. */
  detectors = $state.raw<DetectorInfo[]>([]);
  /** The "Find objects" panel (D). */
  detectOpen = $state(false);
  /** All masks drawn, or none (Shift+H): this view only, the doc's per-object `hidden` untouched. */
  masksShown = $state(true);
  outline = $state(true);
  /** How the image is shown (brightness, contrast, saturation), kept per project in this browser. */
  imageAdjust = $state<ImageAdjust>({ ...NEUTRAL_ADJUST });
  /** Awareness client id of the collaborator whose view we follow, or null. */
  following = $state<number | null>(null);
  helpOpen = $state(false);
  guide = $state('');
  /** The owner keeps masks apart in this project (the toolbar's "No overlap" is on and fixed). */
  projectNoOverlap = $state(false);
  /** Which checks of the objects the project runs (settings.checks). */
  checkRules = $state.raw<CheckRules | null>(null);
  /** What the project says each image carries as a whole (settings.imageAttributes). */
  imageSpecs = $state.raw<AttributeSpec[]>([]);
  /** This image's values of them as the document holds them, live. */
  imageValues = $state.raw<Record<string, AttributeValue>>({});
  /** Who set each of them last, and when. */
  imageSetBy = $state.raw<Record<string, ImageSetBy>>({});
  private readonly stopImage: () => void;
  /** The image this tab had open before in the project, with its values ("Same as the last image"). */
  readonly lastImage: LastImage | null;
  guideOpen = $state(false);
  /** The guide or a label description changed since this browser last showed them. */
  guideUnseen = $state(false);
  /** What the checks found per object (shared/schema/objectChecks.ts): its mask's (drawn twice,
   *  specks, tiny) and a label the project no longer defines, as far as the project checks them. */
  readonly checks = $derived.by(() => groupIssues(this.objects.issues, this.objects.list, this.labels.map((l) => l.name), this.checkRules));
  /** What a speck is in the project ("Remove specks", "Split parts" and the check agree), and in words. */
  readonly speckRule = $derived(speckRuleOf(this.checkRules));
  readonly speckWords = $derived(describeSpeckRule(this.speckRule));
  /** The canvas camera (plain value, replaced on every pan/zoom) for HTML overlays such as pins. */
  camera = $state.raw<Camera | null>(null);
  /** View commands of the mounted canvas (plain field: it wraps Pixi, never reactive state). */
  view: ViewCommands | null = null;

  constructor(init: EditorStateInit) {
    this.session = init.session;
    this.conn = init.conn;
    this.presence = init.presence;
    this.labels = init.labels;
    this.guide = init.guide;
    this.role = init.role;
    this.taskName = init.taskName;
    this.taskId = init.taskId;
    this.projectId = init.projectId;
    this.tasks = init.tasks;
    this.claimOf = init.claimOf;
    this.imageUrlOf = init.imageUrlOf;
    this.prefetchAhead = init.prefetchAhead;
    this.objects = new ObjectsModel(init.session);
    this.ui = new SessionModel(init.session);
    this.sync = new SyncModel(init.conn);
    this.peers = new PeersModel(init.conn);
    const model = init.session.model;
    this.imageValues = model.imageAttributes();
    this.imageSetBy = readImageSetBy(init.conn.doc);
    // Read the last image before this one takes its place.
    this.lastImage = readLastImage(init.projectId, init.taskId);
    const keep = () => writeLastImage(init.projectId, { taskId: init.taskId, name: init.taskName, values: this.imageValues });
    keep();
    this.stopImage = observeImageAttributes(init.conn.doc, () => {
      this.imageValues = model.imageAttributes();
      this.imageSetBy = readImageSetBy(init.conn.doc);
      keep();
    });
  }

  colorOf(label: string): string {
    return this.labels.find((l) => l.name === label)?.color ?? '#9ca3af';
  }

  /** The attribute definitions of a label (none for a label the project does not define). */
  attributesOf(label: string): AttributeSpec[] {
    return this.labels.find((l) => l.name === label)?.attributes ?? [];
  }

  /** A dialog over the editor (help, guide): the editor's shortcuts wait. */
  get modalOpen(): boolean {
    return this.helpOpen || this.guideOpen;
  }

  /** After the guide and labels were (re)read: is there something new to read? */
  noteGuide(): void {
    this.guideUnseen = hasGuide(this.guide, this.labels) && readSeen(this.projectId) !== guideFingerprint(this.guide, this.labels);
  }

  openGuide(): void {
    this.guideOpen = true;
    writeSeen(this.projectId, guideFingerprint(this.guide, this.labels));
    this.guideUnseen = false;
  }

  closeGuide(): void {
    this.guideOpen = false;
  }

  destroy(): void {
    this.objects.destroy();
    this.stopImage();
  }
}

// What guide this browser last showed per project (localStorage may be disabled: then it opens
// every time there is one).
const seenKey = (projectId: string) => `tandem.guideSeen.${projectId}`;
function readSeen(projectId: string): string | null {
  try {
    return localStorage.getItem(seenKey(projectId));
  } catch {
    return null;
  }
}
function writeSeen(projectId: string, fingerprint: string): void {
  try {
    localStorage.setItem(seenKey(projectId), fingerprint);
  } catch {
    // disabled or full: nothing to remember
  }
}

export function setEditorState(s: EditorState): EditorState {
  return setContext(KEY, s);
}

export function getEditorState(): EditorState {
  const s = getContext<EditorState | undefined>(KEY);
  if (!s) throw new Error('getEditorState() outside an editor page');
  return s;
}
