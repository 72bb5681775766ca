/**
 * The inference wire protocol: the client namespace `/inference` (contract 5 of DESIGN.md) and
 * the worker namespace `/workers` (contract 6). One module for both sides, so event names and
 * payload shapes cannot drift between the browser, the server and the workers.
 *
 * Coordinates are image pixels of the task's image (x right, y down).
 */
import { z } from 'zod';
import { RleSchema, type Rle } from '../codecs/rle';
import type { ErrorBody } from './errors';

/** socket.io namespace for annotators' segmentation requests. */
export const INFERENCE_NAMESPACE = '/inference';
/** socket.io namespace that local and remote workers join with the worker token. */
export const WORKERS_NAMESPACE = '/workers';

/** Client events on `/inference` (names fixed by contract 5). */
export const InferenceEvents = {
  /** Client → server, with an ack: {@link SegmentRequest} → {@link SegmentAck}. */
  segment: 'segment',
  /** Client → server, optional ack: `{taskId}`: warm a worker with the task's image. */
  prefetch: 'prefetch',
  /** Client → server, with an ack: {@link DetectRequest} → {@link DetectAck}: objects a detector finds. */
  detect: 'detect',
} as const;

/** Events on `/workers`. */
export const WorkerEvents = {
  /** Worker → server once connected, with an ack: {@link WorkerHello} → `{ok, data: {workerId}}`. */
  hello: 'worker:hello',
  /** Server → worker, with an ack: {@link WorkerJob} → {@link WorkerJobAck}. */
  segment: 'worker:segment',
  /** Worker → server, with an ack: `{taskId}` → {@link WorkerImageAck} (the original image bytes). */
  image: 'worker:image',
  /** Server → worker, no ack: `{taskId, model}`: fetch and decode the image, run encoders. */
  prefetch: 'worker:prefetch',
  /** Server → worker, with an ack: {@link WorkerDetectJob} → {@link WorkerDetectAck}. */
  detect: 'worker:detect',
} as const;

/** Most clicks one request may carry (`too_many_clicks` beyond). */
export const MAX_CLICKS = 100;

const finite = z.number(); // zod 4 rejects NaN and ±Infinity in z.number()

/** A click in image pixels. */
export const ClickSchema = z.object({ x: finite, y: finite, positive: z.boolean() });
/** A click in image pixels. */
export type Click = z.infer<typeof ClickSchema>;

/** A box `[x0, y0, x1, y1]` in image pixels. */
export const BoxSchema = z.tuple([finite, finite, finite, finite]);

/** A scribble: a polyline of image-pixel points, positive (object) or negative (background). */
export const ScribbleSchema = z.object({
  points: z.array(z.tuple([finite, finite])).min(1).max(10_000),
  positive: z.boolean(),
});

/**
 * The `segment` payload. Shape only: the clicks limit ({@link MAX_CLICKS}) and the image bounds
 * are checked against the task by the server, so each has its own error code.
 */
export const SegmentRequestSchema = z.object({
  taskId: z.string().min(1).max(64),
  objectId: z.string().min(1).max(128).optional(),
  clicks: z.array(ClickSchema).max(100_000).default([]),
  box: BoxSchema.optional(),
  scribbles: z.array(ScribbleSchema).max(200).optional(),
  prevMask: RleSchema.optional(),
  model: z.string().min(1).max(128).optional(),
});
/** The `segment` payload after validation. */
export type SegmentRequest = z.infer<typeof SegmentRequestSchema>;

/**
 * The `prefetch` payload. `ahead`: the task is the one the editor expects to open next, so a worker
 * loads it only when idle and only into room it has spare, never evicting an image in use.
 */
export const PrefetchRequestSchema = z.object({ taskId: z.string().min(1).max(64), ahead: z.boolean().optional() });

/** A segmentation result. `ms` is the server-side time from request to answer. */
export interface SegmentResult {
  mask: Rle;
  score: number;
  model: string;
  ms: number;
}

/** Validates an ack whose success carries `data` (any error code passes; the receiver maps unknown ones). */
export function ackOf<T extends z.ZodType>(data: T) {
  return z.union([z.object({ ok: z.literal(true), data }), z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) })]);
}

/** Every ack on `/inference` and `/workers`: success with data, or an error body. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** The ack of `segment`. */
export type SegmentAck = Ack<SegmentResult>;

/** What `GET /api/models` lists and workers announce. */
export const ModelInfoSchema = z.object({
  id: z.string().min(1).max(128),
  /** 'onnx' | 'graphcut' | 'grabcut'. */
  engine: z.string().min(1).max(32),
  description: z.string().max(1000),
  /** Prompts it takes: clicks, box, scribbles, prevMask. */
  inputs: z.array(z.string().max(32)).max(8),
  default: z.boolean(),
});
/** A model as listed by `GET /api/models`. */
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

/** A detector as listed by `GET /api/detectors` and announced by workers: the classes it finds. */
export const DetectorInfoSchema = z.object({
  id: z.string().min(1).max(128),
  description: z.string().max(1000),
  classes: z.array(z.string().min(1).max(64)).min(1).max(1000),
  /** The score a detection needs unless the request says otherwise. */
  threshold: z.number().min(0).max(1),
});
/** A detector as listed by `GET /api/detectors`. */
export type DetectorInfo = z.infer<typeof DetectorInfoSchema>;

/** Most detections one answer carries (the highest scores). */
export const MAX_DETECTIONS = 100;

/** The `detect` payload: the task's image through a detector (the only one when `model` is absent). */
export const DetectRequestSchema = z.object({
  taskId: z.string().min(1).max(64),
  model: z.string().min(1).max(128).optional(),
  /** Keep detections scoring at least this (default: the detector's own threshold). */
  threshold: z.number().min(0.05).max(1).optional(),
});
export type DetectRequest = z.infer<typeof DetectRequestSchema>;

/** One object found: its box in image pixels, the detector's class name and its score. */
export const DetectionSchema = z.object({ box: BoxSchema, label: z.string().min(1).max(64), score: z.number().min(0).max(1) });
export type Detection = z.infer<typeof DetectionSchema>;

/** The ack of `detect`: the detections by falling score; `ms` from request to answer. */
export type DetectAck = Ack<{ detections: Detection[]; model: string; ms: number }>;

/** What every worker job names: itself, the task and its image's size, the model (or detector). */
const WorkerJobHeadSchema = z.object({
  jobId: z.string().min(1).max(64),
  taskId: z.string().min(1).max(64),
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  model: z.string().min(1).max(128),
});

/** A detection job for a worker. */
export const WorkerDetectJobSchema = WorkerJobHeadSchema.extend({ threshold: z.number().min(0).max(1) });
export type WorkerDetectJob = z.infer<typeof WorkerDetectJobSchema>;
export const WorkerDetectResultSchema = z.object({ detections: z.array(DetectionSchema).max(MAX_DETECTIONS), ms: z.number().min(0) });
export type WorkerDetectResult = z.infer<typeof WorkerDetectResultSchema>;
export type WorkerDetectAck = Ack<WorkerDetectResult>;
/** Validates an ack of `worker:detect` received by the server. */
export const WorkerDetectAckSchema = ackOf(WorkerDetectResultSchema);

/** What a worker announces when it joins. */
export const WorkerHelloSchema = z.object({
  /** Stable per process; a restarted worker announces a new one. */
  workerId: z.string().min(1).max(128),
  /** Where it runs, for logs: "local" or a host name. */
  host: z.string().max(256),
  engines: z.array(z.string().max(32)).max(16),
  models: z.array(ModelInfoSchema).max(64),
  /** Detectors it runs (`worker:detect`); absent from workers of before detection. */
  detectors: z.array(DetectorInfoSchema).max(16).optional(),
  /** Execution provider in use for ONNX models: cpu, cuda or webgpu. */
  provider: z.string().max(32),
  /** Requests it accepts at once. */
  capacity: z.number().int().min(1).max(64),
  threads: z.number().int().min(1).max(1024),
  pid: z.number().int().optional(),
});
/** What a worker announces when it joins. */
export type WorkerHello = z.infer<typeof WorkerHelloSchema>;

/** One segmentation job sent to a worker: a validated request resolved to a task and model. */
export const WorkerJobSchema = WorkerJobHeadSchema.extend({
  clicks: z.array(ClickSchema),
  box: BoxSchema.optional(),
  scribbles: z.array(ScribbleSchema).optional(),
  prevMask: RleSchema.optional(),
});
/** One segmentation job sent to a worker. */
export type WorkerJob = z.infer<typeof WorkerJobSchema>;

/** A worker's answer to a job; `ms` is its own compute time including image fetch. */
export const WorkerJobResultSchema = z.object({
  mask: RleSchema,
  score: z.number().min(0).max(1),
  ms: z.number().min(0),
});
/** A worker's answer to a job. */
export type WorkerJobResult = z.infer<typeof WorkerJobResultSchema>;
/** The ack of `worker:segment`. */
export type WorkerJobAck = Ack<WorkerJobResult>;

/** The `worker:prefetch` payload; an `ahead` one carries the image size so the worker can tell whether it fits. */
export const WorkerPrefetchSchema = z.object({
  taskId: z.string().min(1).max(64),
  model: z.string().min(1).max(128),
  ahead: z.boolean().optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  /** Tasks open in an editor: their images must stay. */
  inUse: z.array(z.string().max(64)).max(1000).optional(),
});
/** The ack of an `ahead` `worker:prefetch`: whether the worker now holds the image. */
export const WorkerPrefetchAckSchema = z.object({ loaded: z.boolean() });

/** The `worker:image` request. */
export const WorkerImageRequestSchema = z.object({ taskId: z.string().min(1).max(64) });
/** The original image bytes of a task (JPEG, PNG or WebP) and its size. */
export interface WorkerImage {
  bytes: Uint8Array;
  width: number;
  height: number;
}
/** The ack of `worker:image`. */
export type WorkerImageAck = Ack<WorkerImage>;

/** Validates an ack of `worker:image` received by a worker. */
export const WorkerImageAckSchema = ackOf(z.object({ bytes: z.instanceof(Uint8Array), width: z.number().int().min(1), height: z.number().int().min(1) }));

/** Validates an ack of `worker:segment` received by the server. */
export const WorkerJobAckSchema = ackOf(WorkerJobResultSchema);
