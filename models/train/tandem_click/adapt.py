"""The worker's head refit (server/inference/engines/onnx/adaptHead.ts, manifest `adapt`) in PyTorch,
for `evaluate.py --adapt`: the same gate, the same objective, the same damped Newton steps."""
import numpy as np
import torch
import torch.nn.functional as F


class HeadAdapt:
    """The worker's adaptHead.ts (manifest `adapt`): when the trained head gives a click inside the frame
    the wrong label, the decoder's last 1x1 conv is refitted to every click there (weighted logistic
    regression towards the trained weights, lambda; an anchor grid of cells keeping the trained head's
    probabilities, total weight `anchor`; damped Newton) and the logits come from the refitted conv.
    A hard object's requests are refitted even when the head obeys every click: from `from_click`
    clicks on, while the previous mask is under `max_side` image pixels on its short side (the
    worker's isHard; evaluate.eval_instance reports the previous mask through `observe_prev`).
    evaluate()'s `model` for --adapt."""

    def __init__(self, model, lam, iters, anchor=0.0, stride=4, from_click=None, max_side=None):
        self.m, self.lam, self.iters, self.anchor, self.stride = model, lam, iters, anchor, stride
        self.from_click, self.max_side, self.prev_short_side = from_click, max_side, None
        conv = model.decoder.out4[1]
        self.theta0 = torch.cat([conv.weight.detach().view(-1), conv.bias.detach()]).double()

    @classmethod
    def from_spec(cls, model, spec):
        """From a manifest entry's `adapt` (or `evaluate.py --adapt`'s JSON): the same keys."""
        return cls(model, spec["lambda"], spec["iters"], spec.get("anchor", 0.0), spec.get("anchorStride", 4),
                   spec.get("fromClick"), spec.get("fromClickMaxSide"))

    def observe_prev(self, pred):
        """The previous mask at image size (None or empty: no previous mask)."""
        ys, xs = np.nonzero(pred) if pred is not None else ((), ())
        self.prev_short_side = int(min(np.ptp(ys), np.ptp(xs)) + 1) if len(ys) else None

    def hard(self, clicks):
        if self.from_click is None or clicks < self.from_click:
            return False
        return self.max_side is None or (self.prev_short_side is not None and self.prev_short_side < self.max_side)

    def eval(self):
        self.m.eval()
        return self

    def encoder(self, x):
        return self.m.encoder(x)

    def decode(self, feats, points, prev_mask):
        _, hidden = self.m.decoder(*feats[:4], points, prev_mask, *feats[4:], hidden=True)
        p = points[0]
        S = self.m.decoder.size
        keep = (p[:, 0] >= 0) & (p[:, 0] < S) & (p[:, 1] >= 0) & (p[:, 1] < S) & (p[:, 2] >= 0) & (p[:, 2] <= 1)
        theta = self.theta0
        f, y = sample_features(hidden, p[keep], S).double(), p[keep, 2].double()
        z0 = torch.cat([f, torch.ones(len(f), 1, dtype=torch.float64)], 1) @ theta
        clicks = int(((p[:, 2] == 0) | (p[:, 2] == 1)).sum())  # every click, in the frame or not, as the worker counts
        if len(f) and (self.hard(clicks) or ((z0 > 0).double() != y).any()):  # a disobeyed click, or an object that took many
            w = torch.ones(len(f), dtype=torch.float64)
            if self.anchor:
                g = self.stride
                fa = hidden[0, :, g // 2::g, g // 2::g].reshape(hidden.shape[1], -1).T.double()
                xa = torch.cat([fa, torch.ones(len(fa), 1, dtype=torch.float64)], 1)
                f, y = torch.cat([f, fa]), torch.cat([y, torch.sigmoid(xa @ self.theta0)])
                w = torch.cat([w, torch.full((len(fa),), self.anchor / len(fa), dtype=torch.float64)])
            theta = self.fit(f, y, w)
        return F.conv2d(hidden, theta[:-1].float().view(1, -1, 1, 1), theta[-1:].float())

    def fit(self, f, y, w=None):
        X = torch.cat([f.double(), torch.ones(len(f), 1, dtype=torch.float64)], 1)
        w = torch.ones(len(f), dtype=torch.float64) if w is None else w
        th0, lam = self.theta0, self.lam

        def objective(th):
            return (w * F.binary_cross_entropy_with_logits(X @ th, y, reduction="none")).sum() + 0.5 * lam * ((th - th0) ** 2).sum()

        th, cur = th0.clone(), objective(th0)
        for _ in range(self.iters):
            pz = torch.sigmoid(X @ th)
            g = X.T @ (w * (pz - y)) + lam * (th - th0)
            H = X.T @ (X * (w * pz * (1 - pz))[:, None]) + lam * torch.eye(len(th), dtype=torch.float64)
            step, t = torch.linalg.solve(H, g), 1.0
            if g @ step < 2e-6:  # the Newton decrement: within 1e-6 of the optimum
                return th
            while objective(th - t * step) > cur:  # undamped Newton diverges on about one fit in eight
                t /= 2
                if t < 1e-4:
                    return th
            th = th - t * step
            cur = objective(th)
        return th


def sample_features(hidden, pts, S):
    """[n, C]: `hidden` [1, C, L, L] bilinear at model-frame points (align_corners false, edges clamped)."""
    g = ((pts[:, :2] + 0.5) / S * 2 - 1).view(1, 1, -1, 2)
    return F.grid_sample(hidden, g, mode="bilinear", padding_mode="border", align_corners=False)[0, :, 0].T
