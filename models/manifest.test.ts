// The model manifest is what the worker's `onnx` engine trusts: every entry must point at the
// exact ONNX files that were exported, with the declared inputs/outputs, and those files must
// compute what the PyTorch model computed (parity values written by models/train/tandem_click/export.py).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const MODELS_DIR = dirname(fileURLToPath(import.meta.url));

const IoSchema = z.object({ name: z.string(), shape: z.array(z.union([z.number().int(), z.string()])) });
const PartSchema = z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), inputs: z.array(IoSchema), outputs: z.array(IoSchema) });
const ModelSchema = z.object({
  id: z.string(),
  kind: z.literal('click-seg-v1'),
  default: z.boolean(),
  encoder: PartSchema,
  decoder: PartSchema,
  preprocessing: z.object({ size: z.number().int(), mean: z.array(z.number()).length(3), std: z.array(z.number()).length(3) }),
  prompts: z.array(z.string()),
  params: z.number().int(),
  licence: z.string().min(1),
  trainingData: z.string().min(1),
  metrics: z.record(z.string(), z.record(z.string(), z.union([z.number(), z.string()]))),
  adapt: z.object({ output: z.string(), weight: z.array(z.number()), bias: z.number(), lambda: z.number(), iters: z.number() }).optional(),
});
const DetectorSchema = z.object({
  id: z.string(),
  kind: z.literal('detector-v1'),
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  inputs: z.array(IoSchema),
  outputs: z.array(IoSchema),
  preprocessing: z.object({ size: z.number().int(), resize: z.enum(['stretch', 'long']) }),
  classes: z.array(z.string().min(1)).min(1),
  licence: z.string().min(1),
  trainingData: z.string().min(1),
  metrics: z.record(z.string(), z.record(z.string(), z.unknown())),
});
const ManifestSchema = z.object({ models: z.array(ModelSchema).min(1), detectors: z.array(DetectorSchema).default([]) });
type ModelEntry = z.infer<typeof ModelSchema>;

const StatsSchema = z.object({ shape: z.array(z.number()), mean: z.number(), std: z.number(), min: z.number(), max: z.number(), indices: z.array(z.number()), values: z.array(z.number()) });
const ParitySchema = z.object({
  size: z.number().int(),
  points: z.array(z.array(z.number()).length(3)),
  tolerance: z.object({ abs: z.number(), rel: z.number() }),
  encoder: z.record(z.string(), StatsSchema),
  decoder: z.object({ logits: StatsSchema }).catchall(StatsSchema),
});
type Stats = z.infer<typeof StatsSchema>;

const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8')));
const sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2, interOpNumThreads: 1 };

async function open(entry: ModelEntry) {
  const enc = await ort.InferenceSession.create(join(MODELS_DIR, entry.encoder.file), sessionOptions);
  const dec = await ort.InferenceSession.create(join(MODELS_DIR, entry.decoder.file), sessionOptions);
  return { enc, dec };
}

/** Same formulas as PARITY_FORMULAS in export.py (S x S model frame). */
function parityImage(S: number): Float32Array {
  const a = new Float32Array(3 * S * S);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++)
        a[(c * S + y) * S + x] = 0.5 + 0.4 * Math.sin(0.05 * x + 1.3 * c) * Math.cos(0.07 * y - 0.7 * c) + 0.1 * Math.sin(0.37 * (y * S + x));
  return a;
}

function parityPrevMask(S: number): Float32Array {
  const a = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) a[y * S + x] = (x - S / 2) ** 2 + (y - S / 2) ** 2 < (S / 5) ** 2 ? 1 : 0;
  return a;
}

/** The model's encoder and decoder outputs on the parity inputs export.py wrote, with that file. */
async function runParity(entry: ModelEntry) {
  const parity = ParitySchema.parse(JSON.parse(readFileSync(join(MODELS_DIR, `${entry.id}.parity.json`), 'utf8')));
  const S = parity.size;
  const { enc, dec } = await open(entry);
  const feats = await enc.run({ image: new ort.Tensor('float32', parityImage(S), [1, 3, S, S]) });
  const points = new ort.Tensor('float32', Float32Array.from(parity.points.flat()), [1, parity.points.length, 3]);
  const out = await dec.run({ ...feats, points, prev_mask: new ort.Tensor('float32', parityPrevMask(S), [1, 1, S, S]) });
  return { parity, feats, out };
}

function expectClose(got: ort.Tensor, ref: Stats, tol: { abs: number; rel: number }) {
  expect(Array.from(got.dims)).toEqual(ref.shape);
  const d = got.data as Float32Array;
  const scale = Math.max(1, Math.abs(ref.min), Math.abs(ref.max));
  ref.indices.forEach((idx, k) => {
    expect(Math.abs(d[idx] - ref.values[k])).toBeLessThanOrEqual(tol.abs * scale + tol.rel * Math.abs(ref.values[k]));
  });
  let sum = 0;
  for (const v of d) sum += v;
  expect(Math.abs(sum / d.length - ref.mean)).toBeLessThanOrEqual(tol.abs * scale);
}

describe.each(manifest.models.map((m) => [m.id, m] as const))('model %s', (_id, entry) => {
  it('has its files with the sha256 the manifest declares', () => {
    for (const part of [entry.encoder, entry.decoder]) {
      const p = join(MODELS_DIR, part.file);
      expect(existsSync(p)).toBe(true);
      expect(createHash('sha256').update(readFileSync(p)).digest('hex')).toBe(part.sha256);
    }
  });

  it('declares the inputs and outputs the ONNX graphs really have', async () => {
    const { enc, dec } = await open(entry);
    for (const [session, part] of [[enc, entry.encoder], [dec, entry.decoder]] as const) {
      expect([...session.inputNames].sort()).toEqual(part.inputs.map((i) => i.name).sort());
      expect([...session.outputNames].sort()).toEqual(part.outputs.map((o) => o.name).sort());
      for (const meta of [...session.inputMetadata, ...session.outputMetadata]) {
        const declared = [...part.inputs, ...part.outputs].find((io) => io.name === meta.name);
        expect(meta.isTensor && meta.type).toBe('float32');
        // symbolic dims (e.g. N clicks) are strings on both sides; fixed dims must agree exactly
        if (meta.isTensor) expect(meta.shape.map((v) => (typeof v === 'string' ? 'N' : v))).toEqual(declared?.shape.map((v) => (typeof v === 'string' ? 'N' : v)));
      }
    }
    // the decoder consumes every encoder output by name (the worker caches them per image)
    expect(entry.decoder.inputs.map((i) => i.name)).toEqual(expect.arrayContaining(entry.encoder.outputs.map((o) => o.name)));
  });

  it('matches the PyTorch reference outputs on the parity inputs', async () => {
    const { parity, feats, out } = await runParity(entry);
    expect(parity.size).toBe(entry.preprocessing.size);
    for (const [name, ref] of Object.entries(parity.encoder)) expectClose(feats[name] as ort.Tensor, ref, parity.tolerance);
    for (const [name, ref] of Object.entries(parity.decoder)) expectClose(out[name] as ort.Tensor, ref, parity.tolerance);
  });

  it.runIf(entry.adapt)("declares the decoder's last conv: applied to its adapt output it gives the logits", async () => {
    const adapt = entry.adapt!;
    const { out } = await runParity(entry);
    const hidden = out[adapt.output] as ort.Tensor;
    const logits = out.logits.data as Float32Array;
    const [, C, L] = hidden.dims;
    expect(C).toBe(adapt.weight.length);
    const h = hidden.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < L * L; i++) {
      let v = adapt.bias;
      for (let c = 0; c < C; c++) v += adapt.weight[c] * h[c * L * L + i];
      worst = Math.max(worst, Math.abs(v - logits[i]));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('segments a disk from one positive click in its middle', async () => {
    const S = entry.preprocessing.size;
    const { mean, std } = entry.preprocessing;
    const { enc, dec } = await open(entry);
    // a bright textured disk (radius S/6, centre (0.45 S, 0.5 S)) on a darker textured background
    const cx = 0.45 * S, cy = 0.5 * S, r = S / 6;
    const inside = (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 < r * r;
    const image = new Float32Array(3 * S * S);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++) {
          const base = inside(x, y) ? [0.9, 0.55, 0.2][c] : [0.2, 0.35, 0.5][c];
          const v = base + 0.04 * Math.sin(0.9 * x + 1.7 * y + c);
          image[(c * S + y) * S + x] = (v - mean[c]) / std[c];
        }
    const feats = await enc.run({ image: new ort.Tensor('float32', image, [1, 3, S, S]) });
    const points = new ort.Tensor('float32', Float32Array.from([cx, cy, 1]), [1, 1, 3]);
    const out = await dec.run({ ...feats, points, prev_mask: new ort.Tensor('float32', new Float32Array(S * S), [1, 1, S, S]) });
    const logits = out.logits as ort.Tensor;
    const L = logits.dims[3];
    const k = S / L; // logits cell -> model-frame pixels
    let inter = 0, union = 0;
    const d = logits.data as Float32Array;
    for (let y = 0; y < L; y++)
      for (let x = 0; x < L; x++) {
        const m = d[y * L + x] > 0, g = inside((x + 0.5) * k - 0.5, (y + 0.5) * k - 0.5);
        if (m && g) inter++;
        if (m || g) union++;
      }
    expect(inter / union).toBeGreaterThan(0.6);
  });
});

describe.each(manifest.detectors.map((d) => [d.id, d] as const))('detector %s', (_id, entry) => {
  const open = () => ort.InferenceSession.create(join(MODELS_DIR, entry.file), sessionOptions);

  it('has its file with the sha256 the manifest declares, and the declared inputs and outputs', async () => {
    const p = join(MODELS_DIR, entry.file);
    expect(createHash('sha256').update(readFileSync(p)).digest('hex')).toBe(entry.sha256);
    const s = await open();
    expect([...s.inputNames]).toEqual(entry.inputs.map((i) => i.name));
    expect([...s.outputNames].sort()).toEqual(entry.outputs.map((o) => o.name).sort());
    const [anchors, classes] = [entry.outputs[0].shape[1], entry.outputs[0].shape[2]];
    expect(classes).toBe(entry.classes.length);
    expect(entry.outputs.find((o) => o.name === 'boxes')?.shape).toEqual([1, anchors, 4]);
  });

  it('matches the PyTorch reference outputs on the parity image', async () => {
    const parity = z
      .object({ size: z.number().int(), tolerance: z.object({ abs: z.number(), rel: z.number() }), outputs: z.record(z.string(), StatsSchema) })
      .parse(JSON.parse(readFileSync(join(MODELS_DIR, `${entry.id}.parity.json`), 'utf8')));
    const S = parity.size;
    expect(S).toBe(entry.preprocessing.size);
    const out = await (await open()).run({ image: new ort.Tensor('float32', parityImage(S), [1, 3, S, S]) });
    expect(Object.keys(parity.outputs).sort()).toEqual(['boxes', 'scores']);
    for (const [name, ref] of Object.entries(parity.outputs)) expectClose(out[name] as ort.Tensor, ref, parity.tolerance);
  });
});

describe('manifest', () => {
  it('names exactly one default model', () => {
    expect(manifest.models.filter((m) => m.default)).toHaveLength(1);
  });
});
