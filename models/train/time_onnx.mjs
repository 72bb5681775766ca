// Times a click-seg-v1 model with onnxruntime-node on this machine (CPU, intraOpNumThreads 2):
// encoder ms per image, decoder ms per click (median over runs, N = 1..5 clicks).
// Usage: node models/train/time_onnx.mjs [modelsDir=models] [id] > timing.json
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';

const dir = process.argv[2] ?? 'models';
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const entry = process.argv[3] ? manifest.models.find((m) => m.id === process.argv[3]) : manifest.models.find((m) => m.default);
// The worker's session options (OnnxEngine.createSession): no spinning, denormals flushed.
const opts = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' }, set_denormal_as_zero: '1' } } };
const enc = await ort.InferenceSession.create(path.join(dir, entry.encoder.file), opts);
const dec = await ort.InferenceSession.create(path.join(dir, entry.decoder.file), opts);
const S = entry.preprocessing.size;
const image = new ort.Tensor('float32', Float32Array.from({ length: 3 * S * S }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.37)), [1, 3, S, S]);
const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
const encTimes = [];
let feats;
for (let r = 0; r < 6; r++) {
  const t = performance.now();
  feats = await enc.run({ image });
  if (r > 0) encTimes.push(performance.now() - t);
}
const prev = new ort.Tensor('float32', new Float32Array(S * S), [1, 1, S, S]);
const decTimes = [];
for (let r = 0; r < 26; r++) {
  const n = 1 + (r % 5);
  const pts = new ort.Tensor('float32', Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? (i / 3) % 2 === 0 ? 1 : 0 : (S / 3) + 10 * i)), [1, n, 3]);
  const t = performance.now();
  await dec.run({ ...feats, points: pts, prev_mask: prev });
  if (r > 0) decTimes.push(performance.now() - t);
}
console.log(JSON.stringify({ runtime: `onnxruntime-node ${ort.env.versions?.common ?? ''}`.trim(), threads: 2, size: S,
  encoderMsPerImage: +median(encTimes).toFixed(1), decoderMsPerClick: +median(decTimes).toFixed(1), cpu: os.cpus()[0].model, loadAverage1m: +os.loadavg()[0].toFixed(1), note: 'machine shared with other jobs: times scale with the load' }));
