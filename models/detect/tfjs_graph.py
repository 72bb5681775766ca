"""A TF.js graph model (model.json + weights .bin) run as a PyTorch module, node by node, so it can be
checked against the original and exported to ONNX with torch.onnx (no TensorFlow here, and no
tf2onnx offline). Covers the ops of human-models' NanoDet graph (an ONNX model converted to TF,
so NHWC convolutions between NCHW transposes); an op it does not know is an error at load.

Float constants are kept as float16 buffers when the graph stores them quantised that way (the
exported ONNX then stores them at half the size and casts once at load)."""
import json

import numpy as np
import torch
import torch.nn.functional as F

PREFIX = "PartitionedCall/"
TENSOR_OPS = {"Placeholder", "Identity", "Transpose", "Pad", "PadV2", "Conv2D", "Add", "AddV2",
              "LeakyRelu", "MaxPool", "ConcatV2", "ResizeBilinear", "SplitV", "Sigmoid", "Reshape"}


def read_graph(prefix):
    """-> (nodes by short name, {name: numpy array}, {name: stored as float16})."""
    m = json.load(open(prefix + ".json"))
    buf = open(prefix + ".bin", "rb").read()
    arrays, half, off = {}, set(), 0
    for group in m["weightsManifest"]:
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            name = w["name"].replace(PREFIX, "")
            if q:
                if q["dtype"] != "float16":
                    raise ValueError(f"{name}: quantisation {q['dtype']} not supported")
                a = np.frombuffer(buf, np.float16, n, off).copy()
                half.add(name)
                off += 2 * n
            else:
                dt = {"float32": np.float32, "int32": np.int32, "int64": np.int64}[w["dtype"]]
                a = np.frombuffer(buf, dt, n, off).copy()
                off += a.itemsize * n
            arrays[name] = a.reshape(w["shape"])
    if off != len(buf):
        raise ValueError(f"weights: read {off} of {len(buf)} bytes")
    nodes = {}
    for n in m["modelTopology"]["node"]:
        n = dict(n, name=n["name"].replace(PREFIX, ""),
                 input=[i.replace(PREFIX, "") for i in n.get("input", []) if not i.startswith("^")])
        nodes[n["name"]] = n
    return nodes, arrays, half


def _attr(node, key, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "i" in a:
        return int(a["i"])
    if "s" in a:
        import base64
        return base64.b64decode(a["s"]).decode()
    if "list" in a:
        return [int(v) for v in a["list"].get("i", [])]
    return a


class TFJSGraph(torch.nn.Module):
    def __init__(self, prefix, outputs):
        super().__init__()
        self.nodes, arrays, half = read_graph(prefix)
        self.outputs = list(outputs)
        self.order = self._order()
        self.ints = {}  # integer constants (shapes, permutations, axes), folded at load
        self.names = {}  # graph name -> buffer attribute
        for name in self.order:
            n = self.nodes[name]
            if n["op"] == "Const":
                a = arrays[name]
                if a.dtype.kind in "iu":
                    self.ints[name] = a
                else:
                    attr = f"c{len(self.names)}"
                    self.names[name] = attr
                    self.register_buffer(attr, torch.from_numpy(a.astype(np.float16 if name in half else np.float32)))
            elif n["op"] == "SparseToDense":
                idx, shape, vals, default = (self.ints[i] for i in n["input"])
                dense = np.full(shape, default, dtype=np.int64)
                dense[tuple(np.asarray(idx).reshape(-1, len(shape)).T)] = vals
                self.ints[name] = dense
            elif n["op"] == "AddV2" and all(i in self.ints for i in n["input"]):
                self.ints[name] = self.ints[n["input"][0]] + self.ints[n["input"][1]]
            elif n["op"] not in TENSOR_OPS:
                raise ValueError(f"{name}: op {n['op']} not supported")

    def _order(self):
        """Nodes the outputs depend on, inputs before their consumers."""
        seen, order = set(), []

        def visit(name):
            name = name.split(":")[0]
            if name in seen:
                return
            seen.add(name)
            for i in self.nodes[name]["input"]:
                visit(i)
            order.append(name)

        for o in self.outputs:
            visit(o)
        return order

    def forward(self, x):
        vals = {}

        def get(ref):
            name, _, k = ref.partition(":")
            if name in self.ints:
                return self.ints[name]
            v = vals[name]
            return v[int(k or 0)] if isinstance(v, tuple) else v

        for name in self.order:
            n = self.nodes[name]
            op, ins = n["op"], n["input"]
            if op in ("Const", "SparseToDense") or name in self.ints:
                if name in self.names:
                    vals[name] = getattr(self, self.names[name]).float()
                continue
            if op == "Placeholder":
                v = x
            elif op in ("Identity",):
                v = get(ins[0])
            elif op == "Transpose":
                v = get(ins[0]).permute(*[int(p) for p in get(ins[1])])
            elif op in ("Pad", "PadV2"):
                pads = np.asarray(get(ins[1])).reshape(-1, 2)
                flat = [int(p) for pair in pads[::-1] for p in pair]
                value = float(get(ins[2]).reshape(-1)[0]) if op == "PadV2" else 0.0
                v = F.pad(get(ins[0]), flat, value=value)
            elif op == "Conv2D":
                assert _attr(n, "padding") == "VALID" and _attr(n, "data_format") == "NHWC", name
                assert _attr(n, "dilations") in (None, [1, 1, 1, 1]), name
                s = _attr(n, "strides")
                k = get(ins[1]).permute(3, 2, 0, 1)  # HWIO -> OIHW
                v = F.conv2d(get(ins[0]).permute(0, 3, 1, 2), k, stride=(s[1], s[2])).permute(0, 2, 3, 1)
            elif op in ("Add", "AddV2"):
                v = get(ins[0]) + get(ins[1])
            elif op == "LeakyRelu":
                v = F.leaky_relu(get(ins[0]), _attr(n, "alpha", 0.2))
            elif op == "MaxPool":
                assert _attr(n, "padding") == "VALID" and _attr(n, "data_format") == "NHWC", name
                k, s = _attr(n, "ksize"), _attr(n, "strides")
                v = F.max_pool2d(get(ins[0]).permute(0, 3, 1, 2), (k[1], k[2]), (s[1], s[2])).permute(0, 2, 3, 1)
            elif op == "ConcatV2":
                v = torch.cat([get(i) for i in ins[:-1]], dim=int(get(ins[-1])))
            elif op == "ResizeBilinear":
                assert _attr(n, "half_pixel_centers") and not _attr(n, "align_corners"), name
                size = [int(s) for s in get(ins[1])]
                v = F.interpolate(get(ins[0]).permute(0, 3, 1, 2), size=size, mode="bilinear",
                                  align_corners=False).permute(0, 2, 3, 1)
            elif op == "SplitV":
                v = tuple(torch.split(get(ins[0]), [int(s) for s in get(ins[1])], dim=int(get(ins[2]))))
            elif op == "Sigmoid":
                v = torch.sigmoid(get(ins[0]))
            elif op == "Reshape":
                v = get(ins[0]).reshape([int(s) for s in get(ins[1])])
            else:  # pragma: no cover - refused at load
                raise ValueError(op)
            vals[name] = v
        return tuple(get(o) for o in self.outputs)
