"""Weighted average of checkpoints fine-tuned from one start (a "model soup", Wortsman et al. 2022).

Two runs from the same checkpoint stay in one basin of the loss, so the average of their weights is
a model of its own, often better than either: tandem-click-v3 is 0.3 x v2 (CPU) + 0.7 x v2 after a
GPU run (train/CONTEXT.md). Every floating tensor is averaged, the heads' BatchNorm statistics
included (the backbone's are folded into its convolutions); integer ones come from the first.
The result keeps the last-listed checkpoint's training state, config and history, and records the
parents in state['soup'] (export.py writes it into the manifest's training entry).
Usage: /usr/bin/python3 -m tandem_click.soup <dst.pt> <a.pt>:<weight> <b.pt>:<weight> [...] [--half]
       (weights sum to 1; --half stores float16 weights and no optimiser state, as snapshot --half)
"""
import sys

import torch

from .export import training
from .snapshot import half_weights, save


def soup(parts, half=False):
    """parts: [(checkpoint dict, weight)]; returns a new checkpoint dict."""
    total = sum(w for _, w in parts)
    if abs(total - 1) > 1e-6:
        raise ValueError(f"weights sum to {total}, not 1")
    keys = [set(ck["model"]) for ck, _ in parts]
    if any(k != keys[0] for k in keys):
        raise ValueError("the checkpoints hold different tensors: not one architecture")
    first, last = parts[0][0], parts[-1][0]
    model = {k: sum(ck["model"][k].float() * w for ck, w in parts) if v.is_floating_point() else v
             for k, v in first["model"].items()}
    state = dict(last["state"])
    state["soup"] = [{"weight": w, **training(ck["state"], ck["config"])} for ck, w in parts]
    return {**last, "model": half_weights(model) if half else model, "state": state, "opt": None}


def main(argv):
    half = "--half" in argv
    args = [a for a in argv if a != "--half"]
    dst, parts = args[0], []
    for spec in args[1:]:
        path, _, w = spec.rpartition(":")
        parts.append((torch.load(path, map_location="cpu"), float(w)))
    print(save(soup(parts, half), dst), "bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
