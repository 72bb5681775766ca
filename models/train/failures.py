"""Where the clicks go: `npm run eval -- ... --details <file>` per object, grouped by the object's
size (the shorter side of its ground-truth bounding box, in image pixels), with the objects that
never reach 90% listed. Usage (from models/train):
  /usr/bin/python3 failures.py <details.jsonl> [dataset dir, default ../../../shared/datasets/dev/COCO_MVal_dev]
"""
import json
import sys

import numpy as np
from PIL import Image

BUCKETS = [(0, 20), (20, 50), (50, 100), (100, 200), (200, 1 << 30)]


def main(details, root):
    rows = []
    for line in open(details):
        r = json.loads(line)
        m = np.array(Image.open(f"{root}/masks/{r['id']}.png").convert("L")) > 128  # 128: ignored, as npm run eval
        ys, xs = np.nonzero(m)
        rows.append({**r, "short": int(min(np.ptp(ys), np.ptp(xs)) + 1)})
    n, total = len(rows), sum(r["noc90"] for r in rows)
    print(f"{n} objects, NoC@90 {total / n:.2f}, clicks {total}")
    print("short side px | objects | NoC@85 | NoC@90 | NoF@90 | share of all clicks")
    for lo, hi in BUCKETS:
        b = [r for r in rows if lo <= r["short"] < hi]
        if b:
            c = sum(r["noc90"] for r in b)
            print(f"{lo}-{hi if hi < 1 << 30 else ''} | {len(b)} | {np.mean([r['noc85'] for r in b]):.2f} | "
                  f"{c / len(b):.2f} | {sum(max(r['ious']) < 0.9 for r in b)} | {c / total:.0%}")
    if all("clicks" in r for r in rows):  # details written since the clicks were added
        rep = [sum(a == b for a, b in zip(r["clicks"], r["clicks"][1:r["noc90"]])) for r in rows]
        print(f"clicks equal to the click before (it changed nothing), before 90%: {sum(rep)} "
              f"in {sum(v > 0 for v in rep)} objects")
    print("never 90%: " + ", ".join(f"{r['id'].rsplit('_', 1)[0]} ({r['short']} px, best {max(r['ious']):.2f})"
                                    for r in sorted(rows, key=lambda r: r["short"]) if max(r["ious"]) < 0.9))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "../../../shared/datasets/dev/COCO_MVal_dev")
