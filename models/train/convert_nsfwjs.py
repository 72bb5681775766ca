"""Convert the MobileNetV2 inside the `nsfwjs` npm package (MIT) into a PyTorch state dict.

Usage: (cd /tmp && npm pack nsfwjs@4 && mkdir -p nsfwjs && tar xzf nsfwjs-4.*.tgz -C nsfwjs)
       node models/train/convert_nsfwjs.cjs /tmp/nsfwjs/package/dist/models/mobilenet_v2 /tmp/mnv2
       /usr/bin/python3 models/train/convert_nsfwjs.py /tmp/mnv2 models/train/pretrained/mnv2_nsfwjs.pt
The package stores weights as uint8 with per-tensor (min, scale): value = min + scale * q.
"""
import base64
import json
import sys

import numpy as np
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from tandem_click.backbone import MobileNetV2Features, load_keras_weights  # noqa: E402


def read_weights(prefix):
    manifest = json.load(open(prefix + "_model.json"))["weightsManifest"]
    buf = base64.b64decode(open(prefix + "_shard.b64").read())
    out, off = {}, 0
    for group in manifest:
        for w in group["weights"]:
            n = int(np.prod(w["shape"]))
            q = w.get("quantization")
            if q:
                assert q["dtype"] == "uint8"
                raw = np.frombuffer(buf, np.uint8, n, off).astype(np.float32)
                arr = q["min"] + q["scale"] * raw
                off += n
            else:
                arr = np.frombuffer(buf, np.float32, n, off).copy()
                off += 4 * n
            out[w["name"]] = arr.reshape(w["shape"]).astype(np.float32)
    assert off == len(buf), (off, len(buf))
    return out


if __name__ == "__main__":
    weights = read_weights(sys.argv[1])
    m = MobileNetV2Features()
    load_keras_weights(m, weights)
    torch.save(m.state_dict(), sys.argv[2])
    print("saved", sys.argv[2], sum(p.numel() for p in m.parameters()), "params")
