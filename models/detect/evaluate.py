"""How well the detector finds COCO_MVal_dev's objects: each dev instance is named after its COCO
class (`airplane07_...`); an instance counts as found when a detection of its class, kept after
per-class NMS at a score threshold, has box IoU >= 0.5 with the mask's bounding box. The sets
annotate one object per file, so precision cannot be measured; the detections per image are
reported instead. Usage:
  /usr/bin/python3 evaluate.py --onnx ../coco-detector.onnx --data ../../../shared/datasets/dev/COCO_MVal_dev
  /usr/bin/python3 evaluate.py --graph /tmp/hm/package/models/nanodet --offset 0.5 ...   (PyTorch, before export)"""
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


def detect(run, path, thr, iou=0.6):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    x = torch.from_numpy(np.asarray(im.resize((SIZE, SIZE), Image.BILINEAR), np.float32) / 255).permute(2, 0, 1)[None]
    with torch.no_grad():
        scores, boxes = run(x)
    scores, boxes = scores[0], boxes[0] * torch.tensor([w / SIZE, h / SIZE, w / SIZE, h / SIZE])
    a, c = (scores > thr).nonzero(as_tuple=True)
    keep = torchvision.ops.batched_nms(boxes[a], scores[a, c], c, iou)
    return boxes[a][keep], scores[a, c][keep], c[keep]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--onnx")
    p.add_argument("--graph", default="/tmp/hm/package/models/nanodet")
    p.add_argument("--offset", type=float, default=0.0)
    p.add_argument("--data", default="../../../shared/datasets/dev/COCO_MVal_dev")
    p.add_argument("--thr", type=float, nargs="+", default=[0.3, 0.4, 0.5])
    a = p.parse_args()
    run = load(a)
    masks = sorted(glob.glob(os.path.join(a.data, "masks", "*.png")))
    lo = min(a.thr)
    found = {t: 0 for t in a.thr}
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
        if ip not in cache:
            cache[ip] = detect(run, ip, lo)
        boxes, scores, classes = cache[ip]
        m = np.asarray(Image.open(mp)) == 255
        ys, xs = np.nonzero(m)
        gt = torch.tensor([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], dtype=torch.float32)
        n += 1
        for t in a.thr:
            sel = (classes == cls) & (scores > t)
            if sel.any() and torchvision.ops.box_iou(boxes[sel], gt).max() >= 0.5:
                found[t] += 1
            if ip not in done:
                per_image[t].append(int((scores > t).sum()))
        done.add(ip)
    out = {"instances": n, "images": len(cache),
           "recall": {str(t): round(found[t] / n, 3) for t in a.thr},
           "detectionsPerImage": {str(t): round(float(np.mean(per_image[t])), 2) for t in a.thr}}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
