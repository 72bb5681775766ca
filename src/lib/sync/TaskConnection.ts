// Keeps one task's Y.Doc in sync: y-indexeddb first (edits made offline survive a closed tab and
// are pushed on reconnect), then the y-websocket provider on `/sync` (contract 3). Exposes a sync
// status for the indicator and whether the server treats this socket as read-only.
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import { CloseCode } from '../../../shared/protocol/closeCodes';

/** `saved`: everything local reached the server; `syncing`: on its way; `offline`: no socket. */
export type SyncStatus = 'saved' | 'syncing' | 'offline' | 'denied';

/** y-websocket message type of the y-protocols auth message (permission denied = read-only). */
const MESSAGE_AUTH = 2;
/** How long local edits count as "syncing" at least (ms), so the indicator does not flicker. */
const MIN_SYNCING_MS = 150;

export interface ConnectionOptions {
  /** Origin of the server, e.g. http://localhost:3000. */
  origin: string;
  room: string;
  token: string;
  /** Keep a copy in IndexedDB (off for throwaway docs such as benchmarks). */
  persist?: boolean;
  /** Watch without being seen: no awareness state of our own, so we are not "in" the room. */
  observer?: boolean;
}

export class TaskConnection {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly awareness: Awareness;
  private idb: IndexeddbPersistence | null = null;
  private listeners = new Set<() => void>();
  private pendingSince = 0;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;
  status: SyncStatus = 'offline';
  /** The server answered with permission denied: this socket may read but not write. */
  readOnly = false;
  /** Set when the server closed the socket for good (unknown room, no access). */
  closedReason: string | null = null;
  /** True once the document holds the server's state (or the IndexedDB copy). */
  loaded = false;

  constructor(opts: ConnectionOptions, doc = new Y.Doc()) {
    this.doc = doc;
    const wsUrl = opts.origin.replace(/^http/, 'ws') + '/sync';
    this.provider = new WebsocketProvider(wsUrl, opts.room, doc, { params: { token: opts.token }, connect: false, maxBackoffTime: 5000 });
    this.awareness = this.provider.awareness;
    // y-websocket sends our state on connect only when there is one.
    if (opts.observer) this.awareness.setLocalState(null);
    this.provider.messageHandlers[MESSAGE_AUTH] = () => {
      // The server keeps relaying to us but drops our writes; the UI must say so.
      this.readOnly = true;
      this.update();
    };
    this.provider.on('status', () => this.update());
    this.provider.on('sync', (synced: boolean) => {
      if (synced) this.loaded = true;
      this.update();
    });
    this.provider.on('closed', (ev: { code: number; reason: string }) => {
      this.closedReason = ev.reason || closeText(ev.code);
      this.update();
    });
    doc.on('update', this.onLocalUpdate);
    const start = () => {
      if (!this.destroyed) this.provider.connect();
    };
    if (opts.persist !== false && typeof indexedDB !== 'undefined') {
      this.idb = new IndexeddbPersistence(`tandem:${opts.room}`, doc);
      // Connect once the offline copy is in the doc, so reconnecting pushes what was kept.
      void this.idb.whenSynced.then(() => {
        if (this.doc.getMap('objects').size > 0 || this.doc.getMap('meta').size > 0) this.loaded = true;
        this.update();
        start();
      });
    } else start();
  }

  private destroyed = false;

  private onLocalUpdate = (_u: Uint8Array, origin: unknown) => {
    if (origin === this.provider || origin === this.idb) return;
    this.pendingSince = Date.now();
    this.update();
    this.scheduleDrainCheck();
  };

  /** Local edits count as saved once the socket's send buffer is empty (the server persists them within its batch window). */
  private scheduleDrainCheck(): void {
    if (this.drainTimer) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      const ws = this.provider.ws;
      if (this.pendingSince && ws && this.provider.wsconnected && ws.bufferedAmount === 0 && Date.now() - this.pendingSince >= MIN_SYNCING_MS) {
        this.pendingSince = 0;
        this.update();
      } else if (this.pendingSince) this.scheduleDrainCheck();
    }, MIN_SYNCING_MS);
  }

  private update(): void {
    let next: SyncStatus;
    if (this.closedReason) next = 'denied';
    else if (!this.provider.wsconnected) next = 'offline';
    else if (!this.provider.synced || this.pendingSince) next = 'syncing';
    else next = 'saved';
    if (next === 'saved' || next === 'syncing') this.loaded = this.loaded || this.provider.synced;
    this.status = next;
    if (next !== 'offline' && this.pendingSince) this.scheduleDrainCheck();
    for (const cb of this.listeners) cb();
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Resolves once the server's state (or, offline, the IndexedDB copy) is in the doc. */
  whenLoaded(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.onChange(() => {
        if (this.loaded || this.closedReason) {
          off();
          resolve();
        }
      });
    });
  }

  destroy(): void {
    this.destroyed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.doc.off('update', this.onLocalUpdate);
    this.provider.destroy();
    void this.idb?.destroy();
    this.listeners.clear();
  }
}

function closeText(code: number): string {
  switch (code) {
    case CloseCode.Unauthorized:
      return 'Your sign-in is not valid any more.';
    case CloseCode.Forbidden:
      return 'You have no access to this task.';
    case CloseCode.UnknownRoom:
      return 'This task does not exist.';
    default:
      return `The server closed the connection (${code}).`;
  }
}
