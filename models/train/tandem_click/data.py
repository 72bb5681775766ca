"""Training samples from the three train sets with strong augmentation and copy-paste composites.

Every sample is a `crop` x `crop` window of an image rescaled as if its long side were about
`frame` px (the model's working size S), so objects appear at the scale the model sees at inference.
Images are RGB float in [0, 1] (nsfwjs normalisation), padding is 0.
"""
import os
import random as _random

import numpy as np
from PIL import Image


def _pairs(root):
    """(image_path, [mask_paths]) per image of one dataset folder (README pairing rules)."""
    imgs = {os.path.splitext(f)[0]: os.path.join(root, "images", f) for f in os.listdir(os.path.join(root, "images"))}
    groups = {}
    for f in sorted(os.listdir(os.path.join(root, "masks"))):
        mid = os.path.splitext(f)[0]
        iid = mid if mid in imgs else mid.rsplit("_", 1)[0]
        groups.setdefault(iid, []).append(os.path.join(root, "masks", f))
    return [(imgs[i], groups[i]) for i in sorted(groups)]


def _rgb(path):
    return np.array(Image.open(path).convert("RGB"))


def _mask(path):
    return np.array(Image.open(path).convert("L")) > 127  # 8- or 1-bit PNG


def _small_masks(root, names, px):
    """(image path, mask path) of the objects whose bounding box's short side is under px."""
    out = []
    for name in names:
        for img_p, masks in _pairs(os.path.join(root, "train", name)):
            for mp in masks:
                ys, xs = np.nonzero(_mask(mp))
                if len(ys) and min(np.ptp(ys), np.ptp(xs)) + 1 < px:
                    out.append((img_p, mp))
    return out


def _resize_mask(m, nw, nh, off=(0.0, 0.0)):
    """Bool mask resized to nw x nh (bilinear, then halved), its content moved by off = (dx, dy)
    source px first. A sub-pixel move survives only in the resampling: the source is binary."""
    if not any(off):
        return np.array(Image.fromarray(m.astype(np.uint8) * 255).resize((nw, nh), Image.BILINEAR)) > 127
    dx, dy = off
    H, W = m.shape
    src = Image.fromarray(np.pad(m, 1, mode="edge").astype(np.float32))  # the box may reach past the edge
    return np.array(src.resize((nw, nh), Image.BILINEAR, box=(1 - dx, 1 - dy, 1 - dx + W, 1 - dy + H))) > 0.5


def colour_jitter(img, rng):
    """uint8 HxWx3 -> float32 in [0, 1], colour-jittered (gpu_colour.colour does the same to a batch)."""
    x = img.astype(np.float32) / 255.0
    if rng.random() < 0.8:
        x = x * rng.uniform(0.7, 1.3)  # brightness
        mu = x.mean()
        x = (x - mu) * rng.uniform(0.7, 1.3) + mu  # contrast
        g = x.mean(2, keepdims=True)
        x = (x - g) * rng.uniform(0.6, 1.4) + g  # saturation
        x = x * rng.uniform(0.92, 1.08, size=(1, 1, 3))  # white balance
    if rng.random() < 0.05:
        x = np.repeat(x.mean(2, keepdims=True), 3, 2)
    return np.clip(x, 0, 1).astype(np.float32)


class TrainSet:
    def __init__(self, data_root, sets, frame, crop, seed, zoom_p=0.3, small=None, mask_offsets=None):
        # zoom_p: share of zoom-in views (object fills 30-85% of the frame), the view the worker's
        # zoom-in gives every click from the second on; the rest are whole-image views
        self.zoom_p = zoom_p
        self.sets = [(_pairs(os.path.join(data_root, "train", name)), w) for name, w in sets.items()]
        # mask_offsets = {set: [dx, dy]}: that set's masks move by (dx, dy) source px onto the image's
        # edges (mask_offsets.py measures them): COCO's rasterised polygons sit right/down of the
        # edges, BSDS's regions up/left, and the flips turn the difference into boundary noise
        offs = mask_offsets or {}
        self.offsets = [tuple(offs.get(name, (0.0, 0.0))) for name in sets]
        # small = {"p", "px", "sets"}: a share p of the samples targets an object whose bounding box's
        # short side is under px (from the named sets): dev's objects under 50 px take 40% of the
        # clicks while only 23% of the objects are that small.
        self.small_p = small["p"] if small else 0.0
        self.small = _small_masks(data_root, small["sets"], small["px"]) if small else []
        self.weights = np.array([w for _, w in self.sets], np.float64)
        self.weights /= self.weights.sum()
        self.frame, self.crop = frame, crop
        self.rng = np.random.default_rng(seed)

    @classmethod
    def from_config(cls, data_root, cfg, seed):
        """The sample stream an experiment config describes (train.py and train_fast.py alike)."""
        return cls(data_root, cfg["sets"], cfg["size"], cfg["crop"], seed, cfg.get("zoom_p", 0.3), cfg.get("small"),
                   cfg.get("mask_offsets"))

    def _load(self):
        """Random (image uint8 HxWx3, mask bool HxW, the set's mask offset (dx, dy)); BSDS sampled by
        image, then one region."""
        k = self.rng.choice(len(self.sets), p=self.weights)
        items = self.sets[k][0]
        img_p, masks = items[self.rng.integers(len(items))]
        m = _mask(masks[self.rng.integers(len(masks))])
        return _rgb(img_p), m, self.offsets[k]

    def _paste(self, dst, src, smask):
        """Paste src's masked object onto dst at a random scale / place; returns (image, pasted mask)."""
        H, W = dst.shape[:2]
        ys, xs = np.nonzero(smask)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        obj, om = src[y0:y1, x0:x1], smask[y0:y1, x0:x1]
        s = self.rng.uniform(0.3, 0.8) * max(H, W) / max(obj.shape[:2])
        s = min(s, 0.95 * H / obj.shape[0], 0.95 * W / obj.shape[1])
        nh, nw = max(4, int(obj.shape[0] * s)), max(4, int(obj.shape[1] * s))
        obj = np.array(Image.fromarray(obj).resize((nw, nh), Image.BILINEAR))
        om = _resize_mask(om, nw, nh)
        if self.rng.random() < 0.5:
            obj, om = obj[:, ::-1], om[:, ::-1]
        py, px = self.rng.integers(0, H - nh + 1), self.rng.integers(0, W - nw + 1)
        out = dst.copy()
        region = out[py:py + nh, px:px + nw]
        region[om] = obj[om]
        full = np.zeros((H, W), bool)
        full[py:py + nh, px:px + nw] = om
        return out, full

    def sample(self):
        """Returns (image float32 [3, C, C] in [0, 1], mask bool [C, C])."""
        im, mm = self._view()
        return np.ascontiguousarray(colour_jitter(im, self.rng).transpose(2, 0, 1)), mm

    def sample_uncoloured(self):
        """(image uint8 [3, C, C] before colour jitter, mask bool [C, C]): train_fast jitters the batch
        on the device (gpu_colour.py)."""
        im, mm = self._view()
        return np.ascontiguousarray(im.transpose(2, 0, 1)), mm

    def _load_small(self):
        img_p, mp = self.small[self.rng.integers(len(self.small))]
        return _rgb(img_p), _mask(mp)

    def _view(self):
        """One augmented crop before colour: (image uint8 [C, C, 3], mask bool [C, C])."""
        if self.small_p and self.rng.random() < self.small_p:
            # a small object in its own image (copy-paste would rescale it to 30-80% of the frame)
            for _ in range(20):
                out = self._geometry(*self._load_small())
                if out is not None:
                    return out
        for _ in range(20):
            img, m, off = self._load()
            if m.sum() < 30:
                continue
            r = self.rng.random()
            if r < 0.25:  # copy-paste: the target is an object pasted onto another image
                bg, _, _ = self._load()
                img, m = self._paste(bg, img, m)
                off = (0.0, 0.0)  # the pasted pixels end where the mask ends
            elif r < 0.4:  # occluder pasted over the target
                simg, sm, _ = self._load()
                if sm.sum() >= 30:
                    img, occ = self._paste(img, simg, sm)
                    if (m & ~occ).sum() > 0.4 * m.sum():
                        m = m & ~occ  # off moves the occluder's edge too: a sub-pixel error on 15%
            out = self._geometry(img, m, off)
            if out is not None:
                return out
        raise RuntimeError("no valid sample in 20 tries")

    def _geometry(self, img, m, off=(0.0, 0.0)):
        H, W = m.shape
        C = self.crop
        ys, xs = np.nonzero(m)
        bh, bw = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        if self.rng.random() < self.zoom_p:  # zoom-in view: object long side fills 30-85% of the frame
            s = self.rng.uniform(0.3, 0.85) * self.frame / max(bh, bw)
        else:  # whole-image view as at inference, with scale jitter
            s = np.exp(self.rng.uniform(np.log(0.75), np.log(1.35))) * self.frame / max(H, W)
        s = min(s, 4.0)
        nh, nw = max(8, int(round(H * s))), max(8, int(round(W * s)))
        im = np.array(Image.fromarray(img).resize((nw, nh), Image.BILINEAR))
        mm = _resize_mask(m, nw, nh, off)
        if mm.sum() < 20:
            return None
        # crop window (may extend past the image: padded with 0) containing the object's centre area
        ys, xs = np.nonzero(mm)
        cy, cx = ys[len(ys) // 2], xs[self.rng.integers(len(xs))]
        oy = int(np.clip(cy - self.rng.integers(C // 5, 4 * C // 5), min(0, nh - C), max(0, nh - C)))
        ox = int(np.clip(cx - self.rng.integers(C // 5, 4 * C // 5), min(0, nw - C), max(0, nw - C)))
        out_im = np.zeros((C, C, 3), np.uint8)
        out_m = np.zeros((C, C), bool)
        sy0, sx0 = max(oy, 0), max(ox, 0)
        sy1, sx1 = min(oy + C, nh), min(ox + C, nw)
        out_im[sy0 - oy:sy1 - oy, sx0 - ox:sx1 - ox] = im[sy0:sy1, sx0:sx1]
        out_m[sy0 - oy:sy1 - oy, sx0 - ox:sx1 - ox] = mm[sy0:sy1, sx0:sx1]
        if out_m.sum() < 0.5 * mm.sum() or out_m.sum() < 20:
            return None
        if self.rng.random() < 0.5:
            out_im, out_m = out_im[:, ::-1], out_m[:, ::-1]
        return out_im, out_m
