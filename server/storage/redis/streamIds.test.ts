import { describe, expect, it } from 'vitest';
import { compareIds, entryGap, parseXInfo } from './streamIds';

describe('stream ids', () => {
  it('orders by milliseconds, then by sequence, numerically', () => {
    expect(compareIds('1700000000000-0', '1700000000001-0')).toBeLessThan(0);
    expect(compareIds('1700000000000-10', '1700000000000-9')).toBeGreaterThan(0);
    expect(compareIds('5-3', '5-3')).toBe(0);
    expect(compareIds('0-0', '1-0')).toBeLessThan(0);
  });

  it('reads XINFO STREAM replies', () => {
    const raw = ['length', 2, 'last-generated-id', Buffer.from('20-1'), 'first-entry', [Buffer.from('10-0'), ['n', 'x']]];
    expect(parseXInfo(raw)).toEqual({ length: 2, lastGeneratedId: '20-1', firstEntryId: '10-0' });
    expect(parseXInfo('ERR no such key')).toBeNull();
  });
});

describe('reconnection gap check', () => {
  it('sees no gap when the entries after the last read one are all still there', () => {
    expect(entryGap('10-0', { length: 3, lastGeneratedId: '30-0', firstEntryId: '5-0' })).toBe(false);
    expect(entryGap('10-0', { length: 1, lastGeneratedId: '10-0', firstEntryId: '10-0' })).toBe(false);
  });

  it('sees a gap when entries after the last read one were trimmed away', () => {
    expect(entryGap('10-0', { length: 2, lastGeneratedId: '30-0', firstEntryId: '20-0' })).toBe(true);
    expect(entryGap('10-0', { length: 0, lastGeneratedId: '30-0', firstEntryId: null })).toBe(true);
  });

  it('sees a gap when the stream vanished or was recreated', () => {
    expect(entryGap('10-0', null)).toBe(true);
    expect(entryGap('10-0', { length: 1, lastGeneratedId: '3-0', firstEntryId: '3-0' })).toBe(true);
  });

  it('never flags a room that has read nothing yet', () => {
    expect(entryGap('0-0', null)).toBe(false);
  });
});
