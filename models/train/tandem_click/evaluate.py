"""Dev evaluation with the standard protocol (contract 7): NoC@85/90, NoF@90, mIoU@1..5.

Mirrors the worker's `onnx` engine: resize long side to S (bilinear), top-left on an S x S canvas
padded with 0, clicks mapped by x_model = (x + 0.5) * scale - 0.5, logits upsampled to S, padding
cropped, resized to the image size (bilinear), mask = logits > 0.
Usage: python3 -m tandem_click.evaluate --ckpt <ckpt.pt> [--data <datasets root>] [--limit N]
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .clicks import first_click, next_click
from .data import _pairs


def load_instances(data_root, name="COCO_MVal_dev", limit=None):
    out = []
    for img_p, masks in _pairs(os.path.join(data_root, "dev", name)):
        for mp in masks:
            out.append((img_p, mp))
    out.sort(key=lambda t: t[1])
    if limit:  # an even spread over the (class-sorted) list rather than the first classes
        idx = np.linspace(0, len(out) - 1, limit).round().astype(int)
        out = [out[i] for i in sorted(set(idx))]
    return out


def frame_image(img, size):
    """uint8 HxWx3 -> (tensor [1, 3, S, S] in [0, 1], scale, (rh, rw))."""
    h, w = img.shape[:2]
    scale = size / max(h, w)
    rh, rw = max(1, round(h * scale)), max(1, round(w * scale))
    im = np.array(Image.fromarray(img).resize((rw, rh), Image.BILINEAR)).astype(np.float32) / 255.0
    canvas = np.zeros((size, size, 3), np.float32)
    canvas[:rh, :rw] = im
    return torch.from_numpy(canvas.transpose(2, 0, 1)).unsqueeze(0), scale, (rh, rw)


@torch.no_grad()
def eval_instance(model, img, gt, size, max_clicks=20, thresholds=(0.85, 0.9)):
    x, scale, (rh, rw) = frame_image(img, size)
    feats = model.encoder(x)
    h, w = gt.shape
    pred = np.zeros_like(gt)
    prev = torch.zeros(1, 1, size, size)
    clicks, ious, dec_t = [], [], 0.0
    for k in range(max_clicks):
        c = first_click(gt) if k == 0 else next_click(pred, gt)
        if c is None:
            ious.append(ious[-1] if ious else 1.0)
            continue
        clicks.append(c)
        pts = torch.tensor([[[(cx + 0.5) * scale - 0.5, (cy + 0.5) * scale - 0.5, 1.0 if p else 0.0]
                             for cx, cy, p in clicks]], dtype=torch.float32)
        t = time.time()
        logits = model.decoder(*feats, pts, prev)
        dec_t += time.time() - t
        up = F.interpolate(logits, size=(size, size), mode="bilinear", align_corners=False)
        prev = (up > 0).float()
        full = F.interpolate(up[:, :, :rh, :rw], size=(h, w), mode="bilinear", align_corners=False)
        pred = full[0, 0].numpy() > 0
        inter, union = (pred & gt).sum(), (pred | gt).sum()
        ious.append(inter / max(union, 1))
    nocs = {}
    for th in thresholds:
        hit = [i for i, v in enumerate(ious) if v >= th]
        nocs[th] = hit[0] + 1 if hit else max_clicks
    return ious, nocs, dec_t / max(len(clicks), 1)


def evaluate(model, data_root, size, limit=None, max_clicks=20):
    model.eval()
    inst = load_instances(data_root, limit=limit)
    all_ious, n85, n90, ms = [], [], [], []
    for img_p, mp in inst:
        img = np.array(Image.open(img_p).convert("RGB"))
        gt = np.array(Image.open(mp)) > 127
        ious, nocs, dt = eval_instance(model, img, gt, size, max_clicks)
        all_ious.append(ious)
        n85.append(nocs[0.85])
        n90.append(nocs[0.9])
        ms.append(dt * 1000)
    ious = np.array(all_ious)
    res = {"n": len(inst), "noc85": float(np.mean(n85)), "noc90": float(np.mean(n90)),
           "nof90": int(sum(v >= max_clicks and ious[i, -1] < 0.9 for i, v in enumerate(n90))),
           "msPerClickTorch": float(np.mean(ms))}
    for k in range(1, 6):
        res[f"iou{k}"] = float(ious[:, k - 1].mean())
    return res


if __name__ == "__main__":
    from .model import build_model
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", default=os.environ.get("TANDEM_DATASETS", "../shared/datasets"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--size", type=int, default=None)
    a = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(a.ckpt, map_location="cpu")
    size = a.size or ck["config"]["size"]
    m = build_model({**ck["config"], "size": size})
    m.load_state_dict(ck["model"])
    print(json.dumps(evaluate(m, a.data, size, a.limit)))
