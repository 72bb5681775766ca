// The editor's side of contract 5 (socket.io `/inference`, event `segment` with an ack).
// Each request carries the full prompt of the object; the latest request per object wins: an
// answer that arrives after a newer request for the same object was sent is dropped, so a slow
// answer never overwrites a newer mask.
import type { Rle } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';

export interface SegmentRequest {
  taskId: string;
  objectId?: string;
  clicks: Array<{ x: number; y: number; positive: boolean }>;
  box?: [number, number, number, number];
  scribbles?: Array<{ points: Array<[number, number]>; positive: boolean }>;
  prevMask?: Rle;
  model?: string;
}

export interface SegmentResult {
  mask: Rle;
  score: number;
  model: string;
  ms: number;
}

export type SegmentAck = { ok: true; data: SegmentResult } | { ok: false; error: { code: string; message: string } };

/** An object a detector found: its box in image pixels, the detector's class name, its score. */
export interface Detection {
  box: [number, number, number, number];
  label: string;
  score: number;
}

export type DetectAck = { ok: true; data: { detections: Detection[]; model: string; ms: number } } | { ok: false; error: { code: string; message: string } };

/** Whatever sends `segment` (and `detect`, where the server has a detector) and resolves with the ack (the socket.io client in lib/sync). */
export interface SegmentTransport {
  segment(req: SegmentRequest): Promise<SegmentAck>;
  detect?(req: { taskId: string; threshold?: number; model?: string }): Promise<DetectAck>;
}

export type SegmentOutcome =
  | { kind: 'mask'; result: SegmentResult }
  | { kind: 'stale' }
  | { kind: 'error'; code: string; message: string };

export class LatestWinsInference {
  private seq = 0;
  private latest = new Map<ObjectId, number>();
  private inFlight = 0;
  private listeners = new Set<() => void>();

  constructor(private transport: SegmentTransport) {}

  /** Number of requests waiting for an answer (for a busy indicator). */
  get pending(): number {
    return this.inFlight;
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Sends the request; resolves `stale` when a newer request for the object was made meanwhile. */
  async request(objectId: ObjectId, req: SegmentRequest): Promise<SegmentOutcome> {
    const mine = ++this.seq;
    this.latest.set(objectId, mine);
    this.inFlight++;
    this.emit();
    let ack: SegmentAck;
    try {
      ack = await this.transport.segment(req);
    } catch (e) {
      ack = { ok: false, error: { code: 'unavailable', message: e instanceof Error ? e.message : String(e) } };
    } finally {
      this.inFlight--;
      this.emit();
    }
    if (this.latest.get(objectId) !== mine) return { kind: 'stale' };
    this.latest.delete(objectId);
    if (!ack.ok) return ack.error.code === 'stale' ? { kind: 'stale' } : { kind: 'error', ...ack.error };
    return { kind: 'mask', result: ack.data };
  }

  /** Forget pending requests of an object (cancelled or deleted): their answers become stale. */
  forget(objectId: ObjectId): void {
    this.latest.set(objectId, ++this.seq);
  }

  private emit(): void {
    for (const cb of this.listeners) cb();
  }
}
