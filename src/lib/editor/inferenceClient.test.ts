import { describe, expect, it } from 'vitest';
import type { ObjectId } from '../../../shared/schema/ids';
import { LatestWinsInference, type SegmentAck, type SegmentRequest, type SegmentTransport } from './inferenceClient';

/** A transport whose answers the test releases by hand, in any order. */
class ManualTransport implements SegmentTransport {
  waiting: Array<{ req: SegmentRequest; resolve: (a: SegmentAck) => void }> = [];
  segment(req: SegmentRequest) {
    return new Promise<SegmentAck>((resolve) => this.waiting.push({ req, resolve }));
  }
}
const ok = (counts: string): SegmentAck => ({ ok: true, data: { mask: { size: [1, 1], counts }, score: 1, model: 'm', ms: 1 } });
const A = 'a' as ObjectId;
const B = 'b' as ObjectId;

describe('latest request wins per object', () => {
  it('drops an answer that arrives after a newer request for the same object', async () => {
    const t = new ManualTransport();
    const inf = new LatestWinsInference(t);
    const first = inf.request(A, { taskId: 't', clicks: [{ x: 1, y: 1, positive: true }] });
    const second = inf.request(A, { taskId: 't', clicks: [{ x: 1, y: 1, positive: true }, { x: 2, y: 2, positive: false }] });
    expect(inf.pending).toBe(2);
    t.waiting[1].resolve(ok('new'));
    t.waiting[0].resolve(ok('old'));
    expect(await second).toMatchObject({ kind: 'mask', result: { mask: { counts: 'new' } } });
    expect(await first).toEqual({ kind: 'stale' });
    expect(inf.pending).toBe(0);
  });

  it('keeps objects independent and maps errors', async () => {
    const t = new ManualTransport();
    const inf = new LatestWinsInference(t);
    const a = inf.request(A, { taskId: 't', clicks: [] });
    const b = inf.request(B, { taskId: 't', clicks: [] });
    t.waiting[0].resolve({ ok: false, error: { code: 'busy', message: 'all workers busy' } });
    t.waiting[1].resolve(ok('b'));
    expect(await a).toEqual({ kind: 'error', code: 'busy', message: 'all workers busy' });
    expect((await b).kind).toBe('mask');
  });

  it('a forgotten object (cancelled) ignores its late answer; server-side stale is stale', async () => {
    const t = new ManualTransport();
    const inf = new LatestWinsInference(t);
    const a = inf.request(A, { taskId: 't', clicks: [] });
    inf.forget(A);
    t.waiting[0].resolve(ok('late'));
    expect(await a).toEqual({ kind: 'stale' });
    const b = inf.request(B, { taskId: 't', clicks: [] });
    t.waiting[1].resolve({ ok: false, error: { code: 'stale', message: 'newer request' } });
    expect(await b).toEqual({ kind: 'stale' });
  });
});
