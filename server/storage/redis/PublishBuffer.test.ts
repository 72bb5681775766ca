import { describe, expect, it } from 'vitest';
import { PublishBuffer } from './PublishBuffer';

const u = (n: number, size = 1) => new Uint8Array(size).fill(n);

describe('PublishBuffer', () => {
  it('hands queued updates back in order, and takes back what could not be sent at the front', () => {
    const b = new PublishBuffer();
    for (let i = 1; i <= 5; i++) b.enqueue('task:a', u(i));
    const first = b.take(2);
    expect(first.map((x) => x.data[0])).toEqual([1, 2]);
    b.putBack(first);
    expect(b.take(10).map((x) => x.data[0])).toEqual([1, 2, 3, 4, 5]);
    expect(b.pending).toBe(0);
  });

  it('refuses updates beyond its byte bound and names the room that lost one', () => {
    const b = new PublishBuffer(10);
    b.enqueue('task:a', u(1, 6));
    b.enqueue('task:b', u(2, 6));
    expect(b.pending).toBe(1);
    expect([...b.overflowed]).toEqual(['task:b']);
  });

  it('remembers what was sent within the recent window only', () => {
    const b = new PublishBuffer(1024, 1000);
    b.sent('task:a', u(1), 0);
    b.sent('task:a', u(2), 500);
    b.sent('task:b', u(3), 1200);
    expect(b.recentlySent(1400).map((x) => x.data[0])).toEqual([2, 3]);
  });

  it('keeps the recent window within its byte bound, dropping the oldest first', () => {
    const b = new PublishBuffer(1024, 60_000, 10);
    for (let i = 1; i <= 5; i++) b.sent('task:a', u(i, 4), i);
    expect(b.recentlySent(10).map((x) => x.data[0])).toEqual([4, 5]);
  });
});
