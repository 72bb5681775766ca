// The owner's bulk actions on the tasks a list shows (flag, assign, tag, fill, remove specks,
// reference) send them to the server in parts of at most the API's per-request limit, each part
// checked and written whole. A part that fails stops the run: the parts before it stay done, and
// the error says how far it got so the owner sends the action again for the rest.

/** A bulk action stopped by a failed part; `sent` tasks (the parts before it) were done. */
export class PartFailed extends Error {
  constructor(
    readonly failure: unknown,
    readonly sent: number,
    readonly of: number,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
  }
}

/** Sends `ids` in order, `size` at a time; `onSent(done, of)` after each part. */
export async function sendInParts(ids: readonly string[], size: number, send: (part: string[]) => Promise<unknown>, onSent?: (done: number, of: number) => void): Promise<void> {
  if (!(size >= 1)) throw new RangeError(`part size ${size}`);
  for (let i = 0; i < ids.length; i += size) {
    const part = ids.slice(i, i + size);
    try {
      await send(part);
    } catch (e) {
      throw new PartFailed(e, i, ids.length);
    }
    onSent?.(i + part.length, ids.length);
  }
}
