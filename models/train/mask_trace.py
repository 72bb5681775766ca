"""What the served model's masks look like per click, from the PyTorch mirror of the worker
(evaluate.py, with the served manifest entry's zoomIn and adapt). Two uses:
  overlay: one object's masks at chosen clicks side by side, cropped around it (green: right,
    red: false positive, blue: missed; yellow / magenta: positive / negative clicks)
  bias: where a set's mask boundaries sit against the ground truth's: signed (false positives minus
    misses within 2 px of the ground truth's boundary, per boundary pixel; > 0: masks too fat) and
    unsigned, at chosen clicks, over `--limit` objects spread over the set
Usage (from models/train):
  /usr/bin/python3 mask_trace.py overlay stop_sign09 --clicks 1,2,3,5 --out /tmp/stop.png
  /usr/bin/python3 mask_trace.py bias --set COCO_MVal_dev --limit 60 --clicks 3,5
Options: --ckpt (default checkpoints/nanodet_384.pt), --data (default ../../../shared/datasets),
--no-adapt (the trained head alone).
"""
import argparse
import json
import os

import numpy as np
import torch
from PIL import Image
from scipy.ndimage import binary_dilation, binary_erosion

from tandem_click.adapt import HeadAdapt
from tandem_click.evaluate import eval_instance, load_instances
from tandem_click.model import load_checkpoint


def served_model(ckpt, adapt=True):
    """The checkpoint as the worker serves it: the default manifest entry's zoomIn and adapt."""
    entry = next(m for m in json.load(open("../manifest.json"))["models"] if m.get("default"))
    m, ck = load_checkpoint(ckpt)
    if adapt and entry.get("adapt"):
        m = HeadAdapt.from_spec(m, entry["adapt"])
    return m, ck["config"]["size"], entry.get("zoomIn")


def masks_per_click(model, size, zoom, img, gt, clicks):
    """{k: (mask, clicks so far)} for the clicks k asked for (fewer when the object is done early)."""
    out = {}
    keep = lambda k, pred, roi, cl: out.__setitem__(k, (pred.copy(), cl)) if k in clicks else None
    with torch.no_grad():
        eval_instance(model, img, gt, size, max(clicks), zoom=zoom, on_mask=keep)
    return out


def boundary_bias(pred, gt, band_px=2):
    """(signed, unsigned) boundary error in pixels per ground-truth boundary pixel, within band_px of it."""
    per = max(int((gt & ~binary_erosion(gt)).sum()), 1)
    band = binary_dilation(gt, iterations=band_px) & ~binary_erosion(gt, iterations=band_px)
    fp, fn = int((pred & ~gt & band).sum()), int((gt & ~pred & band).sum())
    return (fp - fn) / per, (fp + fn) / per


def overlay(img, gt, masks, pad=15):
    ys, xs = np.nonzero(gt)
    y0, y1, x0, x1 = max(0, ys.min() - pad), ys.max() + pad, max(0, xs.min() - pad), xs.max() + pad
    tiles = []
    for k in sorted(masks):
        p, cl = masks[k]
        a = img.astype(float)
        for sel, colour in ((p & gt, (0, 255, 0)), (p & ~gt, (255, 0, 0)), (~p & gt, (0, 0, 255))):
            a[sel] = a[sel] * 0.5 + np.array(colour) * 0.5
        for cx, cy, pos in cl:
            a[max(0, cy - 1):cy + 2, max(0, cx - 1):cx + 2] = (255, 255, 0) if pos else (255, 0, 255)
        tiles.append(a[y0:y1, x0:x1])
    return Image.fromarray(np.concatenate(tiles, 1).astype(np.uint8))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["overlay", "bias"])
    ap.add_argument("object", nargs="?", help="overlay: the object's id or its prefix, e.g. stop_sign09")
    ap.add_argument("--clicks", default="1,3,5")
    ap.add_argument("--out", default="/tmp/trace.png")
    ap.add_argument("--set", default="COCO_MVal_dev", help="a set under <data>/dev (../train/<name>: a training set)")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--ckpt", default="checkpoints/nanodet_384.pt")
    ap.add_argument("--data", default="../../../shared/datasets")
    ap.add_argument("--no-adapt", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(2)
    model, size, zoom = served_model(a.ckpt, not a.no_adapt)
    clicks = [int(k) for k in a.clicks.split(",")]
    load = lambda ip, mp: (np.array(Image.open(ip).convert("RGB")), np.array(Image.open(mp)) > 127)
    if a.what == "overlay":
        found = [t for t in load_instances(a.data, a.set) if os.path.basename(t[1]).startswith(a.object or "")]
        if not a.object or not found:
            raise SystemExit(f"overlay needs the id (or its prefix) of an object in {a.set}")
        ip, mp = found[0]
        img, gt = load(ip, mp)
        overlay(img, gt, masks_per_click(model, size, zoom, img, gt, clicks)).save(a.out)
        print(a.out)
        return
    rows = {k: [] for k in clicks}
    for ip, mp in load_instances(a.data, a.set, a.limit):
        img, gt = load(ip, mp)
        for k, (p, _) in masks_per_click(model, size, zoom, img, gt, clicks).items():
            rows[k].append(boundary_bias(p, gt))
    for k in clicks:
        r = np.array(rows[k]).reshape(-1, 2)
        print(f"click {k}: {len(r)} objects, signed {r[:, 0].mean():+.3f} px (median {np.median(r[:, 0]):+.3f}), "
              f"unsigned {r[:, 1].mean():.3f} px per boundary pixel")


if __name__ == "__main__":
    main()
