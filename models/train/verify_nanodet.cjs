// Runs the original NanoDet TF.js graph (human-models' models/nanodet.json) on one input and writes
// the backbone's taps and the class scores, for convert_nanodet.py's check (verify_nanodet.py).
// Needs @tensorflow/tfjs (pure JS CPU backend): cd /tmp/tfjs && npm install --no-save @tensorflow/tfjs@4
// Usage: NODE_PATH=/tmp/tfjs/node_modules node verify_nanodet.cjs <graph prefix> <in.f32> <out dir>
const fs = require('fs');
const tf = require('@tensorflow/tfjs');
const [prefix, input, out] = process.argv.slice(2);
const TAPS = ['onnx_tf_prefix_LeakyRelu_1', 'onnx_tf_prefix_Concat_12', 'onnx_tf_prefix_Concat_27',
  'onnx_tf_prefix_Concat_42', 'onnx_tf_prefix_Concat_62', 'Identity', 'Identity_1', 'Identity_2'];
(async () => {
  await tf.setBackend('cpu');
  const m = JSON.parse(fs.readFileSync(`${prefix}.json`, 'utf8'));
  const bin = fs.readFileSync(`${prefix}.bin`);
  const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: m.modelTopology,
    weightSpecs: m.weightsManifest.flatMap((g) => g.weights),
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
  const raw = fs.readFileSync(input);
  const x = tf.tensor(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), [1, 3, 416, 416]);
  const res = model.execute({ 'input_1': x }, TAPS.map((t) => `PartitionedCall/${t}`.replace('PartitionedCall/Identity', 'Identity')));
  const meta = {};
  res.forEach((t, i) => {
    fs.writeFileSync(`${out}/${TAPS[i]}.f32`, Buffer.from(t.dataSync().buffer));
    meta[TAPS[i]] = t.shape;
  });
  fs.writeFileSync(`${out}/shapes.json`, JSON.stringify(meta));
})();
