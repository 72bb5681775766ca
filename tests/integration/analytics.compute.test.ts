// Analytics on a hand-built project whose figures are worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import { computeAnalytics, type AnalyticsTaskInput, type VerdictEvent } from '../../server/analytics/computeAnalytics';
import { analyticsCsv } from '../../server/analytics/analyticsCsv';
import type { HistoryEntry } from '../../server/dataset/history/historyDoc';
import type { AnnotationObject } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import { encodeRle } from '../../shared/codecs/rle';

const S = 1000; // ms per second
const click = (by: string, at: number) => ({ x: 1, y: 1, positive: true, by, at });
const obj = (id: string, by: string, clicks: number[], createdAt: number, updatedAt: number, source = 'model'): AnnotationObject => ({
  id: id as ObjectId, label: 'cat', mask: null, clicks: clicks.map((t) => click(by, t)), createdBy: by, createdAt, updatedBy: by, updatedAt, source,
});
const version = (objectId: string, by: string, updatedAt: number, kind: HistoryEntry['kind'] = 'mask'): HistoryEntry => ({
  id: `${objectId}-${updatedAt}`, objectId, at: updatedAt + 1500, by, kind, label: 'cat', mask: null, clicks: [], updatedAt,
});
const verdict = (v: VerdictEvent['verdict'], at: number): VerdictEvent => ({ verdict: v, by: 'rev', at });

function project(): AnalyticsTaskInput[] {
  return [
    {
      taskId: 't1',
      taskName: 'one.jpg',
      objects: [
        // u1: 3 clicks 0..5 s, accepted at 6 s, approved at 100 s.
        obj('o1', 'u1', [0, 2 * S, 5 * S], 0, 6 * S),
        // u1: 2 clicks 10..12 s, accepted at 14 s; changes requested at 120 s, fixed at 130 s and
        // 140 s (2 corrections), approved at 200 s.
        obj('o2', 'u1', [10 * S, 12 * S], 10 * S, 140 * S),
      ],
      versions: new Map([
        ['o1', [version('o1', 'u1', 6 * S, 'created')]],
        ['o2', [version('o2', 'u1', 14 * S, 'created'), version('o2', 'u1', 130 * S), version('o2', 'u1', 140 * S)]],
      ]),
      verdicts: new Map([
        ['o1', [verdict('approved', 100 * S)]],
        ['o2', [verdict('changes_requested', 120 * S), verdict('approved', 200 * S)]],
      ]),
    },
    {
      taskId: 't2',
      taskName: 'two.jpg',
      objects: [
        // u2: a brush object (no clicks) 50..60 s, never reviewed.
        obj('o3', 'u2', [], 50 * S, 60 * S, 'brush'),
        // u2: 2 clicks at 1200 s and 1260 s, accepted at 1290 s (90 s), never reviewed.
        obj('o4', 'u2', [1200 * S, 1260 * S], 1200 * S, 1290 * S),
      ],
      versions: new Map(),
      verdicts: new Map(),
    },
  ];
}

describe('analytics', () => {
  const a = computeAnalytics(project(), new Map([['u1', 'Ana'], ['u2', 'Ben']]));

  it('per object: time from first click to accept, clicks, corrections after review', () => {
    const by = new Map(a.objects.map((o) => [o.objectId, o]));
    expect(by.get('o1')).toMatchObject({ clicks: 3, timeToAcceptMs: 6 * S, firstVerdict: 'approved', verdict: 'approved', corrections: 0 });
    expect(by.get('o2')).toMatchObject({ clicks: 2, timeToAcceptMs: 4 * S, firstVerdict: 'changes_requested', verdict: 'approved', corrections: 2 });
    expect(by.get('o3')).toMatchObject({ clicks: 0, timeToAcceptMs: null, firstVerdict: null, corrections: 0, source: 'brush' });
    expect(by.get('o4')).toMatchObject({ clicks: 2, timeToAcceptMs: 90 * S, corrections: 0 });
  });

  it('per annotator: objects per hour over active time, clicks per object, review pass rate', () => {
    const [ana, ben] = [a.annotators.find((u) => u.userId === 'u1')!, a.annotators.find((u) => u.userId === 'u2')!];
    expect(ana.name).toBe('Ana');
    // Ana's activity runs 0..140 s without a gap over 5 min: 140 s active, 2 objects.
    expect(ana.activeMs).toBe(140 * S);
    expect(ana.objectsPerHour).toBeCloseTo(2 / (140 / 3600), 6);
    expect(ana.clicksPerObject).toBe(2.5);
    expect(ana.reviewed).toBe(2);
    expect(ana.approvedFirstTime).toBe(1);
    expect(ana.reviewPassRate).toBe(0.5);
    expect(ana.corrections).toBe(2);
    // Ben: 50..60 s (10 s), a 19-minute break (not counted), 1200..1290 s (90 s).
    expect(ben.activeMs).toBe(100 * S);
    expect(ben.objectsPerHour).toBeCloseTo(72, 6);
    expect(ben.clicksPerObject).toBe(1);
    expect(ben.reviewPassRate).toBeNull();
  });

  it('per project: union of activity (0..140 s and 1200..1290 s), pooled figures', () => {
    expect(a.project.objects).toBe(4);
    expect(a.project.clicks).toBe(7);
    expect(a.project.clicksPerObject).toBe(1.75);
    expect(a.project.activeMs).toBe(230 * S);
    expect(a.project.objectsPerHour).toBeCloseTo(4 / (230 / 3600), 6);
    expect(a.project.meanTimeToAcceptMs).toBeCloseTo(((6 + 4 + 90) / 3) * S, 6);
    expect(a.project.medianTimeToAcceptMs).toBe(6 * S);
    expect(a.project.reviewPassRate).toBe(0.5);
    expect(a.project.corrections).toBe(2);
  });

  it('counts a correction the recorder has not seen yet from the live object', () => {
    const t = project();
    t[0].versions.set('o2', [version('o2', 'u1', 14 * S, 'created')]); // corrections not recorded
    const o2 = computeAnalytics(t).objects.find((o) => o.objectId === 'o2')!;
    expect(o2.corrections).toBe(1);
    expect(o2.timeToAcceptMs).toBe(4 * S);
  });

  it('writes the same figures as CSV', () => {
    const csv = analyticsCsv(a, 'annotators').split('\r\n');
    expect(csv[0]).toBe('user_id,name,objects,clicks,clicks_per_object,active_ms,objects_per_hour,mean_time_to_accept_ms,median_time_to_accept_ms,reviewed,approved_first_time,review_pass_rate,corrections,mean_kept_iou');
    // Both of Ana's approved objects have no mask in this project: kept whole (1).
    expect(csv).toContain('u1,Ana,2,5,2.5000,140000,51.4286,5000,5000,2,1,0.5000,2,1');
    expect(csv.find((l) => l.startsWith('*,project,'))).toBe('*,project,4,7,1.7500,230000,62.6087,33333.3333,6000,2,1,0.5000,2,1');
    const objects = analyticsCsv(a, 'objects').split('\r\n');
    expect(objects[0]).toBe('task_id,task_name,object_id,label,created_by,source,clicks,time_to_accept_ms,first_verdict,verdict,corrections,kept_iou,created_from');
    expect(objects).toContain('t1,one.jpg,o2,cat,u1,model,2,4000,changes_requested,approved,2,1,');
    expect(objects).toContain('t2,two.jpg,o3,cat,u2,brush,0,,,,0,,');
  });

  it('measures how much of each approved mask survived review: the IoU of the mask as first judged with the mask now', () => {
    // 10x10 masks: the first `rows` rows set.
    const rows = (n: number) => encodeRle(Uint8Array.from({ length: 100 }, (_, i) => (i < n * 10 ? 1 : 0)), 10, 10);
    const withMask = (o: AnnotationObject, m: ReturnType<typeof rows>) => ({ ...o, mask: m });
    const at = (v: HistoryEntry, m: ReturnType<typeof rows>) => ({ ...v, mask: m });
    const t: AnalyticsTaskInput = {
      taskId: 't1',
      taskName: 'one.jpg',
      objects: [
        withMask(obj('kept', 'u1', [0], 0, 6 * S), rows(5)), // approved as submitted
        withMask(obj('redrawn', 'u1', [0], 0, 140 * S), rows(6)), // judged at 5 rows, approved at 6
        withMask(obj('asked', 'u1', [0], 0, 6 * S), rows(5)), // changes requested, not fixed yet
        withMask(obj('fresh', 'u1', [0], 0, 6 * S), rows(5)), // never reviewed
      ],
      versions: new Map([
        ['kept', [at(version('kept', 'u1', 6 * S, 'created'), rows(5))]],
        ['redrawn', [at(version('redrawn', 'u1', 6 * S, 'created'), rows(5)), at(version('redrawn', 'u1', 140 * S), rows(6))]],
        ['asked', [at(version('asked', 'u1', 6 * S, 'created'), rows(5))]],
      ]),
      verdicts: new Map([
        ['kept', [verdict('approved', 100 * S)]],
        ['redrawn', [verdict('changes_requested', 120 * S), verdict('approved', 200 * S)]],
        ['asked', [verdict('changes_requested', 120 * S)]],
      ]),
    };
    const r = computeAnalytics([t]);
    const kept = new Map(r.objects.map((o) => [o.objectId, o.keptIou]));
    expect(Object.fromEntries(kept)).toEqual({ kept: 1, redrawn: 50 / 60, asked: null, fresh: null });
    expect(r.annotators[0].meanKeptIou).toBeCloseTo((1 + 50 / 60) / 2, 10);
    expect(r.project.meanKeptIou).toBeCloseTo((1 + 50 / 60) / 2, 10);
    expect(computeAnalytics([{ ...t, verdicts: new Map() }]).project.meanKeptIou).toBeNull();
  });

  it('lists every comment thread for the QA report, with where it is and who settled it, also as CSV', () => {
    const t = project();
    const msg = (by: string, text: string) => ({ id: `${by}-${text.length}`, by, at: 1, text, mentions: [] });
    t[0].threads = [
      { id: 'th1', objectId: 'o2', x: 12, y: 7, createdBy: 'u3', createdAt: 120 * S, resolved: true, resolvedBy: 'u1', resolvedAt: 135 * S, messages: [msg('u3', 'the tail, "please"'), msg('u1', 'done')] },
      { id: 'th2', objectId: null, x: 30, y: 20, createdBy: 'u3', createdAt: 150 * S, resolved: false, messages: [msg('u3', 'a cat is missing here')] },
    ];
    const r = computeAnalytics(t, new Map([['u1', 'Ana'], ['u3', 'Rita']]));
    expect(r.threads).toEqual([
      expect.objectContaining({ taskName: 'one.jpg', threadId: 'th1', objectId: 'o2', label: 'cat', createdByName: 'Rita', resolved: true, resolvedByName: 'Ana', messages: 2 }),
      expect.objectContaining({ threadId: 'th2', objectId: null, label: null, resolved: false, resolvedBy: null, firstMessage: 'a cat is missing here' }),
    ]);
    const csv = analyticsCsv(r, 'threads').split('\r\n');
    expect(csv[0]).toBe('task_id,task_name,thread_id,object_id,label,x,y,created_by,created_at,resolved,resolved_by,resolved_at,messages,first_message');
    expect(csv[1]).toBe('t1,one.jpg,th1,o2,cat,12,7,Rita,1970-01-01T00:02:00.000Z,true,Ana,1970-01-01T00:02:15.000Z,2,"the tail, ""please"""');
    expect(csv[2]).toBe('t1,one.jpg,th2,,,30,20,Rita,1970-01-01T00:02:30.000Z,false,,,1,a cat is missing here');
    expect(a.threads).toEqual([]); // tasks without threads gathered
  });

  it('per reviewer: every verdict given, the share that asked for changes, the threads raised; also as CSV', () => {
    const t = project();
    // o2 was asked to change then approved by 'rev'; o1 approved by 'rev'; Rita raised one thread.
    t[0].threads = [{ id: 'th', objectId: null, x: 0, y: 0, createdBy: 'u3', createdAt: 1, resolved: false, messages: [{ id: 'm', by: 'u3', at: 1, text: 'missing one', mentions: [] }] }];
    const r = computeAnalytics(t, new Map([['rev', 'Rev'], ['u3', 'Rita']]));
    expect(r.reviewers).toEqual([
      { userId: 'rev', name: 'Rev', verdicts: 3, approved: 2, changesRequested: 1, requestRate: 1 / 3, threadsRaised: 0 },
      { userId: 'u3', name: 'Rita', verdicts: 0, approved: 0, changesRequested: 0, requestRate: null, threadsRaised: 1 },
    ]);
    const csv = analyticsCsv(r, 'reviewers').split('\r\n');
    expect(csv.slice(0, 3)).toEqual(['user_id,name,verdicts,approved,changes_requested,request_rate,threads_raised', 'rev,Rev,3,2,1,0.3333,0', 'u3,Rita,0,0,0,,1']);
  });
});
