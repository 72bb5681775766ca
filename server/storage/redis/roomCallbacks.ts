// Callbacks registered per room (the bus's message handlers, its resync listeners): each call is
// guarded, so one that throws is logged and never keeps the room's other callbacks from running.
import type { Logger } from '../../logger';

export class RoomCallbacks<A extends unknown[]> {
  private readonly byRoom = new Map<string, Set<(...args: A) => void>>();
  constructor(
    private readonly log: Logger,
    /** What the callbacks are, for the log ("room bus handler"). */
    private readonly what: string,
  ) {}

  /** Adds a callback; the function returned removes it (the room goes with its last one). */
  add(room: string, cb: (...args: A) => void): () => void {
    const set = this.byRoom.get(room) ?? new Set();
    set.add(cb);
    this.byRoom.set(room, set);
    return () => {
      set.delete(cb);
      if (set.size === 0 && this.byRoom.get(room) === set) this.byRoom.delete(room);
    };
  }

  has(room: string): boolean {
    return this.byRoom.has(room);
  }

  /** Calls the room's callbacks; returns false when it has none. */
  emit(room: string, ...args: A): boolean {
    const set = this.byRoom.get(room);
    if (!set) return false;
    for (const cb of set) {
      try {
        cb(...args);
      } catch (e) {
        this.log.error({ err: e, room }, `${this.what} failed`);
      }
    }
    return true;
  }
}
