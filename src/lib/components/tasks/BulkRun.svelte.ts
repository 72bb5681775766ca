// The state of one of the owner's bulk actions, shared by the buttons and selects that run them
// (FlagShown, AssignShown, TagShown, FillShown, SpecksShown, ReferenceShown): how far it got,
// what it did, or why it stopped. BulkOutcome.svelte shows the last two.
import { PartFailed, sendInParts } from './sendInParts';

export class BulkRun {
  /** Tasks sent so far of all; null while idle. */
  progress = $state<{ done: number; of: number } | null>(null);
  message = $state<string | null>(null);
  error = $state<string | null>(null);

  get busy(): boolean {
    return this.progress !== null;
  }

  /**
   * Sends `ids` in parts of `size` through `send`; then `message` is `done()`. On a failed part the
   * error says how far it got ("… (done on 500 of 900 images; choose it again for the rest)", `again` the last words).
   * Resolves whether every part went.
   */
  async run(ids: readonly string[], size: number, send: (part: string[]) => Promise<unknown>, done: () => string, again = 'choose it again for the rest'): Promise<boolean> {
    this.progress = { done: 0, of: ids.length };
    this.message = null;
    this.error = null;
    try {
      await sendInParts(ids, size, send, (d, of) => (this.progress = { done: d, of }));
      this.message = done();
      return true;
    } catch (e) {
      const sent = e instanceof PartFailed ? e.sent : 0;
      this.error = `${(e as Error).message}${sent ? ` (done on ${sent} of ${ids.length} images; ${again})` : ''}`;
      return false;
    } finally {
      this.progress = null;
    }
  }

  /** Clears the outcome (a typed value cancelled). */
  clear(): void {
    this.message = null;
    this.error = null;
  }
}
