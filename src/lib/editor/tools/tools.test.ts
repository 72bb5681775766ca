// Tools are driven like a user would (press, move, release, keys) against a host that records the
// commands they ask for; the session that really implements ToolHost is tested separately.
import { describe, expect, it } from 'vitest';
import type { ObjectId } from '../../../../shared/schema/ids';
import type { Point } from '../camera';
import { createTools } from './index';
import type { FillMode, ToolHost, ToolPointer, ToolPreview } from './types';

class RecordingHost implements ToolHost {
  canEdit = true;
  selectedId: ObjectId | null = null;
  brushRadius = 5;
  calls: Array<[string, ...unknown[]]> = [];
  masks = new Set<string>();
  locked = new Set<string>();
  under: ObjectId | null = null;
  preview: ToolPreview | null = null;
  messages: string[] = [];
  private n = 0;
  select(id: ObjectId | null) {
    this.selectedId = id;
    this.more = [];
  }
  hitTest(): ObjectId | null {
    return this.under;
  }
  isEditable(id: ObjectId) {
    return !this.locked.has(id);
  }
  hasMask(id: ObjectId) {
    return this.masks.has(id);
  }
  beginObject(): ObjectId {
    const id = `o${++this.n}` as ObjectId;
    this.calls.push(['begin', id]);
    this.selectedId = id;
    return id;
  }
  addClick(id: ObjectId, c: { x: number; y: number; positive: boolean }) {
    this.calls.push(['click', id, c.positive]);
  }
  setBox(id: ObjectId, box: [number, number, number, number]) {
    this.calls.push(['box', id, box]);
  }
  addScribble(id: ObjectId, s: { points: Point[]; positive: boolean }) {
    this.calls.push(['scribble', id, s.points.length, s.positive]);
  }
  acceptObject(id: ObjectId) {
    this.calls.push(['accept', id]);
    this.selectedId = null;
  }
  cancelObject(id: ObjectId, wasNew: boolean) {
    this.calls.push(['cancel', id, wasNew]);
    this.selectedId = null;
  }
  paint(id: ObjectId | null, points: Point[], radius: number, value: 0 | 1) {
    this.calls.push(['paint', id, points.length, radius, value]);
  }
  fillPolygon(points: Point[], mode: FillMode) {
    this.calls.push(['fill', points.length, mode]);
  }
  moveObjects(ids: readonly ObjectId[], dx: number, dy: number) {
    this.calls.push(['move', [...ids], dx, dy]);
  }
  /** Selected besides the primary (selectedId). */
  more: ObjectId[] = [];
  /** What objectsIn answers (the objects a marquee holds). */
  inside: ObjectId[] = [];
  selectedIds(): ObjectId[] {
    return this.selectedId ? [this.selectedId, ...this.more] : [];
  }
  toggleSelect(id: ObjectId) {
    const all = this.selectedIds();
    const next = all.includes(id) ? all.filter((x) => x !== id) : [...all, id];
    [this.selectedId = null, ...this.more] = next;
  }
  selectMany(ids: readonly ObjectId[], add: boolean) {
    const keep = add ? this.selectedIds() : [];
    [this.selectedId = null, ...this.more] = [...keep, ...ids.filter((x) => !keep.includes(x))];
  }
  objectsIn(box: [number, number, number, number]): ObjectId[] {
    this.calls.push(['objectsIn', box]);
    return this.inside;
  }
  setPreview(p: ToolPreview | null) {
    this.preview = p;
  }
  notify(m: string) {
    this.messages.push(m);
  }
}

const at = (x: number, y: number, extra: Partial<ToolPointer> = {}): ToolPointer => ({
  ptImage: { x, y }, button: 0, alt: false, shift: false, scale: 1, ...extra,
});
const key = (k: string) => ({ key: k, alt: false, shift: false, ctrl: false });

function setup() {
  const host = new RecordingHost();
  return { host, tools: createTools(host) };
}

describe('smart click tool', () => {
  it('first click starts an object, more clicks refine it, Alt and right click are negative', () => {
    const { host, tools } = setup();
    const t = tools.smart;
    expect(t.state).toBe('idle');
    t.down(at(10, 10));
    t.down(at(20, 20, { alt: true }));
    t.down(at(30, 30, { button: 2 }));
    expect(t.state).toBe('active');
    expect(host.calls).toEqual([['begin', 'o1'], ['click', 'o1', true], ['click', 'o1', false], ['click', 'o1', false]]);
  });

  it('Enter accepts; the next click starts a new object', () => {
    const { host, tools } = setup();
    tools.smart.down(at(1, 1));
    expect(tools.smart.key(key('Enter'))).toBe(true);
    expect(tools.smart.state).toBe('idle');
    tools.smart.down(at(2, 2));
    expect(host.calls.map((c) => c[0] + ':' + c[1])).toEqual(['begin:o1', 'click:o1', 'accept:o1', 'begin:o2', 'click:o2']);
  });

  it('Escape cancels a new object; refining a selected mask reports wasNew=false', () => {
    const { host, tools } = setup();
    tools.smart.down(at(1, 1));
    tools.smart.key(key('Escape'));
    expect(host.calls.at(-1)).toEqual(['cancel', 'o1', true]);
    host.masks.add('m');
    host.selectedId = 'm' as ObjectId;
    tools.smart.down(at(5, 5));
    expect(host.calls.at(-1)).toEqual(['click', 'm', true]);
    tools.smart.key(key('Escape'));
    expect(host.calls.at(-1)).toEqual(['cancel', 'm', false]);
  });

  it('does not refine a locked object and tells read-only users why nothing happens', () => {
    const { host, tools } = setup();
    host.masks.add('m');
    host.locked.add('m');
    host.selectedId = 'm' as ObjectId;
    tools.smart.down(at(5, 5));
    expect(host.calls[0]).toEqual(['begin', 'o1']);
    const ro = setup();
    ro.host.canEdit = false;
    ro.tools.smart.down(at(5, 5));
    expect(ro.host.calls).toEqual([]);
    expect(ro.host.messages[0]).toMatch(/not edit/);
  });
});

describe('box tool', () => {
  it('drag draws a box, then clicks refine the same object', () => {
    const { host, tools } = setup();
    const t = tools.box;
    t.down(at(50, 40));
    expect(t.state).toBe('dragging');
    t.move(at(10, 90));
    expect(host.preview).toEqual({ kind: 'box', box: [10, 40, 50, 90] });
    t.up(at(10, 90));
    expect(t.state).toBe('refining');
    t.down(at(30, 60, { alt: true }));
    expect(host.calls).toEqual([['begin', 'o1'], ['box', 'o1', [10, 40, 50, 90]], ['click', 'o1', false]]);
    expect(host.preview).toBeNull();
  });

  it('ignores a box smaller than a few screen pixels', () => {
    const { host, tools } = setup();
    tools.box.down(at(10, 10, { scale: 2 }));
    tools.box.up(at(11, 11, { scale: 2 }));
    expect(host.calls).toEqual([]);
    expect(tools.box.state).toBe('idle');
  });
});

describe('scribble tool', () => {
  it('sends each finished stroke with its polarity', () => {
    const { host, tools } = setup();
    const t = tools.scribble;
    t.down(at(0, 0));
    for (let i = 1; i <= 5; i++) t.move(at(i * 3, 0));
    expect(t.state).toBe('drawing');
    t.up(at(15, 0));
    t.down(at(0, 10, { button: 2 }));
    t.move(at(5, 10, { button: 2 }));
    t.up(at(5, 10));
    expect(host.calls).toEqual([['begin', 'o1'], ['scribble', 'o1', 6, true], ['scribble', 'o1', 2, false]]);
    expect(t.state).toBe('active');
  });
});

describe('brush and eraser', () => {
  it('brush commits one stroke on release, into the selection or a new object', () => {
    const { host, tools } = setup();
    tools.brush.down(at(0, 0));
    tools.brush.move(at(10, 0));
    tools.brush.move(at(20, 0));
    expect(host.preview?.kind).toBe('stroke');
    tools.brush.up(at(20, 0));
    expect(host.calls).toEqual([['paint', null, 3, 5, 1]]);
    host.selectedId = 's' as ObjectId;
    tools.brush.down(at(0, 0));
    tools.brush.up(at(0, 0));
    expect(host.calls.at(-1)).toEqual(['paint', 's', 1, 5, 1]);
  });

  it('eraser takes the object under the cursor when nothing is selected, else says so', () => {
    const { host, tools } = setup();
    tools.eraser.down(at(0, 0));
    expect(host.messages).toHaveLength(1);
    host.under = 'u' as ObjectId;
    tools.eraser.down(at(0, 0));
    tools.eraser.up(at(0, 0));
    expect(host.calls).toEqual([['paint', 'u', 1, 5, 0]]);
    expect(host.selectedId).toBe('u');
  });
});

describe('polygon and lasso', () => {
  it('polygon closes on a click near the first vertex', () => {
    const { host, tools } = setup();
    const t = tools.polygon;
    t.down(at(0, 0));
    t.down(at(100, 0));
    t.down(at(100, 100));
    t.down(at(3, 3)); // within 8 screen px of the first vertex
    expect(host.calls).toEqual([['fill', 3, 'new']]);
    expect(t.state).toBe('idle');
  });

  it('polygon: Backspace removes a vertex, Enter closes, Escape cancels', () => {
    const { host, tools } = setup();
    const t = tools.polygon;
    for (const p of [[0, 0], [50, 0], [50, 50], [0, 50], [9, 9]]) t.down(at(p[0], p[1]));
    t.key(key('Backspace'));
    t.key(key('Enter'));
    expect(host.calls).toEqual([['fill', 4, 'new']]);
    t.down(at(0, 0));
    t.key(key('Escape'));
    expect(t.state).toBe('idle');
    expect(host.calls).toHaveLength(1);
  });

  it('lasso fills on release; Alt with a selection subtracts', () => {
    const { host, tools } = setup();
    host.selectedId = 's' as ObjectId;
    tools.lasso.down(at(0, 0, { alt: true }));
    tools.lasso.move(at(40, 0));
    tools.lasso.move(at(40, 40));
    tools.lasso.up(at(40, 40));
    expect(host.calls).toEqual([['fill', 3, 'subtract']]);
  });
});

describe('select tool', () => {
  it('click selects what is under the cursor, drag moves it on release', () => {
    const { host, tools } = setup();
    host.under = 'a' as ObjectId;
    tools.select.down(at(10, 10));
    expect(host.selectedId).toBe('a');
    tools.select.move(at(15.2, 7.6));
    expect(host.preview).toEqual({ kind: 'move', ids: ['a'], dx: 5, dy: -2 });
    tools.select.up(at(15.2, 7.6));
    expect(host.calls).toEqual([['move', ['a'], 5, -2]]);
  });

  it('a locked object is selected but not moved; clicking empty space clears the selection', () => {
    const { host, tools } = setup();
    host.under = 'a' as ObjectId;
    host.locked.add('a');
    tools.select.down(at(10, 10));
    tools.select.move(at(30, 30));
    tools.select.up(at(30, 30));
    expect(host.calls).toEqual([]);
    host.under = null;
    tools.select.down(at(0, 0));
    expect(host.selectedId).toBeNull();
  });

  it('Shift-click adds to the selection and takes out; dragging one of several moves all the unlocked ones', () => {
    const { host, tools } = setup();
    host.under = 'a' as ObjectId;
    tools.select.down(at(10, 10));
    tools.select.up(at(10, 10));
    for (const id of ['b', 'c', 'd']) {
      host.under = id as ObjectId;
      tools.select.down(at(20, 20, { shift: true }));
      tools.select.up(at(20, 20, { shift: true }));
    }
    host.under = 'c' as ObjectId;
    tools.select.down(at(20, 20, { shift: true })); // c out again
    tools.select.up(at(20, 20, { shift: true }));
    expect(host.selectedIds()).toEqual(['a', 'b', 'd']);
    host.locked.add('d');
    host.under = 'b' as ObjectId;
    tools.select.down(at(20, 20));
    expect(host.selectedIds()).toEqual(['a', 'b', 'd']); // pressing a selected one keeps the rest
    tools.select.move(at(23, 24));
    expect(host.preview).toEqual({ kind: 'move', ids: ['a', 'b'], dx: 3, dy: 4 });
    tools.select.up(at(23, 24));
    expect(host.calls).toEqual([['move', ['a', 'b'], 3, 4]]);
    expect(host.selectedIds()).toEqual(['a', 'b', 'd']);
  });

  it('arrow keys nudge the selected unlocked masks a pixel, Shift ten; nothing selected leaves the keys alone', () => {
    const { host, tools } = setup();
    const k = (key: string, shift = false) => ({ key, alt: false, shift, ctrl: false });
    expect(tools.select.key(k('ArrowRight'))).toBe(false);
    host.selectMany(['a', 'b'] as ObjectId[], false);
    host.locked.add('b');
    expect(tools.select.key(k('ArrowRight'))).toBe(true);
    expect(tools.select.key(k('ArrowUp', true))).toBe(true);
    expect(host.calls).toEqual([
      ['move', ['a'], 1, 0],
      ['move', ['a'], 0, -10],
    ]);
  });

  it('a click without moving on one of several selected selects it alone (a read-only role too)', () => {
    const { host, tools } = setup();
    host.canEdit = false;
    host.selectMany(['a', 'b', 'c'] as ObjectId[], false);
    host.under = 'b' as ObjectId;
    tools.select.down(at(5, 5));
    tools.select.move(at(9, 9));
    expect(host.preview).toBeNull();
    tools.select.up(at(9, 9));
    expect(host.selectedIds()).toEqual(['b']);
    expect(host.calls).toEqual([]);
  });

  it('a drag from empty space selects what the marquee holds; Shift adds it; a shaky click is a click', () => {
    const { host, tools } = setup();
    host.selectMany(['x'] as ObjectId[], false);
    host.under = null;
    host.inside = ['a', 'b'] as ObjectId[];
    tools.select.down(at(100, 50, { scale: 2 }));
    expect(host.selectedIds()).toEqual([]); // a press on nothing clears, as a click does
    tools.select.move(at(40, 80, { scale: 2 }));
    expect(host.preview).toEqual({ kind: 'marquee', box: [40, 50, 100, 80] });
    tools.select.up(at(40, 80, { scale: 2 }));
    expect(host.preview).toBeNull();
    expect(host.calls).toEqual([['objectsIn', [40, 50, 100, 80]]]);
    expect(host.selectedIds()).toEqual(['a', 'b']);

    host.inside = ['b', 'c'] as ObjectId[];
    tools.select.down(at(0, 0, { shift: true, scale: 2 }));
    tools.select.move(at(30, 30, { shift: true, scale: 2 }));
    tools.select.up(at(30, 30, { shift: true, scale: 2 }));
    expect(host.selectedIds()).toEqual(['a', 'b', 'c']);

    host.calls = [];
    tools.select.down(at(0, 0, { scale: 2 }));
    tools.select.move(at(1.5, 0, { scale: 2 })); // 3 screen px
    tools.select.up(at(1.5, 0, { scale: 2 }));
    expect(host.calls).toEqual([]);
    expect(host.preview).toBeNull();
    expect(host.selectedIds()).toEqual([]);
  });
});
