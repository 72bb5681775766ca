"""Where a set's mask boundaries sit against the image's edges, to a fraction of a pixel.
For the masks shifted by -1, 0 and +1 px along x (and then y), the mean grey-level step across
the pairs of neighbouring pixels the mask's boundary separates; a parabola through the three gives
the shift at which the boundary would sit on the edges: 0, the mask follows the image; > 0, the
image's edges lie that far right (x) or down (y) of the mask's boundary (the mask sits up/left of
them); < 0, the mask sits right/down of them. Read the sign and compare sets; the size reads low
on blurred edges, where the three steps are nearly equal and the parabola flattens. Sets whose offsets differ teach a model two places for the same boundary.
Usage (from models/train):
  /usr/bin/python3 mask_offsets.py <set dir with images/ and masks/> [masks to sample, default 300]
"""
import sys

import numpy as np
from PIL import Image

from tandem_click.data import _pairs


def steps(grey, mask, axis):
    """Mean |grey step| across the mask's boundary pairs for the mask shifted by -1, 0, +1 along axis."""
    out = []
    for s in (-1, 0, 1):
        m = np.roll(mask, s, 1 - axis)  # axis 0: x (columns), 1: y (rows)
        if axis == 0:
            cut, diff = m[:, :-1] != m[:, 1:], np.abs(grey[:, :-1] - grey[:, 1:])
        else:
            cut, diff = m[:-1] != m[1:], np.abs(grey[:-1] - grey[1:])
        out.append(diff[cut].mean() if cut.any() else np.nan)
    return out


def peak(e):
    """Vertex of the parabola through (-1, e[0]), (0, e[1]), (1, e[2]), as a shift of the mask."""
    curv = e[0] - 2 * e[1] + e[2]
    return 0.0 if curv >= 0 else float((e[0] - e[2]) / (2 * curv))


def main(d, n):
    pairs = sorted((mp, ip) for ip, mps in _pairs(d) for mp in mps)  # the README's pairing, by mask
    pairs = pairs[::max(1, len(pairs) // n)][:n]
    acc = {0: [], 1: []}
    for mp, ip in pairs:
        grey = np.asarray(Image.open(ip).convert("L"), np.float32)
        mask = np.asarray(Image.open(mp)) > 127
        for axis in (0, 1):
            acc[axis].append(steps(grey, mask, axis))
    for axis, name in ((0, "x"), (1, "y")):
        e = np.nanmean(np.array(acc[axis]), 0)
        print(f"{name}: step at shift -1 / 0 / +1 = {e[0]:.2f} / {e[1]:.2f} / {e[2]:.2f}; "
              f"edges at {peak(e):+.2f} px from the mask's boundary")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
