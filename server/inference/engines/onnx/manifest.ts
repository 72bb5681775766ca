// models/manifest.json, per models/CONTRACT.md (kind "click-seg-v1"). Parsed with zod so a bad
// manifest is reported once with every problem, and never reaches onnxruntime.
import fs from 'node:fs';
import { z } from 'zod';
import type { ModelInfo } from '../../../../shared/protocol/inference';

const TensorSpec = z.object({
  name: z.string().min(1),
  shape: z.array(z.union([z.number().int(), z.string()])).optional(),
});

const FileSpec = z.object({
  file: z.string().min(1).refine((f) => !f.includes('..') && !f.startsWith('/'), 'file must be a path inside models/'),
  sha256: z.string().optional(),
  inputs: z.array(TensorSpec).optional(),
  outputs: z.array(TensorSpec).optional(),
});

export const ManifestEntrySchema = z
  .object({
    id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/),
    kind: z.literal('click-seg-v1'),
    default: z.boolean().optional(),
    description: z.string().optional(),
    encoder: FileSpec.optional(),
    decoder: FileSpec.optional(),
    single: FileSpec.optional(),
    preprocessing: z.object({
      size: z.number().int().min(16).max(4096),
      mean: z.tuple([z.number(), z.number(), z.number()]),
      std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
    }),
    prompts: z.array(z.string()).default(['clicks', 'prevMask']),
    params: z.number().optional(),
    licence: z.string().optional(),
    trainingData: z.string().optional(),
    metrics: z.record(z.string(), z.unknown()).optional(),
    /** Zoom-in for later clicks (zoomIn.ts); absent: every click sees the whole image. */
    zoomIn: z
      .object({
        expansion: z.number().min(1).max(4),
        minFrac: z.number().min(0).max(1),
        reuseIou: z.number().min(0).max(1),
        fromClick: z.number().int().min(1),
      })
      .optional(),
    /** Graph-cut refinement of the boundary at image resolution (refine.ts); absent: the network's mask. */
    refine: z
      .object({
        margin: z.number().positive().max(20),
        grow: z.number().int().min(0).max(32),
        lambda: z.number().positive(),
      })
      .optional(),
    /** The decoder's last 1×1 conv refitted to the clicks when its logits disobey one, or on a small object from `fromClick` clicks on (adaptHead.ts); absent: never. */
    adapt: z
      .object({
        /** Decoder output holding the head's input, `[1, C, L, L]`. */
        output: z.string().min(1),
        /** The trained 1×1 convolution: C weights and a bias. */
        weight: z.array(z.number()).min(1).max(1024),
        bias: z.number(),
        /** Pull towards the trained weights; smaller lets the labels move the head further. */
        lambda: z.number().positive(),
        /** Total weight of the anchor cells (each click weighs 1); 0 or absent: no anchor. */
        anchor: z.number().min(0).optional(),
        /** Every `anchorStride`-th cell in both directions is an anchor, from cell ⌊stride/2⌋ (default 4). */
        anchorStride: z.number().int().min(1).max(64).optional(),
        /** At most this many damped Newton steps (the fit stops earlier, within 1e-6 of the optimum). */
        iters: z.number().int().min(1).max(50),
        /** From this many clicks on, refit even when the head obeys every click (an object that has
         *  taken that many is one the network finds hard); absent: only on a disobeyed click. */
        fromClick: z.number().int().min(1).optional(),
        /** ... and only while the previous mask's bounding box is under this many image pixels on
         *  its short side (absent: any size). Large regions refitted on obeyed clicks spread to
         *  look-alike texture (models/train/CONTEXT.md). */
        fromClickMaxSide: z.number().positive().optional(),
      })
      .optional(),
  })
  .refine((m) => (m.encoder && m.decoder) || m.single, 'a model needs encoder + decoder, or single');
export type ManifestEntry = z.infer<typeof ManifestEntrySchema>;

const ManifestSchema = z.union([z.array(ManifestEntrySchema), z.object({ models: z.array(ManifestEntrySchema) })]);

/** The entries of a manifest file; throws with every problem listed. */
export function loadManifest(file: string): ManifestEntry[] {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  const r = ManifestSchema.safeParse(raw);
  if (!r.success) throw new Error(`${file}:\n${r.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return Array.isArray(r.data) ? r.data : r.data.models;
}

/** The manifest's entries or [] when there is none; logs nothing (callers decide). */
export function readManifestIfAny(file: string): { entries: ManifestEntry[]; error: Error | null } {
  if (!fs.existsSync(file)) return { entries: [], error: null };
  try {
    return { entries: loadManifest(file), error: null };
  } catch (e) {
    return { entries: [], error: e as Error };
  }
}

export function manifestModelInfo(m: ManifestEntry): ModelInfo {
  return {
    id: m.id,
    engine: 'onnx',
    description: m.description ?? `ONNX click model ${m.id}${m.params ? ` (${(m.params / 1e6).toFixed(1)} M params)` : ''}`,
    inputs: [...new Set([...m.prompts, 'clicks'])].filter((p) => ['clicks', 'box', 'scribbles', 'prevMask'].includes(p)),
    default: m.default === true,
  };
}
