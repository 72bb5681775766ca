#!/usr/bin/env bash
# Dev metrics of a checkpoint measured through the worker's own onnx engine (TypeScript, the
# code that serves annotators), in a scratch folder: export to ONNX, then `npm run eval`.
# Faster than evaluate.py (onnxruntime instead of torch) and it measures the product.
# Usage (from models/train): [HALF=select|report] [EVAL_ARGS="--baseline <details file>"] ./eval_worker.sh <ckpt.pt> [limit] [zoomIn JSON]
# EVAL_ARGS goes to npm run eval as it is (--baseline: the paired difference against an earlier run; --details <file>).
# EVAL_SET=train/COCO_MVal_train (with a limit) checks an inference rule on training images too.
# ADAPT='{"lambda": 0.1, "iters": 20, "anchor": 1, "anchorStride": 4}' refits the head when the network disobeys a click (export.py --adapt; "fromClick": N also from N clicks on); ADAPT=none turns it off.
set -euo pipefail
# Without a zoomIn JSON or ADAPT: the served ones (the default model's entry in models/manifest.json).
# The served adapt without the head it reads from the model (export.py writes that), or none.
served() {
  /usr/bin/python3 -c 'import json, sys; m = next(m for m in json.load(open("../manifest.json"))["models"] if m.get("default"))
v = m.get(sys.argv[1]); print(json.dumps({k: x for k, x in v.items() if k not in ("output", "weight", "bias")}) if sys.argv[1] == "adapt" and v else json.dumps(v) if v else "none")' "$1"
}
ckpt=$1; limit=${2:-}; zoom=${3:-$(served zoomIn)}
adapt=${ADAPT:-$(served adapt)}
[ "$adapt" = none ] && adapt=
dir=$(mktemp -d /tmp/tandem-snap-XXXX)
/usr/bin/python3 -m tandem_click.export --ckpt "$ckpt" --id snap --out "$dir" --zoom "$zoom" ${adapt:+--adapt "$adapt"} > "$dir/export.log" 2>&1 \
  || { cat "$dir/export.log"; exit 1; }
cd ../..
INFERENCE_MODELS_DIR="$dir" npm run --silent eval -- --dataset "${TANDEM_DATASETS:-../shared/datasets}/${EVAL_SET:-dev/COCO_MVal_dev}" \
  --model snap ${limit:+--limit "$limit"} ${HALF:+--half "$HALF"} ${EVAL_ARGS:-} --json | tail -n 1
rm -rf "$dir"
