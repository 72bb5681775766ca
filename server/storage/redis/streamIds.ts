// Redis stream entry ids ("<ms>-<seq>") and the reconnection check of the room bus.

/** Orders two stream ids: negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareIds(a: string, b: string): number {
  const [am, as] = split(a);
  const [bm, bs] = split(b);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

function split(id: string): [number, number] {
  const dash = id.indexOf('-');
  // Milliseconds since the epoch fit a double exactly (2^53 ms is 285,000 years).
  return dash < 0 ? [Number(id), 0] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/** What the reconnection check needs from XINFO STREAM. */
export interface StreamInfo {
  length: number;
  lastGeneratedId: string;
  firstEntryId: string | null;
}

/** Reads the flat [key, value, ...] reply of XINFO STREAM (RESP2, bulk strings as Buffers or strings). */
export function parseXInfo(raw: unknown): StreamInfo | null {
  if (!Array.isArray(raw)) return null;
  const get = (k: string): unknown => {
    for (let i = 0; i + 1 < raw.length; i += 2) if (String(raw[i]) === k) return raw[i + 1];
    return undefined;
  };
  const first = get('first-entry');
  return {
    length: Number(get('length') ?? 0),
    lastGeneratedId: String(get('last-generated-id') ?? '0-0'),
    firstEntryId: Array.isArray(first) && first.length > 0 ? String(first[0]) : null,
  };
}

/**
 * Whether entries after `lastId` may have been removed before this node read them, so the room
 * must resync from the durable store. Conservative: Redis 7.0 does not record what XTRIM removed,
 * so a stream whose first entry is past `lastId` counts as a gap even when nothing was between.
 * That costs one reload of the room after a reconnection, never a lost update.
 */
export function entryGap(lastId: string, info: StreamInfo | null): boolean {
  if (lastId === '0-0') return false; // never read anything: the next read starts at the beginning
  if (!info) return true; // the stream is gone (deleted, or Redis lost it)
  if (compareIds(info.lastGeneratedId, lastId) < 0) return true; // recreated: ids went backwards
  if (info.length === 0 || info.firstEntryId === null) return compareIds(info.lastGeneratedId, lastId) > 0;
  return compareIds(info.firstEntryId, lastId) > 0;
}
