// Read-models: Yjs, awareness and the editor session bridged into Svelte 5 runes with
// createSubscriber. Components read plain values; the sources are observed only while something
// reactive reads them. Plain TypeScript (no runes) so they are unit-testable without the compiler.
import { createSubscriber } from 'svelte/reactivity';
import type { EditorSession } from '../editor/EditorSession';
import type { ObjectView } from '../editor/docModel';
import type { ObjectId } from '../../../shared/schema/ids';
import type { TaskConnection } from '../sync/TaskConnection';
import { readPeers, type Peer } from '../sync/presence';
import { ObjectChecker, type MaskIssue } from '../../../shared/schema/objectChecks';

/** The object list as plain values, recomputed at most once per document change. */
export class ObjectsModel {
  #subscribe: () => void;
  #cache: ObjectView[] | null = null;
  /** The mask checks of the list (shared/schema/objectChecks.ts); the checker keeps each mask's
   *  facts while it is unchanged, so a change costs the masks it changed. */
  #checker = new ObjectChecker();
  #issues: MaskIssue[] | null = null;
  #off: () => void;
  constructor(private session: EditorSession) {
    // Invalidation runs always (cheap), notification only while the UI reads the list.
    this.#off = session.model.observe(() => {
      this.#cache = null;
      this.#issues = null;
    });
    this.#subscribe = createSubscriber((update) => session.model.observe(() => update()));
  }
  get list(): ObjectView[] {
    this.#subscribe();
    return (this.#cache ??= this.session.model.list());
  }
  /** What the mask checks found (EditorState.checks groups them per object, labels added). */
  get issues(): readonly MaskIssue[] {
    const list = this.list;
    return (this.#issues ??= this.#checker.check(list));
  }
  destroy(): void {
    this.#off();
  }
}

/** Tool, selection, brush, messages, role: the session's UI-facing fields. */
export class SessionModel {
  #subscribe: () => void;
  constructor(private session: EditorSession) {
    this.#subscribe = createSubscriber((update) => {
      const a = session.onChange(() => update());
      const b = session.history.onChange(() => update());
      const c = session.inference?.onChange(() => update());
      return () => {
        a();
        b();
        c?.();
      };
    });
  }
  get tool() {
    this.#subscribe();
    return this.session.toolId;
  }
  get selectedId(): ObjectId | null {
    this.#subscribe();
    return this.session.selectedId;
  }
  /** Every selected object, the primary first (a new array only when the selection changes). */
  get selectedIds(): readonly ObjectId[] {
    this.#subscribe();
    return this.session.selectedIds();
  }
  get brushRadius() {
    this.#subscribe();
    return this.session.brushRadius;
  }
  get label() {
    this.#subscribe();
    return this.session.label;
  }
  get message() {
    this.#subscribe();
    return this.session.message;
  }
  get canEdit() {
    this.#subscribe();
    return this.session.canEdit;
  }
  get canUndo() {
    this.#subscribe();
    return this.session.history.canUndo;
  }
  get canRedo() {
    this.#subscribe();
    return this.session.history.canRedo;
  }
  get pending() {
    this.#subscribe();
    return this.session.inference?.pending ?? 0;
  }
  get lastSegment() {
    this.#subscribe();
    return this.session.lastSegment;
  }
}

/** Sync status of the task room. */
export class SyncModel {
  #subscribe: () => void;
  constructor(private conn: Pick<TaskConnection, 'onChange' | 'status' | 'readOnly' | 'closedReason'>) {
    this.#subscribe = createSubscriber((update) => conn.onChange(() => update()));
  }
  get status() {
    this.#subscribe();
    return this.conn.status;
  }
  get readOnly() {
    this.#subscribe();
    return this.conn.readOnly;
  }
  get closedReason() {
    this.#subscribe();
    return this.conn.closedReason;
  }
}

/** Everyone else in the task, from awareness (validated). */
export class PeersModel {
  #subscribe: () => void;
  constructor(private conn: { awareness: TaskConnection['awareness'] }) {
    this.#subscribe = createSubscriber((update) => {
      const fn = () => update();
      conn.awareness.on('change', fn);
      return () => conn.awareness.off('change', fn);
    });
  }
  get list(): Peer[] {
    this.#subscribe();
    return readPeers(this.conn.awareness);
  }
}


