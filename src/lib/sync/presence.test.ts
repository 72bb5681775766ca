import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { assignColors, colorFor, compactPreview, PRESENCE_COLORS, PresencePublisher, readPeers, PresenceSchema } from './presence';

describe('presence', () => {
  it('a long stroke preview stays near 200 bytes and keeps its ends', () => {
    const points = Array.from({ length: 500 }, (_, i) => ({ x: 1000 + i * 3.3, y: 2000 + Math.sin(i / 10) * 50 }));
    const s = compactPreview({ kind: 'stroke', points, radius: 12.4, positive: false })!;
    expect(s.p.slice(0, 2)).toEqual([1000, 2000]);
    expect(s.p.slice(-2)).toEqual([Math.round(points[499].x), Math.round(points[499].y)]);
    const state = { user: { id: 'u1234567', name: 'Ana', color: 'hsl(1 75% 55%)' }, cursor: [1234, 2345], tool: 'brush', sel: 'abcdefghijklmnop', editing: 'abcdefghijklmnop', view: [0, 0, 4096, 3072], stroke: s };
    expect(PresenceSchema.safeParse(state).success).toBe(true);
    expect(JSON.stringify(state).length).toBeLessThan(360);
    expect(JSON.stringify(s).length).toBeLessThan(180);
  });

  it('coalesces bursts to one awareness update and peers see validated states only', async () => {
    const doc = new Y.Doc();
    const other = new Awareness(new Y.Doc());
    const mine = new Awareness(doc);
    const pub = new PresencePublisher(mine, { id: 'u1', name: 'Ana', color: 'red' });
    let updates = 0;
    mine.on('update', () => updates++);
    for (let i = 0; i < 50; i++) pub.set({ cursor: [i, i] });
    const deadline = Date.now() + 2000;
    while (updates === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(updates).toBe(1);
    expect(mine.getLocalState()?.cursor).toEqual([49, 49]);
    // mirror both states into a third awareness as the network would, one valid and one junk
    other.setLocalState({ user: { id: 'u2', name: 'Bo', color: 'blue' }, cursor: null });
    mine.states.set(other.clientID, other.getLocalState()!);
    mine.states.set(999, { user: { name: 42 } });
    expect(readPeers(mine).map((p) => p.user.name)).toEqual(['Bo']);
    pub.destroy();
  });

  it('gives the people present different colours, the same on every client', () => {
    // Two ids whose own colours are the same: the second in id order takes the next free one.
    const ids = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const a = ids[0];
    const b = ids.slice(1).find((id) => colorFor(id) === colorFor(a))!;
    const both = assignColors([b, a]);
    expect(both.get(a)).toBe(colorFor(a));
    expect(both.get(b)).not.toBe(both.get(a));
    expect(assignColors([a, b])).toEqual(both); // order of arrival does not matter
    // Up to the palette's size, nobody shares a colour; alone, everyone has their own.
    const eight = assignColors(ids.slice(0, PRESENCE_COLORS.length));
    expect(new Set(eight.values()).size).toBe(PRESENCE_COLORS.length);
    expect(assignColors([b]).get(b)).toBe(colorFor(b));

    // Through awareness: Ana sees Bo in the colour Bo's own client computes, not Ana's.
    const ana = new Awareness(new Y.Doc());
    const bo = new Awareness(new Y.Doc());
    ana.setLocalState({ user: { id: a, name: 'Ana', color: colorFor(a) } });
    bo.setLocalState({ user: { id: b, name: 'Bo', color: colorFor(b) } });
    ana.states.set(bo.clientID, bo.getLocalState()!);
    bo.states.set(ana.clientID, ana.getLocalState()!);
    const [boSeen] = readPeers(ana);
    const [anaSeen] = readPeers(bo);
    expect(boSeen.user.color).toBe(both.get(b));
    expect(anaSeen.user.color).toBe(both.get(a));
    expect(boSeen.user.color).not.toBe(anaSeen.user.color);
  });
});
