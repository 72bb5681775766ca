"""Click simulation shared by training and dev evaluation (contract 7 of DESIGN.md, as RITM).

Coordinates are (x, y) in the pixel grid of the mask given; masks are boolean numpy arrays.
"""
import numpy as np
from scipy.ndimage import distance_transform_edt


def _edt_inside(mask):
    """Distance of each mask pixel to the nearest non-mask pixel; the image border counts as outside."""
    return distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]


def next_click(pred, gt, ignore=None, rng=None, jitter=0.0):
    """Protocol click: at the interior point, farthest from its boundary, of the larger error region.

    'Larger' is RITM's rule: the error (missed vs extra) whose farthest-from-boundary distance is
    bigger. Returns (x, y, positive) or None when there is no error. `jitter` > 0 (training only)
    picks a random pixel whose distance is at least (1 - jitter) of the maximum.
    """
    valid = np.ones_like(gt, bool) if ignore is None else ~ignore
    fn = gt & ~pred & valid
    fp = ~gt & pred & valid
    dfn, dfp = _edt_inside(fn), _edt_inside(fp)
    mfn, mfp = dfn.max(), dfp.max()
    if max(mfn, mfp) <= 0:
        return None
    positive = mfn > mfp
    d = dfn if positive else dfp
    m = max(mfn, mfp)
    if jitter > 0 and rng is not None:
        ys, xs = np.nonzero(d >= (1 - jitter) * m)
        i = rng.integers(len(ys))
        return int(xs[i]), int(ys[i]), bool(positive)
    y, x = np.unravel_index(np.argmax(d), d.shape)
    return int(x), int(y), bool(positive)


def first_click(gt):
    """Standard first click: positive, at the object's interior point farthest from its boundary."""
    d = _edt_inside(gt)
    y, x = np.unravel_index(np.argmax(d), d.shape)
    return int(x), int(y), True


def sample_initial_clicks(gt, rng):
    """Training clicks before the iterative ones: 1-3 positives inside, 0-2 negatives near outside."""
    d = _edt_inside(gt)
    m = d.max()
    clicks = []
    if rng.random() < 0.4:
        y, x = np.unravel_index(np.argmax(d), d.shape)
        clicks.append((int(x), int(y), True))
    npos = 1 + (rng.random() < 0.3) * rng.integers(1, 3)
    while len(clicks) < npos:
        ys, xs = np.nonzero(d >= rng.uniform(0.15, 0.7) * m)
        i = rng.integers(len(ys))
        clicks.append((int(xs[i]), int(ys[i]), True))
    if rng.random() < 0.35:
        dbg = distance_transform_edt(~gt)
        band = (dbg > 4) & (dbg < rng.uniform(15, 60))
        ys, xs = np.nonzero(band)
        for _ in range(min(len(ys), int(rng.integers(1, 3)))):
            i = rng.integers(len(ys))
            clicks.append((int(xs[i]), int(ys[i]), False))
    return clicks
