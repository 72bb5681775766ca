import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../logger';
import { RoomCallbacks } from './roomCallbacks';

describe('RoomCallbacks', () => {
  it('calls a room’s callbacks, goes on past one that throws (logged), and forgets the room with its last one', () => {
    const log = { error: vi.fn() } as unknown as Logger;
    const cbs = new RoomCallbacks<[string]>(log, 'room bus handler');
    const seen: string[] = [];
    const offA = cbs.add('r1', () => {
      throw new Error('boom');
    });
    const offB = cbs.add('r1', (x) => seen.push(x));
    expect(cbs.emit('r1', 'u1')).toBe(true);
    expect(seen).toEqual(['u1']);
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ room: 'r1' }), 'room bus handler failed');
    expect(cbs.emit('r2', 'u2')).toBe(false);
    offA();
    expect(cbs.has('r1')).toBe(true);
    offB();
    offB(); // twice is harmless
    expect(cbs.has('r1')).toBe(false);
    expect(cbs.emit('r1', 'u3')).toBe(false);
    expect(seen).toEqual(['u1']);
  });
});
