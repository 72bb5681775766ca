// The objects selected in one editor session: an ordered set whose first member is the primary
// object (the one the object list opens, tools refine and the presence bar reports). Shift-click
// on the canvas, Ctrl/Cmd- or Shift-click in the list and a marquee drag add more, for what a
// crowd of objects needs done at once: relabel, hide, delete, merge, move, approve. Local to
// this user, never in the document.
import type { ObjectId } from '../../../shared/schema/ids';

export class Selection {
  private ids: ObjectId[] = [];

  /** The primary object, or null with nothing selected. */
  get primary(): ObjectId | null {
    return this.ids[0] ?? null;
  }

  /** Every selected object, the primary first. */
  all(): readonly ObjectId[] {
    return this.ids;
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: ObjectId): boolean {
    return this.ids.includes(id);
  }

  /** Exactly this object (or nothing). Returns whether anything changed. */
  set(id: ObjectId | null): boolean {
    if (id === null ? this.ids.length === 0 : this.ids.length === 1 && this.ids[0] === id) return false;
    this.ids = id === null ? [] : [id];
    return true;
  }

  /** Adds the object, or takes it out when it is in (the next one becomes primary). */
  toggle(id: ObjectId): void {
    this.ids = this.has(id) ? this.ids.filter((x) => x !== id) : [...this.ids, id];
  }

  /** These objects, after those already selected when `add`, else instead of them. */
  setMany(ids: readonly ObjectId[], add: boolean): void {
    const keep = add ? this.ids : [];
    this.ids = [...keep, ...ids.filter((id) => !keep.includes(id))];
  }

  /** Forgets objects that are gone; returns whether any was selected. */
  drop(gone: (id: ObjectId) => boolean): boolean {
    if (!this.ids.some(gone)) return false;
    this.ids = this.ids.filter((id) => !gone(id));
    return true;
  }
}
