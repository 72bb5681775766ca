"""Where the clicks go: `npm run eval -- ... --details <file>` per object, grouped by the object's
size (the shorter side of its ground-truth bounding box, in image pixels), with the objects that
never reach 90% listed. With --against <other details.jsonl> (an earlier run, e.g. the served
model), each size group also gets that run's NoC@90 on the same objects: where a change gains and
where it loses. Usage (from models/train):
  /usr/bin/python3 failures.py <details.jsonl> [dataset dir, default ../../../shared/datasets/dev/COCO_MVal_dev]
      [--against <details.jsonl>]
"""
import argparse
import json

import numpy as np
from PIL import Image

BUCKETS = [(0, 20), (20, 50), (50, 100), (100, 200), (200, 1 << 30)]


def main(details, root, against=None):
    other = {}
    if against:
        for line in open(against):
            r = json.loads(line)
            other[r["id"]] = r["noc90"]
    rows = []
    for line in open(details):
        r = json.loads(line)
        m = np.array(Image.open(f"{root}/masks/{r['id']}.png").convert("L")) > 128  # 128: ignored, as npm run eval
        ys, xs = np.nonzero(m)
        rows.append({**r, "short": int(min(np.ptp(ys), np.ptp(xs)) + 1)})
    n, total = len(rows), sum(r["noc90"] for r in rows)
    print(f"{n} objects, NoC@90 {total / n:.2f}, clicks {total}")
    print("short side px | objects | NoC@85 | NoC@90 | NoF@90 | share of all clicks"
          + (" | NoC@90 of --against on the same objects" if against else ""))
    for lo, hi in BUCKETS:
        b = [r for r in rows if lo <= r["short"] < hi]
        if b:
            c = sum(r["noc90"] for r in b)
            vs = ""
            if against:
                both = [r for r in b if r["id"] in other]
                vs = (f" | {np.mean([other[r['id']] for r in both]):.2f} (this run "
                      f"{np.mean([r['noc90'] for r in both]):.2f}, {len(both)} objects)") if both else " | -"
            print(f"{lo}-{hi if hi < 1 << 30 else ''} | {len(b)} | {np.mean([r['noc85'] for r in b]):.2f} | "
                  f"{c / len(b):.2f} | {sum(max(r['ious']) < 0.9 for r in b)} | {c / total:.0%}{vs}")
    # what each click after the first had to improve on: the IoU it found (a click from 0.85-0.9 is
    # boundary work, one from under 0.7 a missing or extra region)
    edges = [0.5, 0.7, 0.8, 0.85, 0.9]
    print("clicks after the first, by the IoU they started from: " + ", ".join(
        f"{lo}-{hi} {sum(lo <= r['ious'][k - 1] < hi for r in rows for k in range(1, r['noc90']))}"
        for lo, hi in zip([0.0] + edges, edges)))
    if all("clicks" in r for r in rows):  # details written since the clicks were added
        rep = [sum(a == b for a, b in zip(r["clicks"], r["clicks"][1:r["noc90"]])) for r in rows]
        print(f"clicks equal to the click before (it changed nothing), before 90%: {sum(rep)} "
              f"in {sum(v > 0 for v in rep)} objects")
    print("never 90%: " + ", ".join(f"{r['id'].rsplit('_', 1)[0]} ({r['short']} px, best {max(r['ious']):.2f})"
                                    for r in sorted(rows, key=lambda r: r["short"]) if max(r["ious"]) < 0.9))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="where the clicks go, from npm run eval --details")
    ap.add_argument("details")
    ap.add_argument("dataset", nargs="?", default="../../../shared/datasets/dev/COCO_MVal_dev")
    ap.add_argument("--against", help="an earlier run's details file, compared on the same objects")
    a = ap.parse_args()
    main(a.details, a.dataset, a.against)
