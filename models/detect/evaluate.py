"""How well the detector finds COCO_MVal_dev's objects: each dev instance is named after its COCO
class (`airplane07_...`); an instance counts as found when a detection of its class, kept after
per-class NMS at a score threshold, has box IoU >= 0.5 with the mask's bounding box. The sets
annotate one object per file, so precision cannot be measured; the detections per image are
reported instead. Usage:
  /usr/bin/python3 evaluate.py --onnx ../coco-detector.onnx --data ../../../shared/datasets/dev/COCO_MVal_dev
  /usr/bin/python3 evaluate.py --graph /tmp/hm/package/models/nanodet --offset 0.5 ...   (PyTorch, before export)
  --tiles k also runs it on a k x k grid of overlapping windows (a quarter overlap) and merges by NMS;
  --view k runs it only on a square window around each object, k times the longer side of its box
  (at least 64 px, clipped to the image): "Find objects" with the editor zoomed in on that part.
Object size is the square root of the mask's area."""
import argparse
import glob
import json
import os
import re

import numpy as np
import torch
import torchvision
from PIL import Image

from detector import COCO, SIZE, CocoDetector

NAME = {c.replace("_", ""): i for i, c in enumerate(COCO)}


def load(args):
    if args.onnx:
        import onnxruntime as ort
        s = ort.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
        return lambda x: [torch.from_numpy(a) for a in s.run(None, {"image": x.numpy()})]
    m = CocoDetector(args.graph, args.offset).eval()
    return lambda x: m(x)


def detect_view(run, im, box, thr):
    """Detections in the view `box` (x0, y0, x1, y1) of the image, in image pixels."""
    x0, y0, x1, y1 = box
    view = im.crop(box).resize((SIZE, SIZE), Image.BILINEAR)
    x = torch.from_numpy(np.asarray(view, np.float32) / 255).permute(2, 0, 1)[None]
    with torch.no_grad():
        scores, boxes = run(x)
    sx, sy = (x1 - x0) / SIZE, (y1 - y0) / SIZE
    scores, boxes = scores[0], boxes[0] * torch.tensor([sx, sy, sx, sy]) + torch.tensor([x0, y0, x0, y0])
    a, c = (scores > thr).nonzero(as_tuple=True)
    return boxes[a], scores[a, c], c


def views(w, h, tiles, overlap=0.25):
    """The whole image, then a tiles x tiles grid of overlapping windows."""
    out = [(0, 0, w, h)]
    if tiles > 1:
        tw, th = w / (tiles - (tiles - 1) * overlap), h / (tiles - (tiles - 1) * overlap)
        for j in range(tiles):
            for i in range(tiles):
                x0, y0 = i * tw * (1 - overlap), j * th * (1 - overlap)
                out.append((round(x0), round(y0), round(min(w, x0 + tw)), round(min(h, y0 + th))))
    return out


def detect(run, path, thr, iou=0.6, tiles=1):
    im = Image.open(path).convert("RGB")
    parts = [detect_view(run, im, v, thr) for v in views(*im.size, tiles)]
    boxes, scores, classes = (torch.cat([p[k] for p in parts]) for k in range(3))
    keep = torchvision.ops.batched_nms(boxes, scores, classes, iou)
    return boxes[keep], scores[keep], classes[keep]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--onnx")
    p.add_argument("--graph", default="/tmp/hm/package/models/nanodet")
    p.add_argument("--offset", type=float, default=0.0)
    p.add_argument("--data", default="../../../shared/datasets/dev/COCO_MVal_dev")
    p.add_argument("--thr", type=float, nargs="+", default=[0.3, 0.4, 0.5])
    p.add_argument("--tiles", type=int, default=1, help="also run on a tiles x tiles grid of overlapping windows")
    p.add_argument("--view", type=float, default=0, help="run only on a window around each object, k times its box's longer side (the editor zoomed in on it)")
    a = p.parse_args()
    run = load(a)
    masks = sorted(glob.glob(os.path.join(a.data, "masks", "*.png")))
    lo = min(a.thr)
    found = {t: 0 for t in a.thr}
    buckets = (("under 32 px", 0, 32), ("32-96 px", 32, 96), ("over 96 px", 96, 1e9))
    by_size = {t: {b[0]: [0, 0] for b in buckets} for t in a.thr}
    per_image = {t: [] for t in a.thr}
    done, n = set(), 0
    cache = {}
    for mp in masks:
        stem = os.path.basename(mp)[:-4]
        img_id = re.sub(r"_\d+$", "", stem) if not os.path.exists(os.path.join(a.data, "images", stem + ".jpg")) else stem
        cls = NAME.get(re.match(r"[a-z_]+?(?=\d)", img_id).group(0).replace("_", ""))
        if cls is None:
            continue
        ip = next(f for f in glob.glob(os.path.join(a.data, "images", img_id + ".*")))
        m = np.asarray(Image.open(mp)) == 255
        ys, xs = np.nonzero(m)
        gt = torch.tensor([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], dtype=torch.float32)
        if a.view:
            im = Image.open(ip).convert("RGB")
            cx, cy = (xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2
            half = max(32, a.view * max(xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()) / 2)
            win = (int(max(0, cx - half)), int(max(0, cy - half)), int(min(im.width, cx + half)), int(min(im.height, cy + half)))
            b, sc, cl = detect_view(run, im, win, lo)
            keep = torchvision.ops.batched_nms(b, sc, cl, 0.6)
            cache[mp] = (b[keep], sc[keep], cl[keep])
            boxes, scores, classes = cache[mp]
            ip = mp  # one view per object
        else:
            if ip not in cache:
                cache[ip] = detect(run, ip, lo, tiles=a.tiles)
            boxes, scores, classes = cache[ip]
        n += 1
        side = float(np.sqrt(m.sum()))
        bucket = next(b[0] for b in buckets if b[1] <= side < b[2])
        for t in a.thr:
            sel = (classes == cls) & (scores > t)
            hit = bool(sel.any() and torchvision.ops.box_iou(boxes[sel], gt).max() >= 0.5)
            found[t] += hit
            by_size[t][bucket][0] += hit
            by_size[t][bucket][1] += 1
            if ip not in done:
                per_image[t].append(int((scores > t).sum()))
        done.add(ip)
    out = {"instances": n, "images": len(cache),
           "recall": {str(t): round(found[t] / n, 3) for t in a.thr},
           "recallBySize": {str(t): {k: f"{v[0]}/{v[1]}" for k, v in by_size[t].items()} for t in a.thr},
           "detectionsPerImage": {str(t): round(float(np.mean(per_image[t])), 2) for t in a.thr}}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
