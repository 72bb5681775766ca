// The `detectors` of models/manifest.json (models/CONTRACT.md, kind "detector-v1"): object
// detectors whose boxes pre-label an image. Parsed with zod like the click models; a manifest
// without the key has none.
import fs from 'node:fs';
import { z } from 'zod';
import type { DetectorInfo } from '../../../../shared/protocol/inference';

const Tensor = z.object({ name: z.string().min(1), shape: z.array(z.union([z.number().int(), z.string()])).optional() });

export const DetectorEntrySchema = z.object({
  id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/),
  kind: z.literal('detector-v1'),
  description: z.string().max(1000).optional(),
  file: z.string().min(1).refine((f) => !f.includes('..') && !f.startsWith('/'), 'file must be a path inside models/'),
  sha256: z.string().optional(),
  inputs: z.array(Tensor).optional(),
  outputs: z.array(Tensor).optional(),
  preprocessing: z.object({
    size: z.number().int().min(16).max(4096),
    /** 'stretch': the image fills the S×S frame (aspect not kept); 'long': long side S, top-left. */
    resize: z.enum(['stretch', 'long']),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  }),
  classes: z.array(z.string().min(1).max(64)).min(1).max(1000),
  nms: z.object({ iou: z.number().min(0).max(1) }),
  /** Default score a detection needs. */
  threshold: z.number().min(0).max(1),
  params: z.number().optional(),
  licence: z.string().optional(),
  trainingData: z.string().optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
});
export type DetectorEntry = z.infer<typeof DetectorEntrySchema>;

const FileSchema = z.object({ detectors: z.array(DetectorEntrySchema).optional() });

/** The detectors of a manifest file ([] when it lists none); throws with every problem listed. */
export function loadDetectorEntries(file: string): DetectorEntry[] {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (Array.isArray(raw)) return [];
  const r = FileSchema.safeParse(raw);
  if (!r.success) throw new Error(`${file}:\n${r.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return r.data.detectors ?? [];
}

export function detectorInfo(e: DetectorEntry): DetectorInfo {
  return { id: e.id, description: e.description ?? `object detector ${e.id}`, classes: e.classes, threshold: e.threshold };
}
