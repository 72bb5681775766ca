// Runs human-models' original NanoDet TF.js graph on one input and writes the named nodes (by
// default its six outputs) and their shapes, for verify.py (the converted detector against the
// original) and models/train/verify_nanodet.py (the click model's backbone taps).
// Needs @tensorflow/tfjs (pure-JS CPU backend): cd /tmp/tfjs && npm install --no-save @tensorflow/tfjs@4
// Usage: NODE_PATH=/tmp/tfjs/node_modules node verify.cjs <graph prefix> <in.f32> <out dir> [node ...]
const fs = require('fs');
const tf = require('@tensorflow/tfjs');
const [prefix, input, out, ...named] = process.argv.slice(2);
const OUTPUTS = named.length ? named : ['Identity', 'Identity_3', 'Identity_1', 'Identity_4', 'Identity_2', 'Identity_5'];
// Inner nodes are named under the graph's PartitionedCall scope; the outputs are not.
const node = (n) => (n.startsWith('Identity') ? n : `PartitionedCall/${n}`);
(async () => {
  await tf.setBackend('cpu');
  const m = JSON.parse(fs.readFileSync(`${prefix}.json`, 'utf8'));
  const bin = fs.readFileSync(`${prefix}.bin`);
  const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: m.modelTopology,
    weightSpecs: m.weightsManifest.flatMap((g) => g.weights),
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
  const raw = fs.readFileSync(input);
  const x = tf.tensor(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), [1, 3, 416, 416]);
  const res = model.execute({ input_1: x }, OUTPUTS.map(node));
  const shapes = {};
  res.forEach((t, i) => {
    fs.writeFileSync(`${out}/${OUTPUTS[i]}.f32`, Buffer.from(t.dataSync().buffer));
    shapes[OUTPUTS[i]] = t.shape;
  });
  fs.writeFileSync(`${out}/shapes.json`, JSON.stringify(shapes));
})();
