// socket.io client of the `/inference` namespace (contract 5, and `detect`). Implements the
// editor's SegmentTransport; the editor adds the latest-wins rule on top.
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { RleSchema } from '../../../shared/codecs/rle';
import { ackOf } from '../../../shared/protocol/inference';
import type { DetectAck, SegmentAck, SegmentRequest, SegmentTransport } from '../editor/inferenceClient';

/** A request that gets no answer in this time (ms) fails with `timeout`. */
const ACK_TIMEOUT_MS = 30_000;

const DetectAckSchema = ackOf(
  z.object({
    detections: z.array(z.object({ box: z.tuple([z.number(), z.number(), z.number(), z.number()]), label: z.string(), score: z.number() })),
    model: z.string(),
    ms: z.number(),
  }),
);

const AckSchema = ackOf(z.object({ mask: RleSchema, score: z.number(), model: z.string(), ms: z.number() }));

export class InferenceSocket implements SegmentTransport {
  readonly socket: Socket;
  private listeners = new Set<() => void>();
  connected = false;

  constructor(origin: string, token: string, private taskId: string) {
    this.socket = io(`${origin}/inference`, { auth: { token }, transports: ['websocket'] });
    this.socket.on('connect', () => {
      this.connected = true;
      // Warm a worker with this image so the first click is fast.
      this.socket.emit('prefetch', { taskId: this.taskId });
      this.emit();
    });
    this.socket.on('disconnect', () => {
      this.connected = false;
      this.emit();
    });
  }

  /** Asks a worker to load the task expected next into its spare room, once it is idle. */
  prefetchAhead(taskId: string): void {
    if (this.socket.connected && taskId !== this.taskId) this.socket.emit('prefetch', { taskId, ahead: true });
  }

  segment(req: SegmentRequest): Promise<SegmentAck> {
    return this.ask('segment', req, AckSchema);
  }

  detect(req: { taskId: string; threshold?: number; model?: string }): Promise<DetectAck> {
    return this.ask('detect', req, DetectAckSchema);
  }

  private async ask<T>(event: string, req: unknown, schema: z.ZodType<T>): Promise<T | { ok: false; error: { code: string; message: string } }> {
    if (!this.socket.connected) return { ok: false, error: { code: 'unavailable', message: 'not connected to the inference service' } };
    let raw: unknown;
    try {
      raw = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, req);
    } catch {
      return { ok: false, error: { code: 'timeout', message: 'the model did not answer in time' } };
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return { ok: false, error: { code: 'validation_failed', message: 'unexpected answer from the inference service' } };
    return parsed.data;
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(): void {
    for (const cb of this.listeners) cb();
  }

  destroy(): void {
    this.socket.disconnect();
    this.listeners.clear();
  }
}
