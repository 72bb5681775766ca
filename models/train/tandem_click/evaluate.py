"""Dev evaluation with the standard protocol (contract 7): NoC@85/90, NoF@90, mIoU@1..5.

Mirrors the worker's `onnx` engine: resize long side to S (bilinear), top-left on an S x S canvas
padded with 0, clicks mapped by x_model = (x + 0.5) * scale - 0.5, logits upsampled to S, padding
cropped, resized to the image size (bilinear), mask = logits > 0.
Usage: python3 -m tandem_click.evaluate --ckpt <ckpt.pt> [--data <datasets root>] [--limit N]
    [--half select|report] [--details <file>]
--ckpt may be repeated as <ckpt.pt>:<weight>: the checkpoints' logits are averaged per click with
those weights (an ensemble, to compare with a weight average of the same checkpoints). --half and
--details as `npm run eval` (even / odd positions of the sorted list; one JSON line per object), so
`npm run eval:compare -- <details> --baseline <details>` gives the paired difference.
"""
import argparse
import contextlib
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from scipy.ndimage import label

from .adapt import HeadAdapt
from .clicks import first_click, next_click
from .data import _pairs


def load_instances(data_root, name="COCO_MVal_dev", limit=None, half=None):
    out = []
    for img_p, masks in _pairs(os.path.join(data_root, "dev", name)):
        for mp in masks:
            out.append((img_p, mp))
    out.sort(key=lambda t: t[1])
    if half:  # the eval CLI's halves: select = even positions of the sorted list, report = odd
        out = out[{"select": 0, "report": 1}[half]::2]
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


def prev_to_frame(pred, roi, size):
    """Full-resolution bool mask -> [1, 1, S, S] prev_mask for the frame of `roi` (nearest, as the worker)."""
    x0, y0, x1, y1 = roi
    crop = pred[y0:y1, x0:x1]
    ch, cw = crop.shape
    scale = size / max(ch, cw)
    rh, rw = min(size, round(ch * scale)), min(size, round(cw * scale))
    sy = np.minimum(ch - 1, np.floor((np.arange(rh) + 0.5) / scale).astype(int))
    sx = np.minimum(cw - 1, np.floor((np.arange(rw) + 0.5) / scale).astype(int))
    out = torch.zeros(1, 1, size, size)
    out[0, 0, :rh, :rw] = torch.from_numpy(crop[sy][:, sx].astype(np.float32))
    return out


def object_roi(pred, clicks, h, w, expansion, min_frac):
    """Zoom-in window (x0, y0, x1, y1), end-exclusive: the bbox of the mask and its positive clicks,
    grown by `expansion` and to at least `min_frac` of the image's long side, clamped to the image.
    None when there is nothing to zoom on."""
    ys, xs = np.nonzero(pred)
    pos = [(x, y) for x, y, p in clicks if p]
    if len(ys) == 0 and not pos:
        return None
    xs = np.concatenate([xs, [x for x, _ in pos]]).astype(float)
    ys = np.concatenate([ys, [y for _, y in pos]]).astype(float)
    cx, cy = (xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2
    m = min_frac * max(h, w)
    bw, bh = max((xs.max() - xs.min() + 1) * expansion, m), max((ys.max() - ys.min() + 1) * expansion, m)
    x0, x1 = max(0, int(round(cx - bw / 2))), min(w, int(round(cx + bw / 2)))
    y0, y1 = max(0, int(round(cy - bh / 2))), min(h, int(round(cy + bh / 2)))
    return x0, y0, x1, y1


def box_iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])
    return inter / max(1, area(a) + area(b) - inter)


@torch.no_grad()
def eval_instance(model, img, gt, size, max_clicks=20, thresholds=(0.85, 0.9), zoom=None, on_mask=None):
    """zoom: None, or the manifest's zoomIn {expansion, minFrac, reuseIou, fromClick} (RITM's ZoomIn): from click
    `from_click` on, the encoder runs on a window around the current mask instead of the whole image.
    on_mask(k, pred, roi, clicks), when given, sees each click's final mask (mask_trace.py draws and measures them)."""
    h, w = gt.shape
    full = (0, 0, w, h)
    cache = {}

    def feats_for(roi):
        if roi not in cache:
            x, scale, rs = frame_image(img[roi[1]:roi[3], roi[0]:roi[2]], size)
            cache[roi] = (model.encoder(x), scale, rs)
        return cache[roi]

    pred = np.zeros_like(gt)
    clicks, ious, dec_t, roi, recent = [], [], 0.0, full, []
    for k in range(max_clicks):
        c = first_click(gt) if k == 0 else next_click(pred, gt)
        if c is None:
            ious.append(ious[-1] if ious else 1.0)
            continue
        clicks.append(c)
        if zoom and len(clicks) >= zoom["fromClick"]:
            r = object_roi(pred, clicks, h, w, zoom["expansion"], zoom["minFrac"])
            if r is None or r == full:
                roi = full
            else:  # reuse a recent window that still fits (its encoder outputs are cached), as the worker
                x, y, _ = clicks[-1]
                roi = next((o for o in recent if box_iou(r, o) >= zoom["reuseIou"]
                            and o[0] <= x < o[2] and o[1] <= y < o[3]), r)
                recent = [roi] + [o for o in recent if o != roi][:3]
        feats, scale, (rh, rw) = feats_for(roi)
        pts = torch.tensor([[[(cx - roi[0] + 0.5) * scale - 0.5, (cy - roi[1] + 0.5) * scale - 0.5, 1.0 if p else 0.0]
                             for cx, cy, p in clicks]], dtype=torch.float32)
        if hasattr(model, "observe_prev"):  # HeadAdapt's hard-object rule reads the previous mask's size
            model.observe_prev(pred if k else None)
        t = time.time()
        logits = model.decode(feats, pts, prev_to_frame(pred, roi, size))
        dec_t += time.time() - t
        up = F.interpolate(logits, size=(size, size), mode="bilinear", align_corners=False)
        ch, cw = roi[3] - roi[1], roi[2] - roi[0]
        crop = F.interpolate(up[:, :, :rh, :rw], size=(ch, cw), mode="bilinear", align_corners=False)
        pred = np.zeros_like(gt)
        pred[roi[1]:roi[3], roi[0]:roi[2]] = crop[0, 0].numpy() > 0
        for cx, cy, p in clicks:  # every clicked pixel takes its label, as the worker (frame.ts stampClicks)
            if roi[0] <= cx < roi[2] and roi[1] <= cy < roi[3]:
                pred[cy, cx] = p
        keep_seeded_components(pred, roi, clicks)
        if on_mask:
            on_mask(len(clicks), pred, roi, list(clicks))
        inter, union = (pred & gt).sum(), (pred | gt).sum()
        ious.append(inter / max(union, 1))
    nocs = {}
    for th in thresholds:
        hit = [i for i, v in enumerate(ious) if v >= th]
        nocs[th] = hit[0] + 1 if hit else max_clicks
    return ious, nocs, dec_t / max(len(clicks), 1), len(cache)


def keep_seeded_components(pred, roi, clicks, radius=2):
    """The worker's components.ts: inside the window, only the 8-connected parts of the mask with a
    pixel within `radius` of a positive click are kept (unchanged when none is)."""
    view = pred[roi[1]:roi[3], roi[0]:roi[2]]
    lab, _ = label(view, structure=np.ones((3, 3), dtype=bool))
    keep = set()
    for cx, cy, p in clicks:
        if not p:
            continue
        x, y = cx - roi[0], cy - roi[1]
        for yy in range(max(0, y - radius), min(view.shape[0], y + radius + 1)):
            for xx in range(max(0, x - radius), min(view.shape[1], x + radius + 1)):
                if (xx - x) ** 2 + (yy - y) ** 2 <= radius * radius and lab[yy, xx]:
                    keep.add(lab[yy, xx])
    if keep:
        view &= np.isin(lab, list(keep))


class LogitEnsemble:
    """Models whose logits are averaged per click (weights as given), each on its own encoder
    features of the same frame: evaluate()'s `model` for `--ckpt a.pt:w --ckpt b.pt:w`."""

    def __init__(self, models, weights):
        self.models, self.weights = models, weights

    def eval(self):
        for m in self.models:
            m.eval()
        return self

    def encoder(self, x):
        return [m.encoder(x) for m in self.models]

    def decode(self, feats, points, prev_mask):
        return sum(w * m.decode(f, points, prev_mask) for m, f, w in zip(self.models, feats, self.weights))


def parse_ckpt_spec(spec):
    """'<path>[:<weight>]' -> (path, weight); a path may hold colons of its own."""
    head, sep, tail = spec.rpartition(":")
    try:
        return (head, float(tail)) if sep else (spec, 1.0)
    except ValueError:
        return spec, 1.0


def evaluate(model, data_root, size, limit=None, max_clicks=20, zoom=None, half=None, details=None):
    model.eval()
    inst = load_instances(data_root, limit=limit, half=half)
    all_ious, n85, n90, ms, encs = [], [], [], [], []
    with open(details, "w") if details else contextlib.nullcontext() as out:
        for img_p, mp in inst:
            img = np.array(Image.open(img_p).convert("RGB"))
            gt = np.array(Image.open(mp)) > 127
            ious, nocs, dt, n_enc = eval_instance(model, img, gt, size, max_clicks, zoom=zoom)
            if out:
                out.write(json.dumps({"id": os.path.basename(mp)[:-4], "noc85": nocs[0.85], "noc90": nocs[0.9],
                                      "ious": [round(float(v), 4) for v in ious]}) + "\n")
                out.flush()  # a long run's objects are readable as they finish
            all_ious.append(ious)
            n85.append(nocs[0.85])
            n90.append(nocs[0.9])
            ms.append(dt * 1000)
            encs.append(n_enc)
    ious = np.array(all_ious)
    res = {"n": len(inst), **({"zoomIn": zoom} if zoom else {}), "noc85": float(np.mean(n85)), "noc90": float(np.mean(n90)),
           "nof90": int(sum(v >= max_clicks and ious[i, -1] < 0.9 for i, v in enumerate(n90))),
           "msPerClickTorch": float(np.mean(ms)),
           "encoderRunsPerObject": float(np.mean(encs))}
    for k in range(1, 6):
        res[f"iou{k}"] = float(ious[:, k - 1].mean())
    return res


if __name__ == "__main__":
    from .model import load_checkpoint
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True, action="append", help="<ckpt.pt>[:<weight>]; repeat for a logit ensemble")
    ap.add_argument("--data", default=os.environ.get("TANDEM_DATASETS", "../shared/datasets"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--size", type=int, default=None)
    ap.add_argument("--zoom", default=None, help='JSON, e.g. {"expansion":1.4,"minFrac":0.3,"reuseIou":0.5,"fromClick":2} (the manifest zoomIn)')
    ap.add_argument("--half", choices=["select", "report"], default=None)
    ap.add_argument("--details", default=None, help="one JSON line per object, as npm run eval --details")
    ap.add_argument("--adapt", default=None, help='JSON {"lambda": 0.1, "iters": 20, "anchor": 1, "anchorStride": 4}: the manifest adapt (HeadAdapt)')
    a = ap.parse_args()
    torch.set_num_threads(2)
    models, weights, size = [], [], a.size
    for spec in a.ckpt:
        path, w = parse_ckpt_spec(spec)
        m, ck = load_checkpoint(path, size)
        size = size or ck["config"]["size"]
        models.append(m)
        weights.append(w)
    model = models[0] if len(models) == 1 and weights[0] == 1 else LogitEnsemble(models, weights)
    if a.adapt:
        assert len(models) == 1, "--adapt refits one model's head"
        model = HeadAdapt.from_spec(models[0], json.loads(a.adapt))
    print(json.dumps(evaluate(model, a.data, size, a.limit, zoom=json.loads(a.zoom) if a.zoom else None,
                              half=a.half, details=a.details)))
