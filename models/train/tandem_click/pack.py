"""A resized copy of the train sets, small enough to carry to a lent GPU machine (a device call takes
at most 64 MiB, the repository included). Same layout and pairing as the original (data.py reads
it unchanged): images with the long side at most --side px as JPEG --quality, masks resized to
match (nearest, 1-bit PNG), all in one stored zip (--zip) since
the carry limit counts each small file's disk blocks. Whole-image training views are 384 px (x0.75-1.35),
so 384-416 px sources lose little there; zoom-in views of small objects upsample, hence COCO at 448.
Usage: /usr/bin/python3 -m tandem_click.pack --data <datasets root> --out <dir> [--side 384 --quality 80 --zip <path>]
       [--sets NAME[:PX],...]
"""
import argparse
import os
import shutil

from PIL import Image


def pack(data, out, side, quality, sets):
    total = 0
    for entry in sets:
        name, _, own = entry.partition(":")  # NAME:PX packs that set at its own long side
        side_ = int(own) if own else side
        src = os.path.join(data, "train", name)
        for sub in ("images", "masks"):
            os.makedirs(os.path.join(out, "train", name, sub), exist_ok=True)
        scale = {}
        for f in sorted(os.listdir(os.path.join(src, "images"))):
            im = Image.open(os.path.join(src, "images", f)).convert("RGB")
            s = min(1.0, side_ / max(im.size))
            scale[os.path.splitext(f)[0]] = s
            if s < 1:
                im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.BILINEAR)
            p = os.path.join(out, "train", name, "images", f)
            im.save(p, quality=quality)
            total += os.path.getsize(p)
        for f in sorted(os.listdir(os.path.join(src, "masks"))):
            mid = os.path.splitext(f)[0]
            iid = mid if mid in scale else mid.rsplit("_", 1)[0]
            m = Image.open(os.path.join(src, "masks", f)).convert("L")
            s = scale[iid]
            if s < 1:
                # the image was resized with round(); the mask must land on exactly the same size
                with Image.open(os.path.join(out, "train", name, "images", iid + ".jpg")) as img:
                    m = m.resize(img.size, Image.NEAREST)
            p = os.path.join(out, "train", name, "masks", f)
            m.point(lambda v: 255 if v > 127 else 0).convert("1").save(p, optimize=True)  # 1-bit PNG: ~4x smaller
            total += os.path.getsize(p)
    return total


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--side", type=int, default=384)
    ap.add_argument("--quality", type=int, default=80)
    ap.add_argument("--zip", help="also write <zip>.zip of the subset (unpack with python3 -m zipfile -e)")
    # COCO at 448 (its images are 512 at most): zoom-in views of its small objects, where the misses
    # are, upsample less. BSDS (481 px) and the horses are small already. Fits the 64 MiB carry with
    # the repository (35.6 MB zip beside a 26 MB tree)
    ap.add_argument("--sets", default="COCO_MVal_train:448,BSDS500_regions_all,WeizmannHorses")
    a = ap.parse_args()
    print(pack(a.data, a.out, a.side, a.quality, a.sets.split(",")), "bytes")
    if a.zip:
        shutil.make_archive(a.zip, "zip", a.out, "train")  # JPEG and PNG are compressed already
        print(os.path.getsize(a.zip + ".zip"), "bytes in", a.zip + ".zip")
