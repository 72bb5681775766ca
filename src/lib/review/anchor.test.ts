import { describe, expect, it } from 'vitest';
import { encodeRle } from '../../../shared/codecs/rle';
import type { Thread } from '../../../shared/schema/review';
import { objectAnchor, pinsOnScreen } from './anchor';
import { mentionAt, mentionParts } from './format';

const thread = (id: string, x: number, y: number, resolved = false): Thread => ({
  id, objectId: null, x, y, createdBy: 'u', createdAt: 0, resolved, messages: [{ id: 'm', by: 'u', at: 0, text: 't', mentions: [] }],
});

describe('pins', () => {
  it('anchors a thread at the centre of the mask bounding box (image px)', () => {
    const w = 10;
    const h = 8;
    const m = new Uint8Array(w * h);
    for (let y = 2; y < 6; y++) for (let x = 4; x < 8; x++) m[y * w + x] = 1; // bbox x 4..8, y 2..6
    expect(objectAnchor(encodeRle(m, w, h))).toEqual({ x: 6, y: 4 });
    expect(objectAnchor(encodeRle(new Uint8Array(w * h), w, h))).toBeNull();
    expect(objectAnchor(null)).toBeNull();
  });

  it('places unresolved pins through the camera and culls those far off screen', () => {
    const cam = { x: 100, y: 50, scale: 2 };
    const pins = pinsOnScreen([thread('a', 10, 10), thread('b', 20, 20, true), thread('c', 1000, 10), thread('d', 0, 0)], cam, 400, 300);
    expect(pins.map((p) => [p.id, p.x, p.y, p.n])).toEqual([['a', 120, 70, 1], ['d', 100, 50, 4]]);
  });
});

describe('mentions in the message box', () => {
  it('finds the mention being typed at the caret, not e-mail addresses', () => {
    expect(mentionAt('hi @An', 6)).toEqual({ start: 3, query: 'An' });
    expect(mentionAt('hi @Bo L', 8)).toEqual({ start: 3, query: 'Bo L' });
    expect(mentionAt('mail me@x', 9)).toBeNull();
    expect(mentionAt('no mention', 4)).toBeNull();
    expect(mentionAt('@Ana\nnext', 9)).toBeNull();
  });

  it('splits text into plain and mention parts for display', () => {
    expect(mentionParts('ping @bo li and @Ana!', ['Ana', 'Bo Li'])).toEqual([
      { text: 'ping ', mention: false },
      { text: '@bo li', mention: true },
      { text: ' and ', mention: false },
      { text: '@Ana', mention: true },
      { text: '!', mention: false },
    ]);
    expect(mentionParts('plain', [])).toEqual([{ text: 'plain', mention: false }]);
  });
});
