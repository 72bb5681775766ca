"""RITM-style iterative click training. Usage:
  /usr/bin/python3 -m tandem_click.train --config configs/<exp>.json [--data <datasets root>]
Writes runs/<exp>/log.txt (JSON lines) and runs/<exp>/last.pt, best.pt (resumable: model,
optimiser, step, samples, RNG states). Resumes from last.pt when it exists.
"""
import argparse
import json
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy.ndimage import binary_dilation, binary_erosion, distance_transform_edt

from .clicks import next_click, sample_initial_clicks
from .data import TrainSet
from .evaluate import evaluate
from .model import build_model
from .snapshot import new_stage


def log(run_dir, file="metrics.jsonl", **kw):
    """One JSON line, printed and appended to run_dir/file."""
    kw["time"] = time.strftime("%H:%M:%S")
    line = json.dumps(kw)
    print(line, flush=True)
    with open(os.path.join(run_dir, file), "a") as f:
        f.write(line + "\n")


def pts_tensor(clicks):
    n = max(len(c) for c in clicks)
    t = torch.full((len(clicks), n, 3), -1.0)
    t[:, :, :2] = 0
    for i, cs in enumerate(clicks):
        for j, (x, y, p) in enumerate(cs):
            t[i, j] = torch.tensor([x, y, 1.0 if p else 0.0])
    return t


def corrupt(gt, rng):
    """A plausible pre-existing mask to correct: the object dilated or eroded by a few pixels."""
    it = int(rng.integers(3, 12))
    return binary_dilation(gt, iterations=it) if rng.random() < 0.5 else binary_erosion(gt, iterations=it)


def corrupt_big(gt, clicks, rng):
    """A previous mask that is wrong by a whole region, as the eval meets after a first click on a
    large object (a part of it: a screen for the TV, the letters of a stop sign) or on a small one
    (it and its neighbours: the orange and the bowl). Under: the object cut by a random half-plane
    or disk that keeps its first positive click. Over: the object plus a one-sided spill up to half
    its size outward. Returns the mask (None when the object is too small to cut), never the
    ground truth itself. The training's fine-tunes start from a model whose own predictions are
    nearly right, so without this the decoder rarely sees a click that must move a lot of mask."""
    ys, xs = np.nonzero(gt)
    if len(ys) < 30:
        return None
    size = float(np.sqrt(len(ys)))
    cx, cy = next(((x, y) for x, y, p in clicks if p), (xs[len(xs) // 2], ys[len(ys) // 2]))
    yy, xx = np.mgrid[:gt.shape[0], :gt.shape[1]]
    theta = rng.uniform(0, 2 * np.pi)
    ux, uy = np.cos(theta), np.sin(theta)
    if rng.random() < 0.5:
        if rng.random() < 0.5:  # half-plane through the object, the click on the kept side
            keep = (xx - cx) * ux + (yy - cy) * uy <= rng.uniform(0.05, 0.5) * size
        else:
            keep = (xx - cx) ** 2 + (yy - cy) ** 2 <= (rng.uniform(0.2, 0.6) * size) ** 2
        pm = gt & keep
    else:
        spill = distance_transform_edt(~gt) <= rng.uniform(0.15, 0.5) * size
        side = (xx - xs.mean()) * ux + (yy - ys.mean()) * uy >= rng.uniform(-0.1, 0.3) * size
        pm = gt | (spill & side)
    inter, union = (pm & gt).sum(), (pm | gt).sum()
    return pm if 0 < inter and inter / union < 0.85 else None


def loss_fn(logits, gt, weight=None, focal=0.0):
    """BCE + soft IoU. With `focal` gamma > 0 the BCE term becomes RITM's normalised focal loss:
    each pixel weighted by (1 - p_t)^gamma, the weights (not differentiated) rescaled to mean 1 per
    sample, so the pixels still wrong (a boundary one or two pixels off) carry the loss while its
    scale stays that of BCE."""
    up = F.interpolate(logits, size=gt.shape[-2:], mode="bilinear", align_corners=False)
    if focal > 0:
        with torch.no_grad():
            pt = torch.where(gt > 0.5, torch.sigmoid(up), torch.sigmoid(-up))
            beta = (1 - pt) ** focal
            beta = beta / beta.mean((1, 2, 3), keepdim=True).clamp(min=1e-6)
        weight = beta if weight is None else beta * weight
    bce = F.binary_cross_entropy_with_logits(up, gt, weight=weight)
    p = torch.sigmoid(up)
    inter = (p * gt).sum((1, 2, 3))
    union = (p + gt - p * gt).sum((1, 2, 3))
    return bce + (1 - inter / union.clamp(min=1)).mean(), up


def draw_iters(rng, cfg):
    """Number of no-grad click passes before the loss: 0..max_iters, or with cfg 'long_iters'
    {"p", "max"} a share p drawn from 4..max, so the decoder also learns the late-click states the
    eval reaches (a near-right previous mask, errors one or two pixels deep, many clicks)."""
    long = cfg.get("long_iters")
    if long and rng.random() < long["p"]:
        return int(rng.integers(4, long["max"] + 1))
    return int(rng.integers(0, cfg["max_iters"] + 1))


def click_weight(clicks, shape, cfg):
    """Per-pixel BCE weight 1 + w * exp(-d^2 / 2 sigma^2) around the newest click of each sample
    (cfg 'click_weight' {"w", "sigma"}), so a click that fixes only a few pixels still moves the
    loss; None without the key."""
    cw = cfg.get("click_weight")
    if not cw:
        return None
    H, W = shape
    yy, xx = torch.meshgrid(torch.arange(H, dtype=torch.float32), torch.arange(W, dtype=torch.float32), indexing="ij")
    out = torch.ones(len(clicks), 1, H, W)
    for i, cs in enumerate(clicks):
        x, y, _ = cs[-1]
        out[i, 0] += cw["w"] * torch.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * cw["sigma"] ** 2))
    return out


def load_weights(model, weights, cfg):
    """Strict, except for the new modules a 'train_only' config adds to an existing checkpoint."""
    missing, unexpected = model.load_state_dict(weights, strict=False)
    new = tuple(cfg.get("train_only") or ())
    bad = [k for k in missing if not (new and k.startswith(new))] + list(unexpected)
    if bad:
        raise RuntimeError(f"checkpoint does not match the model: {bad[:5]}")


def set_modes(model, cfg):
    """Training mode for what trains; frozen parts (their BatchNorms included) stay in eval mode.
    With cfg 'freeze_bn' every BatchNorm normalises with, and keeps, the statistics it was loaded
    with (its scale and shift still train): measured on v3, 300 steps of batch 8 at lr 0, only the
    running statistics moving, cost NoC@90 +0.22 on the select half (train/CONTEXT.md)."""
    only = cfg.get("train_only")
    if not only:
        model.train()
        model.encoder.backbone.eval()  # frozen BatchNorm statistics: batches are small
    else:
        model.eval()
        for n, m in model.named_modules():
            if n and n.startswith(tuple(only)):
                m.train()
    if cfg.get("freeze_bn"):
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):  # the only kind the model has (as fuse_bn)
                m.eval()


def optimiser(model, cfg):
    """Freezes the stem and backbone blocks[0..freeze_blocks]; AdamW with the backbone's lr scaled.
    With cfg 'train_only' (parameter-name prefixes), only those are trained."""
    only = cfg.get("train_only")
    if only:
        for n, p in model.named_parameters():
            p.requires_grad = n.startswith(tuple(only))
        return torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg["lr"], weight_decay=1e-4)
    frozen = cfg.get("freeze_blocks", -1)
    if frozen >= 0:
        for p in model.encoder.backbone.stem.parameters():
            p.requires_grad = False
        for b in model.encoder.backbone.blocks[:frozen + 1]:
            for p in b.parameters():
                p.requires_grad = False
    bb = [p for p in model.encoder.backbone.parameters() if p.requires_grad]
    rest = [p for n, p in model.named_parameters() if not n.startswith("encoder.backbone.")]
    return torch.optim.AdamW([{"params": bb, "lr": cfg["lr"] * cfg.get("backbone_lr_mult", 0.1)},
                              {"params": rest, "lr": cfg["lr"]}], weight_decay=1e-4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--data", default=os.environ.get("TANDEM_DATASETS", "../shared/datasets"))
    a = ap.parse_args()
    cfg = json.loads(Path(a.config).read_text())
    torch.set_num_threads(cfg.get("threads", 2))
    run_dir = os.path.join("runs", cfg["name"])
    os.makedirs(run_dir, exist_ok=True)
    torch.manual_seed(cfg["seed"]); random.seed(cfg["seed"]); np.random.seed(cfg["seed"])
    rng = np.random.default_rng(cfg["seed"])
    ds = TrainSet.from_config(a.data, cfg, cfg["seed"])
    last = os.path.join(run_dir, "last.pt")
    # resuming needs no pretrained file: the checkpoint holds every weight
    model = build_model(cfg, None if os.path.exists(last) else cfg.get("pretrained"))
    opt = optimiser(model, cfg)
    base_lrs = [g["lr"] for g in opt.param_groups]
    state = {"step": 0, "samples": 0, "best_noc90": 1e9, "train_s": 0.0}
    if os.path.exists(last):
        ck = torch.load(last)
        load_weights(model, ck["model"], cfg); state = ck["state"]
        if ck.get("opt"):
            opt.load_state_dict(ck["opt"])
        else:  # absent after snapshot --merge / --half: a fresh AdamW, warmed up from this step
            state["warm_from"] = state["step"]
        stage = state.get("config", ck["config"]["name"]) != cfg["name"]
        if stage:
            # another experiment's checkpoint (a GPU run's, a weight average): its training becomes
            # a stage of the history, so the manifest reports what each part of training was
            n = cfg.get("threads", 2)
            new_stage(ck, cfg["name"], f"CPU, {n} thread{'s' if n != 1 else ''}")
        if not (stage and cfg.get("reseed")):  # 'reseed': siblings from one checkpoint draw their own samples
            torch.set_rng_state(ck["torch_rng"]); rng.bit_generator.state = ck["np_rng"]
            ds.rng.bit_generator.state = ck["ds_rng"]
        log(run_dir, event="resumed", step=state["step"])

    def save(path):
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "config": cfg,
                    "torch_rng": torch.get_rng_state(), "np_rng": rng.bit_generator.state,
                    "ds_rng": ds.rng.bit_generator.state}, path + ".tmp")
        os.replace(path + ".tmp", path)

    B, t_ck, t_ev, t_log = cfg["batch"], time.time(), time.time(), time.time()
    losses, t0 = [], time.time()
    while state["step"] < cfg["max_steps"]:
        warm = min(1.0, (state["step"] + 1 - state.get("warm_from", 0)) / cfg.get("warmup", 200))
        decay = cfg.get("lr_decay_at")
        f = warm * (0.2 if decay and state["step"] >= decay else 1.0)
        for g, lr in zip(opt.param_groups, base_lrs):
            g["lr"] = lr * f
        set_modes(model, cfg)
        samples = [ds.sample() for _ in range(B)]
        img = torch.from_numpy(np.stack([s[0] for s in samples]))
        gts = [s[1] for s in samples]
        gt = torch.from_numpy(np.stack(gts)).float().unsqueeze(1)
        clicks = [sample_initial_clicks(g, rng) for g in gts]
        prev = torch.zeros_like(gt)
        n_iter = draw_iters(rng, cfg)
        big = [False] * B
        if cfg.get("p_big_corrupt"):  # the key absent: the sample stream is the one before it
            for i in range(B):
                pm = corrupt_big(gts[i], clicks[i], rng) if rng.random() < cfg["p_big_corrupt"] else None
                c = next_click(pm, gts[i]) if pm is not None else None
                if c:
                    prev[i, 0] = torch.from_numpy(pm).float()
                    clicks[i].append(c)
                    big[i] = True
        if n_iter == 0:
            for i in range(B):
                if not big[i] and rng.random() < cfg.get("p_corrupt_prev", 0.1):
                    pm = corrupt(gts[i], rng)
                    prev[i, 0] = torch.from_numpy(pm).float()
                    c = next_click(pm, gts[i])
                    clicks[i] = [c] if c else clicks[i]
        feats = model.encoder(img)
        with torch.no_grad():
            dfeats = [f_.detach() for f_ in feats]
            for _ in range(n_iter):
                lg = model.decode(dfeats, pts_tensor(clicks), prev)
                up = F.interpolate(lg, size=gt.shape[-2:], mode="bilinear", align_corners=False) > 0
                for i in range(B):
                    c = next_click(up[i, 0].numpy(), gts[i], rng=rng, jitter=0.1)
                    if c:
                        clicks[i].append(c)
                prev = up.float()
        loss, _ = loss_fn(model.decode(feats, pts_tensor(clicks), prev), gt, click_weight(clicks, gt.shape[-2:], cfg),
                          cfg.get("focal", 0.0))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        state["step"] += 1
        state["samples"] += B
        now = time.time()
        state["train_s"] += now - t0
        t0 = now
        if now - t_log > cfg.get("log_every_s", 60):
            log(run_dir, step=state["step"], samples=state["samples"], loss=float(np.mean(losses)),
                samples_per_s=state["samples"] / max(state["train_s"], 1e-6), train_s=round(state["train_s"]))
            losses, t_log = [], now
        if now - t_ck > cfg.get("ckpt_every_s", 300):
            save(last)
            t_ck = time.time()
        if now - t_ev > cfg.get("eval_every_s", 1200):
            res = evaluate(model, a.data, cfg["size"], limit=cfg.get("eval_limit", 40))
            log(run_dir, event="dev", step=state["step"], samples=state["samples"], **res)
            if res["noc90"] < state["best_noc90"]:
                state["best_noc90"] = res["noc90"]
                save(os.path.join(run_dir, "best.pt"))
            save(last)
            t_ev = t_ck = t0 = time.time()
    save(last)


if __name__ == "__main__":
    main()
