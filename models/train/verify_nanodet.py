"""Compares NanoDetFeatures (converted weights) with the original TF.js graph's taps written by
../detect/verify.cjs, and prints the graph's best class scores (a sanity check of the preprocessing).
Usage: /usr/bin/python3 verify_nanodet.py pretrained/nanodet_csp.pt <image> <work dir>
  (writes <work dir>/in_bgr.f32 for ../detect/verify.cjs, runs it with NODE_PATH=/tmp/tfjs/node_modules, compares)
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

from tandem_click.nanodet import NanoDetFeatures

DETECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "detect")
sys.path.insert(0, DETECT)
from detector import COCO  # noqa: E402
TAPS = ['onnx_tf_prefix_LeakyRelu_1', 'onnx_tf_prefix_Concat_12', 'onnx_tf_prefix_Concat_27',
        'onnx_tf_prefix_Concat_42', 'onnx_tf_prefix_Concat_62', 'Identity', 'Identity_1', 'Identity_2']


if __name__ == "__main__":
    ckpt, image, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    im = np.array(Image.open(image).convert("RGB").resize((416, 416), Image.BILINEAR)).astype(np.float32)
    # the graph's own input, computed independently of NanoDetFeatures' in-graph normalisation
    bgr = (im[:, :, ::-1] - np.array([103.53, 116.28, 123.675], np.float32)) / np.array([57.375, 57.12, 58.395], np.float32)
    bgr.transpose(2, 0, 1)[None].astype(np.float32).tofile(os.path.join(work, "in_bgr.f32"))
    subprocess.run(["node", os.path.join(DETECT, "verify.cjs"), "/tmp/hm/package/models/nanodet",
                    os.path.join(work, "in_bgr.f32"), work, *TAPS], check=True,
                   env={**os.environ, "NODE_PATH": os.environ.get("NODE_PATH", "/tmp/tfjs/node_modules")})
    shapes = json.load(open(os.path.join(work, "shapes.json")))
    m = NanoDetFeatures()
    m.load_state_dict(torch.load(ckpt))
    with torch.no_grad():
        outs = m(torch.from_numpy(im / 255.0).permute(2, 0, 1)[None].float())
    taps = list(shapes)[:5]
    for name, o in zip(taps, outs):
        ref = np.fromfile(os.path.join(work, name + ".f32"), np.float32).reshape(shapes[name])
        d = np.abs(o.numpy() - ref)
        print(f"{name:28s} {list(o.shape)} max|diff| {d.max():.2e}  max|ref| {np.abs(ref).max():.2f}  rel {d.max() / np.abs(ref).max():.1e}")
    for name in list(shapes)[5:]:
        s = np.fromfile(os.path.join(work, name + ".f32"), np.float32).reshape(shapes[name])[0]
        best = s.max(0)
        top = np.argsort(-best)[:3]
        print(name, shapes[name], "top classes:", [(COCO[i], round(float(best[i]), 3)) for i in top])
