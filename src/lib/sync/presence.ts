// Presence over Yjs awareness (DESIGN.md: at most 20 Hz, about 200 bytes): cursor (image px),
// tool, selected object, the object being edited (soft lock) and the in-progress stroke. Remote
// states are validated before use: awareness is other people's JSON.
import { z } from 'zod';
import type { Awareness } from 'y-protocols/awareness';
import type { ToolPreview } from '../editor/tools';

/** Awareness updates are sent at most this often (ms): 20 Hz. */
export const PRESENCE_INTERVAL_MS = 50;
/** Points of a stroke preview sent at most (decimated evenly), keeping a state near 200 bytes. */
const MAX_STROKE_POINTS = 12;

const Num = z.number().finite();
export const PresenceSchema = z.object({
  user: z.object({ id: z.string(), name: z.string(), color: z.string() }),
  /** Cursor in image px, or null when the pointer is outside the canvas. */
  cursor: z.tuple([Num, Num]).nullable().optional(),
  tool: z.string().optional(),
  sel: z.string().nullable().optional(),
  /** Object with a prompt/stroke in progress: others see "Ana is editing". */
  editing: z.string().nullable().optional(),
  /** Visible image rectangle [x, y, w, h] (image px), for follow mode. */
  view: z.tuple([Num, Num, Num, Num]).nullable().optional(),
  /** Stroke preview: kind s(troke) b(ox) p(olygon), flat image-px ints, radius, polarity. */
  stroke: z
    .object({ k: z.enum(['s', 'b', 'p']), p: z.array(Num).max(2 * MAX_STROKE_POINTS + 4), r: Num, pos: z.boolean() })
    .nullable()
    .optional(),
});
export type PresenceState = z.infer<typeof PresenceSchema>;

export interface Peer extends PresenceState {
  clientId: number;
}

/** Presence colours (cursors, name tags, avatars): eight that people tell apart at a glance, and
 *  no green (labels, and so masks, often are). */
export const PRESENCE_COLORS = ['#f97316', '#a855f7', '#06b6d4', '#ec4899', '#eab308', '#3b82f6', '#ef4444', '#94a3b8'];

function slotOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % PRESENCE_COLORS.length;
}

/** A user's own colour (from a hash of the id), the one they keep unless someone present has it. */
export function colorFor(id: string): string {
  return PRESENCE_COLORS[slotOf(id)];
}

/**
 * Colours for the users present: each keeps their own unless a user earlier in id order took it,
 * then the next free one. Every client computes the same from the same people, so the colours
 * agree everywhere without a round trip; two people share one only when more than eight are in.
 */
export function assignColors(userIds: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<number>();
  for (const id of [...new Set(userIds)].sort()) {
    const own = slotOf(id);
    let slot = own;
    for (let k = 0; k < PRESENCE_COLORS.length && taken.has(slot); k++) slot = (own + k + 1) % PRESENCE_COLORS.length;
    taken.add(slot);
    out.set(id, PRESENCE_COLORS[slot]);
  }
  return out;
}

/** A tool preview in the compact wire form. */
export function compactPreview(p: ToolPreview | null): PresenceState['stroke'] {
  if (!p) return null;
  if (p.kind === 'box') return { k: 'b', p: p.box.map(Math.round), r: 0, pos: true };
  if (p.kind === 'move' || p.kind === 'marquee') return null; // local gestures, not shown to others
  const pts = p.kind === 'polygon' && p.cursor ? [...p.points, p.cursor] : p.points;
  const step = Math.max(1, Math.ceil(pts.length / MAX_STROKE_POINTS));
  const flat: number[] = [];
  for (let i = 0; i < pts.length; i += step) flat.push(Math.round(pts[i].x), Math.round(pts[i].y));
  const last = pts[pts.length - 1];
  if ((pts.length - 1) % step !== 0 && last) flat.push(Math.round(last.x), Math.round(last.y));
  return p.kind === 'stroke' ? { k: 's', p: flat, r: Math.round(p.radius), pos: p.positive } : { k: 'p', p: flat, r: 0, pos: true };
}

/** Publishes this client's presence, coalescing changes to at most one update per 50 ms. */
export class PresencePublisher {
  private pending: Partial<PresenceState> = {};
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastSent = 0;

  constructor(
    private awareness: Awareness,
    user: PresenceState['user'],
  ) {
    awareness.setLocalState({ user, cursor: null, tool: 'smart', sel: null, editing: null, view: null, stroke: null } satisfies PresenceState);
  }

  set(fields: Partial<Omit<PresenceState, 'user'>>): void {
    Object.assign(this.pending, fields);
    if (this.timer) return;
    const wait = Math.max(0, this.lastSent + PRESENCE_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    const cur = this.awareness.getLocalState();
    if (!cur) return;
    this.lastSent = Date.now();
    this.awareness.setLocalState({ ...cur, ...this.pending });
    this.pending = {};
  }

  destroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.awareness.setLocalState(null);
  }
}

/** Everyone else on this document, validated; one entry per browser tab, coloured by
 *  assignColors over everyone present (this user included). */
export function readPeers(awareness: Awareness): Peer[] {
  const out: Peer[] = [];
  const present: string[] = [];
  awareness.getStates().forEach((state, clientId) => {
    const parsed = PresenceSchema.safeParse(state);
    if (!parsed.success) return;
    present.push(parsed.data.user.id);
    if (clientId !== awareness.clientID) out.push({ clientId, ...parsed.data });
  });
  const colors = assignColors(present);
  for (const p of out) p.user = { ...p.user, color: colors.get(p.user.id)! };
  return out.sort((a, b) => a.user.name.localeCompare(b.user.name) || a.clientId - b.clientId);
}
