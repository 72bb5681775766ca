"""Batched iterative click training for a lent GPU (runs on CPU too, slowly: that is how it is tested).

The recipe is train.py's (same samples, initial clicks, 0..max_iters no-grad passes that add a click
at the model's own error with the previous mask fed back, same loss); what changes is where the work
runs, so a GPU is kept busy:
- samples, their initial clicks and the corrupted-previous-mask variant come from DataLoader worker
  processes (one TrainSet each, seeded per worker and per run); their colour jitter is applied to
  the batch on the device (gpu_colour.py);
- iterative clicks are found on the device by gpu_clicks.next_clicks (RITM's rule, with the error
  depth from repeated erosions instead of scipy's exact distance transform);
- bfloat16 autocast on CUDA; a wall-clock budget with warm-up then cosine decay, so a lent machine's
  minutes are used to the end; weights are written every ckpt_every_s and at the end.
Usage:
  python3 -m tandem_click.train_fast --config configs/<exp>.json --init <weights or checkpoint> \
     --data <datasets root> --out <dir> --budget-s 480
Output: <out>/weights.pt (model state dict, fp32) and <out>/log.jsonl (with config keep_snapshots, also
<out>/snap_<step>.pt every ckpt_every_s, float16, for weight averaging). Merge the weights into a
resumable checkpoint with `python3 -m tandem_click.snapshot --weights`.
"""
import argparse
import contextlib
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .clicks import next_click, sample_initial_clicks
from .data import TrainSet
from .gpu_clicks import next_clicks
from .gpu_colour import colour
from .model import build_model
from .snapshot import half_weights
from .train import corrupt, load_weights, loss_fn, optimiser, set_modes
from .train import log as train_log

MAX_INIT = 5  # sample_initial_clicks gives at most 3 positives and 2 negatives


class Samples(torch.utils.data.IterableDataset):
    """Endless samples: (image uint8 [3,C,C] before colour jitter, gt uint8 [C,C], clicks [5,3], prev uint8 [C,C], clicks_prev [5,3]).

    clicks: initial clicks (label -1 pads); prev / clicks_prev: a corrupted mask to correct and the one
    protocol click at its error (prev all zero and clicks_prev = clicks when this sample has none).
    """

    def __init__(self, data, cfg, salt):
        self.data, self.cfg, self.salt = data, cfg, salt

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid = info.id if info else 0
        seed = [self.cfg["seed"], self.salt, wid]
        ds = TrainSet.from_config(self.data, self.cfg, seed)
        rng = np.random.default_rng(seed + [1])
        while True:
            img, gt = ds.sample_uncoloured()  # jittered on the device (gpu_colour): loaders are the limit
            clicks = pad(sample_initial_clicks(gt, rng))
            prev, cprev = np.zeros(gt.shape, np.uint8), clicks
            if rng.random() < self.cfg.get("p_corrupt_prev", 0.1):
                pm = corrupt(gt, rng)
                c = next_click(pm, gt)
                if c:
                    prev, cprev = pm.astype(np.uint8), pad([c])
            yield (img, gt.astype(np.uint8), clicks, prev, cprev)


def pad(clicks):
    out = np.zeros((MAX_INIT, 3), np.float32)
    out[:, 2] = -1
    for j, (x, y, p) in enumerate(clicks[:MAX_INIT]):
        out[j] = (x, y, 1.0 if p else 0.0)
    return out


def one_thread(_):
    torch.set_num_threads(1)  # each worker is one process on one core


def lr_factor(step, elapsed, budget, warmup, floor=0.02):
    w = min(1.0, (step + 1) / warmup)
    t = min(1.0, elapsed / budget)
    return w * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t)))


def init_weights(model, path, cfg):
    ck = torch.load(path, map_location="cpu", weights_only=False)
    load_weights(model, ck["model"] if "model" in ck else ck, cfg)


def train_step(model, opt, img, gt, points, prev, n_iter, gen, use_amp, cfg):
    set_modes(model, cfg)
    with torch.autocast("cuda", dtype=torch.bfloat16) if use_amp else contextlib.nullcontext():
        feats = model.encoder(img)
        with torch.no_grad():
            dfeats = [f_.detach() for f_ in feats]
            for _ in range(n_iter):
                lg = model.decode(dfeats, points, prev)
                up = F.interpolate(lg.float(), size=gt.shape[-2:], mode="bilinear", align_corners=False) > 0
                points = torch.cat([points, next_clicks(up, gt > 0.5, gen).unsqueeze(1)], 1)
                prev = up.float()
        logits = model.decode(feats, points, prev)
    loss, _ = loss_fn(logits.float(), gt, focal=cfg.get("focal", 0.0))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--init", required=True, help="weights.pt or a train.py checkpoint")
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget-s", type=float, required=True, help="training wall time")
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    ap.add_argument("--salt", type=int, default=int(time.time()) % 100000)
    a = ap.parse_args()
    cfg = json.loads(Path(a.config).read_text())
    if os.environ.get("TANDEM_SHARING"):  # 'file_system' where /dev/shm is too small for the batches
        torch.multiprocessing.set_sharing_strategy(os.environ["TANDEM_SHARING"])
    os.makedirs(a.out, exist_ok=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(cfg["seed"] + a.salt); random.seed(cfg["seed"] + a.salt)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
    else:
        torch.set_num_threads(cfg.get("threads", 2))

    def log(**kw):
        train_log(a.out, "log.jsonl", **kw)

    model = build_model(cfg, None)
    init_weights(model, a.init, cfg)
    model.to(dev)
    opt = optimiser(model, cfg)
    base_lrs = [g["lr"] for g in opt.param_groups]
    B = cfg["batch"]
    extra = {"persistent_workers": True, "prefetch_factor": 2, "worker_init_fn": one_thread} if a.workers else {}
    loader = torch.utils.data.DataLoader(Samples(a.data, cfg, a.salt), batch_size=B, num_workers=a.workers,
                                         pin_memory=dev.type == "cuda", **extra)
    gen = torch.Generator(device=dev)
    gen.manual_seed(cfg["seed"] + a.salt)
    use_amp = dev.type == "cuda"

    def save(snapshot=False):
        p = os.path.join(a.out, "weights.pt")
        if snapshot and cfg.get("keep_snapshots"):  # float16 copies (half the size) to average afterwards
            torch.save(half_weights(model.state_dict()), os.path.join(a.out, f"snap_{step}.pt"))
        torch.save({k: v.detach().float().cpu() for k, v in model.state_dict().items()}, p + ".tmp")
        os.replace(p + ".tmp", p)

    name = f"{torch.cuda.get_device_name(dev)}, bf16, {a.workers} loader processes" if dev.type == "cuda" else "CPU"
    log(event="start", device=name, torch=torch.__version__, batch=B, workers=a.workers,
        budget_s=a.budget_s, config=cfg)
    step, samples, losses, wait_s = 0, 0, [], 0.0
    t_start = t_log = t_ck = time.time()
    it = iter(loader)
    while True:
        now = time.time()
        if now - t_start >= a.budget_s:
            break
        # lr_floor 1.0: constant lr after warm-up, for snapshots to average (stochastic weight averaging)
        f = lr_factor(step, now - t_start, a.budget_s, cfg.get("warmup", 200), cfg.get("lr_floor", 0.02))
        for g, lr in zip(opt.param_groups, base_lrs):
            g["lr"] = lr * f
        t_w = time.time()
        img, gt, clicks, prev, cprev = (x.to(dev, non_blocking=True) for x in next(it))
        wait_s += time.time() - t_w
        img = colour(img.float() / 255, gen)
        gt = gt.float().unsqueeze(1)
        n_iter = random.randint(0, cfg["max_iters"])
        if n_iter == 0:
            points, prev = cprev, prev.float().unsqueeze(1)
        else:
            points, prev = clicks, torch.zeros_like(gt)
        try:
            loss = train_step(model, opt, img, gt, points, prev, n_iter, gen, use_amp, cfg)
        except RuntimeError as e:
            if not (use_amp and step == 0):
                raise
            log(event="bf16 autocast failed; going on in fp32", error=str(e)[:500])
            use_amp = False
            loss = train_step(model, opt, img, gt, points, prev, n_iter, gen, use_amp, cfg)
        losses.append(loss.detach())
        step += 1
        samples += B
        now = time.time()
        if now - t_log > cfg.get("log_every_s", 60) or step == 20:
            el = now - t_start
            log(step=step, samples=samples, loss=float(torch.stack(losses).mean()), lr_factor=round(f, 4),
                samples_per_s=round(samples / el, 1), data_wait_frac=round(wait_s / el, 3), train_s=round(el))
            losses, t_log = [], now
        if now - t_ck > cfg.get("ckpt_every_s", 300):
            save(snapshot=True)
            t_ck = time.time()
    save()
    el = time.time() - t_start
    log(event="done", step=step, samples=samples, train_s=round(el), samples_per_s=round(samples / el, 1),
        data_wait_frac=round(wait_s / el, 3))
    # the workers serve an endless dataset; the weights are saved, so don't wait on their shutdown
    os._exit(0)


if __name__ == "__main__":
    main()
