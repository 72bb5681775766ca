// A raw `ws` socket to /sync, for close codes and hand-made (malformed) frames.
import { WebSocket } from 'ws';

export interface RawSocket {
  ws: WebSocket;
  /** Frames received so far. */
  frames: Uint8Array[];
  /** Resolves with the close code and reason once the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
}

/** Opens ws://host/sync/<room>?token= without any protocol logic. */
export function openRaw(wsUrl: string, room: string, token: string | null, opts: { maxPayload?: number } = {}): RawSocket {
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(`${wsUrl}/${encodeURIComponent(room)}${q}`, { maxPayload: opts.maxPayload });
  const frames: Uint8Array[] = [];
  ws.on('message', (d: Buffer) => frames.push(new Uint8Array(d)));
  ws.on('error', () => {}); // the close event carries what tests check
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before open')));
  });
  opened.catch(() => {});
  return { ws, frames, closed, opened };
}
