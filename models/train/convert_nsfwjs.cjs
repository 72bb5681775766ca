// Extracts the Keras topology+weights manifest and the base64 weight shard from nsfwjs' bundled
// model files (UMD modules) into <out>_model.json and <out>_shard.b64 for convert_nsfwjs.py.
const fs = require('fs');
const path = require('path');
const [dir, out] = process.argv.slice(2);
const model = require(path.resolve(dir, 'model.min.js'));
const shard = require(path.resolve(dir, 'group1-shard1of1.min.js'));
fs.writeFileSync(`${out}_model.json`, JSON.stringify(model));
fs.writeFileSync(`${out}_shard.b64`, shard);
