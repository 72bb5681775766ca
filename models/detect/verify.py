"""The graph as run by TFJSGraph against the original TF.js graph (verify.cjs, pure-JS tfjs) on one
image, output by output. Usage:
  /usr/bin/python3 verify.py /tmp/hm/package/models/nanodet <image> <work dir>"""
import json
import os
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

from detector import BGR_MEAN, BGR_STD, OUTPUTS
from tfjs_graph import TFJSGraph

if __name__ == "__main__":
    prefix, image, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    im = np.array(Image.open(image).convert("RGB").resize((416, 416), Image.BILINEAR)).astype(np.float32)
    bgr = ((im[:, :, ::-1] - np.array(BGR_MEAN, np.float32)) / np.array(BGR_STD, np.float32)).transpose(2, 0, 1)[None]
    bgr = np.ascontiguousarray(bgr, np.float32)
    bgr.tofile(os.path.join(work, "in.f32"))
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(["node", os.path.join(here, "verify.cjs"), prefix, os.path.join(work, "in.f32"), work], check=True,
                   env={**os.environ, "NODE_PATH": os.environ.get("NODE_PATH", "/tmp/tfjs/node_modules")})
    shapes = json.load(open(os.path.join(work, "shapes.json")))
    names = [n for level in OUTPUTS for n in level]
    with torch.no_grad():
        outs = TFJSGraph(prefix, names)(torch.from_numpy(bgr))
    worst = 0.0
    for name, o in zip(names, outs):
        ref = np.fromfile(os.path.join(work, name + ".f32"), np.float32).reshape(shapes[name])
        d = np.abs(o.numpy() - ref).max()
        worst = max(worst, d / np.abs(ref).max())
        print(f"{name:12s} {list(o.shape)} max|diff| {d:.2e} max|ref| {np.abs(ref).max():.2f}")
    print("worst relative", f"{worst:.1e}")
    sys.exit(0 if worst < 1e-4 else 1)
