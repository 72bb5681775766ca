import { describe, expect, it } from 'vitest';
import { encodeRle } from '../../shared/codecs/rle';
import type { AnnotationObject } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import type { HistoryEntry } from '../dataset/history/historyDoc';
import { IMPORTED_BOX, prelabelFigures } from './prelabelFigures';

const W = 10;
const H = 10;
/** A mask of the columns x0..x1-1, every row. */
const cols = (x0: number, x1: number) => {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
  return encodeRle(m, W, H);
};

function obj(id: string, label: string, over: Partial<AnnotationObject> = {}): AnnotationObject {
  return { id: id as ObjectId, label, mask: cols(0, 4), clicks: [], createdBy: 'ana', createdAt: 1, updatedBy: 'ana', updatedAt: 1, source: 'detector', createdFrom: 'detector', ...over };
}
function version(objectId: string, label: string, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return { id: `v-${objectId}`, objectId, at: 1, by: 'ana', kind: 'created', label, mask: cols(0, 4), clicks: [], source: 'detector', createdFrom: 'detector', updatedAt: 1, ...over };
}

describe('prelabelFigures', () => {
  it('tells untouched, redrawn (with how far), relabelled and deleted pre-labels apart, per label', () => {
    const objects = [
      obj('a', 'car'), // untouched
      obj('b', 'car', { mask: cols(0, 2), source: 'model' }), // redrawn: half of it kept
      obj('c', 'truck', { source: 'detector' }), // made as a car, relabelled a truck
      obj('d', 'person', { createdFrom: undefined, source: 'model' }), // drawn by hand: not a pre-label
    ];
    const versions = new Map([
      ['a', [version('a', 'car')]],
      ['b', [version('b', 'car'), version('b', 'car', { kind: 'mask', mask: cols(0, 2), source: 'model' })]],
      ['c', [version('c', 'car')]],
      ['d', [version('d', 'person', { source: 'model', createdFrom: undefined })]],
    ]);
    const deleted = [version('e', 'car', { kind: 'deleted' }), version('f', 'person', { kind: 'deleted', createdFrom: undefined })];
    const f = prelabelFigures([{ objects, versions, deleted }]);
    expect(f).toMatchObject({ added: 4, untouched: 1, redrawn: 1, relabelled: 1, deleted: 1, meanIouRedrawn: 0.5 });
    expect(f.byLabel).toEqual([
      { label: 'car', added: 4, untouched: 1, redrawn: 1, relabelled: 1, deleted: 1, meanIouRedrawn: 0.5 },
    ]);
  });

  it('counts a redrawn pre-label whose first version was not recorded, without an IoU', () => {
    const f = prelabelFigures([{ objects: [obj('a', 'car', { source: 'brush' })], versions: new Map() }]);
    expect(f).toMatchObject({ added: 1, redrawn: 1, meanIouRedrawn: null });
  });

  it('is all zero without pre-labels', () => {
    expect(prelabelFigures([{ objects: [obj('x', 'car', { createdFrom: undefined })], versions: new Map() }])).toEqual({
      added: 0, untouched: 0, redrawn: 0, relabelled: 0, deleted: 0, meanIouRedrawn: null, byLabel: [],
    });
  });
});

describe('pre-labels in the throughput figures', () => {
  it('are not anyone’s objects per hour, clicks or time per object', async () => {
    const { computeAnalytics } = await import('./computeAnalytics');
    const made = obj('m', 'car', { createdFrom: undefined, source: 'model', clicks: [{ x: 1, y: 1, positive: true, by: 'ana', at: 1000 }], createdAt: 1000, updatedAt: 61_000 });
    const detected = Array.from({ length: 50 }, (_, i) => obj(`d${i}`, 'car', { createdBy: 'ana', createdAt: 400_000 + i * 1000, updatedAt: 400_000 + i * 1000 }));
    const a = computeAnalytics([{ taskId: 't', taskName: 't.jpg', objects: [made, ...detected], versions: new Map(), verdicts: new Map() }]);
    expect(a.project.objects).toBe(1);
    expect(a.annotators).toEqual([expect.objectContaining({ userId: 'ana', objects: 1, clicksPerObject: 1, activeMs: 60_000 })]);
    expect(a.objects).toHaveLength(51); // still listed, with their source
    expect(a.prelabels.added).toBe(50);
  });

  it('nor are an import\'s objects, nor the masks made from its boxes, nor what an import made before it said so', async () => {
    const { computeAnalytics } = await import('./computeAnalytics');
    const made = obj('m', 'car', { createdFrom: undefined, source: 'model', clicks: [{ x: 1, y: 1, positive: true, by: 'ana', at: 1000 }], createdAt: 1000, updatedAt: 61_000 });
    const imported = Array.from({ length: 30 }, (_, i) => obj(`i${i}`, 'car', { source: 'import', createdFrom: 'import', createdAt: 400_000 + i, updatedAt: 400_000 + i }));
    const boxes = Array.from({ length: 20 }, (_, i) => obj(`b${i}`, 'car', { source: 'import', createdFrom: 'box', createdAt: 500_000 + i, updatedAt: 500_000 + i }));
    // Imported before imports set createdFrom: one redrawn since (its first version says it came in), one as it came.
    const older = [obj('o1', 'car', { source: 'model', createdFrom: undefined, createdAt: 2, updatedAt: 9, updatedBy: 'ben' }), obj('o2', 'car', { source: 'import', createdFrom: undefined, createdAt: 3, updatedAt: 3 })];
    const versions = new Map([['o1', [version('o1', 'car', { source: 'import', createdFrom: undefined })]]]);
    const a = computeAnalytics([{ taskId: 't', taskName: 't.jpg', objects: [made, ...imported, ...boxes, ...older], versions, verdicts: new Map() }]);
    expect(a.project.objects).toBe(1);
    expect(a.annotators).toEqual([expect.objectContaining({ userId: 'ana', objects: 1, activeMs: 60_000 })]);
    expect(a.objects.filter((o) => o.createdFrom === 'import')).toHaveLength(32);
    expect([a.prelabels.added, a.boxMasks.added]).toEqual([0, 20]);
  });
});

describe('the masks made from imported boxes', () => {
  it('tells untouched, redrawn (with how far) and deleted ones apart, the detector\'s left out', () => {
    const box = (id: string, over: Partial<AnnotationObject> = {}) => obj(id, 'car', { source: 'import', createdFrom: 'box', ...over });
    const made = (id: string, over: Partial<HistoryEntry> = {}) => version(id, 'car', { source: 'import', createdFrom: 'box', ...over });
    const objects = [box('a'), box('b', { mask: cols(0, 1), source: 'model' }), box('c', { label: 'van' }), obj('d', 'car')];
    const versions = new Map([['a', [made('a')]], ['b', [made('b')]], ['c', [made('c')]], ['d', [version('d', 'car')]]]);
    const f = prelabelFigures([{ objects, versions, deleted: [made('e', { kind: 'deleted' }), version('f', 'car', { kind: 'deleted' })] }], IMPORTED_BOX);
    expect(f).toMatchObject({ added: 4, untouched: 1, redrawn: 1, relabelled: 1, deleted: 1, meanIouRedrawn: 0.25 });
  });
});
