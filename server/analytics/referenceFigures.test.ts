import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { appendHistory } from '../dataset/history/historyDoc';
import { readStatuses, recordStatus, sentOn, stateAt } from '../dataset/history/submissions';
import { scoreSubmission, type ScoredObject } from '../../shared/schema/referenceScore';
import { referenceFigures } from './referenceFigures';
import { rectRle } from '../../tests/helpers/rectRle';

const W = 40;
const H = 30;
const rect = (x0: number, y0: number, x1: number, y1: number) => rectRle(W, H, x0, y0, x1, y1);
const obj = (label: string, mask = rect(0, 0, 10, 10), attributes: ScoredObject['attributes'] = {}): ScoredObject => ({ label, mask, attributes });
const specs = (label: string) => (label === 'car' ? [{ name: 'occluded', type: 'checkbox' as const }, { name: 'colour', type: 'select' as const, options: ['red', 'blue'], default: 'red' }] : undefined);

describe('scoring a submission against the reference', () => {
  it('pairs each object once, the best pair first, and tells a wrong label from a miss', () => {
    const reference = { objects: [obj('car', rect(0, 0, 10, 10)), obj('person', rect(20, 0, 30, 10)), obj('car', rect(0, 15, 10, 25))], image: {} };
    const sent = {
      objects: [
        obj('car', rect(0, 0, 10, 9)), // the first car, IoU 0.9
        obj('car', rect(0, 0, 10, 8)), // the same car again: extra (IoU 0.8, taken already)
        obj('truck', rect(20, 0, 30, 10)), // the person's mask, wrong label
        obj('car', rect(30, 20, 40, 30)), // nothing there: extra
      ],
      image: {},
    };
    const t = scoreSubmission(reference, sent, specs);
    expect(t).toMatchObject({ objects: 3, found: 1, wrongLabel: 1, missed: 1, extra: 2 });
    expect(t.iouSum).toBeCloseTo(0.9, 9);
  });

  it('does not pair masks that overlap by less than half', () => {
    const t = scoreSubmission({ objects: [obj('car', rect(0, 0, 10, 10))], image: {} }, { objects: [obj('car', rect(5, 0, 15, 10))], image: {} }, specs); // IoU 1/3
    expect(t).toMatchObject({ found: 0, missed: 1, extra: 1 });
  });

  it('compares attribute values as the editor shows them, defaults included, and the image\'s', () => {
    const reference = { objects: [obj('car', rect(0, 0, 10, 10), { occluded: false, colour: 'red' })], image: { weather: 'rain' } };
    // occluded never set (false by default) agrees; colour blue does not; weather agrees.
    const t = scoreSubmission(reference, { objects: [obj('car', rect(0, 0, 10, 10), { colour: 'blue' })], image: { weather: 'rain' } }, specs, [{ name: 'weather', type: 'select', options: ['clear', 'rain'] }]);
    expect(t).toMatchObject({ found: 1, attributesCompared: 3, attributesAgreed: 2 });
  });

  it('counts per annotator their first submission of each task, panoptic quality over all of them', () => {
    const reference = { objects: [obj('car', rect(0, 0, 10, 10)), obj('car', rect(20, 0, 30, 10))], image: {} };
    const perfect = { objects: reference.objects, image: {} };
    const half = { objects: [reference.objects[0]], image: {} };
    const f = referenceFigures(
      [
        { taskId: 't1', taskName: 'a.jpg', reference, submissions: [{ by: 'u1', at: 1, ...half }, { by: 'u1', at: 3, ...perfect }] },
        { taskId: 't2', taskName: 'b.jpg', reference, submissions: [{ by: 'u1', at: 2, ...perfect }, { by: 'u2', at: 4, objects: [], image: {} }] },
      ],
      new Map([['u1', 'Ana']]),
      specs,
    );
    expect(f.submissions.map((s) => [s.taskName, s.name, s.first, s.quality])).toEqual([
      ['a.jpg', 'Ana', true, 1 / 1.5],
      ['b.jpg', 'Ana', true, 1],
      ['a.jpg', 'Ana', false, 1],
      ['b.jpg', 'u2', true, 0],
    ]);
    expect(f.annotators.map((a) => [a.name, a.tasks, a.found, a.missed, a.quality])).toEqual([
      ['Ana', 2, 3, 1, 3 / 3.5],
      ['u2', 1, 0, 2, 0],
    ]);
    expect(f.annotators[0].attributeAgreement).toBe(1); // colour and occluded on each found car
    // Per label, over the first submissions: 6 cars in the answers, 3 found, 3 missed.
    expect(f.byLabel).toEqual([{ label: 'car', objects: 6, found: 3, wrongLabel: 0, missed: 3, extra: 0, meanIou: 1 }]);
  });

  it("tells per label what the team gets wrong: the answer's label for a miss or a wrong label, the sent one for an extra", () => {
    const reference = { objects: [obj('car', rect(0, 0, 10, 10)), obj('person', rect(20, 0, 30, 10))], image: {} };
    const sent = { objects: [obj('car', rect(0, 0, 10, 9)), obj('truck', rect(20, 0, 30, 10)), obj('bike', rect(30, 20, 40, 30))], image: {} };
    const f = referenceFigures([{ taskId: 't', taskName: 'a.jpg', reference, submissions: [{ by: 'u1', at: 1, ...sent }] }], new Map(), specs);
    expect(f.byLabel.map((l) => [l.label, l.objects, l.found, l.wrongLabel, l.missed, l.extra, l.meanIou])).toEqual([
      ['car', 1, 1, 0, 0, 0, 0.9],
      ['person', 1, 0, 1, 0, 0, null],
      ['bike', 0, 0, 0, 0, 1, null],
    ]);
  });

  it("names who else changed what a submission sent; the score stays the submitter's", () => {
    const reference = { objects: [obj('car', rect(0, 0, 10, 10)), obj('car', rect(20, 0, 30, 10))], image: {} };
    const f = referenceFigures(
      [{ taskId: 't1', taskName: 'a.jpg', reference, submissions: [{ by: 'u1', at: 1, ...reference, drawers: ['u1', 'u2', 'u1', 'u3'] }] }],
      new Map([['u1', 'Ana'], ['u2', 'Ben']]),
      specs,
    );
    expect(f.submissions[0]).toMatchObject({ name: 'Ana', with: ['Ben', 'u3'], found: 2 });
    expect(f.annotators.map((a) => a.name)).toEqual(['Ana']);
  });

  it('has no quality where there was nothing to find and nothing was drawn', () => {
    expect(referenceFigures([{ taskId: 't', taskName: 'sky.jpg', reference: { objects: [], image: {} }, submissions: [{ by: 'u1', at: 1, objects: [], image: {} }] }], new Map(), specs).annotators[0].quality).toBeNull();
  });
});

describe('what a submission sent, from the task history', () => {
  const entry = (objectId: string, at: number, kind: 'created' | 'mask' | 'deleted', x: number) => ({ id: `${objectId}-${at}`, objectId, at, by: 'u1', kind, label: 'car', mask: rect(x, 0, x + 5, 5), clicks: [], updatedAt: at });

  it('lists the records that sent the task on from work, and the objects recorded with each', () => {
    const h = new Y.Doc();
    appendHistory(h, entry('o1', 10, 'created', 0));
    appendHistory(h, entry('o2', 10, 'created', 10));
    recordStatus(h, { status: 'in_review', by: 'u1', at: 9 }, 10);
    expect(recordStatus(h, { status: 'in_review', by: 'u1', at: 9 }, 11)).toBe(false); // seen again
    recordStatus(h, { status: 'done', by: 'rev', at: 15 }, 15); // an approval
    recordStatus(h, { status: 'todo', by: 'rev', at: 20 }, 20); // sent back
    appendHistory(h, entry('o1', 25, 'mask', 1));
    appendHistory(h, entry('o2', 25, 'deleted', 10));
    recordStatus(h, { status: 'in_review', by: 'u1', at: 30 }, 30);
    const subs = sentOn(readStatuses(h));
    expect(subs.map((s) => [s.status, s.at])).toEqual([['in_review', 9], ['in_review', 30]]);
    const at = (x: number) => rect(x, 0, x + 5, 5).counts;
    expect(stateAt(h, subs[0].recordedAt).objects.map((o) => [o.objectId, o.mask.counts])).toEqual([['o1', at(0)], ['o2', at(10)]]);
    expect(stateAt(h, subs[1].recordedAt).objects.map((o) => [o.objectId, o.mask.counts])).toEqual([['o1', at(1)]]);
  });
});
