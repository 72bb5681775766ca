"""Compact resumable checkpoint for the repository (<= 25 MB): weights in fp32, Adam moments in
bfloat16 (same exponent range as fp32, so exp_avg_sq does not underflow; torch casts them back to
the parameters' dtype on load).
Usage: /usr/bin/python3 -m tandem_click.snapshot runs/<exp>/last.pt checkpoints/<exp>.pt
Resume: copy checkpoints/<exp>.pt to runs/<exp>/last.pt and start train.py with the same config.
A model too large for that (a 4 M-parameter one: 32 MB) is committed with --half instead: weights in
float16, no optimiser state (train.py starts a fresh one; load_state_dict casts back to fp32):
  /usr/bin/python3 -m tandem_click.snapshot --half runs/<exp>/last.pt checkpoints/<exp>.pt

After a train_fast.py run (a lent GPU), fold its weights into the checkpoint it started from:
  /usr/bin/python3 -m tandem_click.snapshot --merge <base.pt> <out dir of train_fast> <config.json> <dst.pt>
The step, sample and time counts add up, the run is appended to state['history'], and the optimiser
state is dropped (its parameter groups belong to the earlier config); train.py then starts a fresh one.
"""
import json
import os
import sys

import torch


def save(ck, dst):
    """Written to a temporary file first, so an interrupted save never leaves a truncated checkpoint."""
    torch.save(ck, dst + ".tmp")
    os.replace(dst + ".tmp", dst)
    return os.path.getsize(dst)


def half_weights(state_dict):
    """A model state dict on the CPU with its floating tensors in float16 (half the bytes)."""
    return {k: v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu() for k, v in state_dict.items()}


def compact(src, dst):
    ck = torch.load(src, map_location="cpu")
    for st in (ck["opt"] or {"state": {}})["state"].values():
        for k, v in st.items():
            if torch.is_tensor(v) and v.is_floating_point() and v.dim() > 0:
                st[k] = v.to(torch.bfloat16)
    return save(ck, dst)


def half(src, dst):
    ck = torch.load(src, map_location="cpu")
    ck["model"] = half_weights(ck["model"])
    ck["opt"] = None
    return save(ck, dst)


DEFAULT_DEVICE = "CPU, 2 threads"  # what checkpoints that record no device were trained on


def new_stage(ck, config, device):
    """Close the checkpoint's training so far as a stage of state['history'] (a weight average's
    parents go with it) and count what follows as `config` on `device`."""
    st = ck["state"]
    done = {"config": st.get("config", ck["config"]["name"]), "step": st["step"], "samples": st["samples"],
            "train_s": st["train_s"], "device": st.get("device", DEFAULT_DEVICE)}
    if st.get("soup"):
        done["soup"] = st.pop("soup")
    st.setdefault("history", []).append(done)
    st.update(config=config, device=device)


def merge(base, run_dir, config, dst):
    ck = torch.load(base, map_location="cpu")
    ck["model"] = torch.load(os.path.join(run_dir, "weights.pt"), map_location="cpu")
    with open(os.path.join(run_dir, "log.jsonl")) as f:
        lines = [json.loads(line) for line in f]
    start = next(r for r in lines if r.get("event") == "start")
    done = [r for r in lines if r.get("event") == "done"][-1]
    new_stage(ck, start["config"]["name"], start["device"])
    st = ck["state"]
    st.update(step=st["step"] + done["step"], samples=st["samples"] + done["samples"],
              train_s=st["train_s"] + done["train_s"])
    with open(config) as f:
        ck["config"], ck["opt"] = json.load(f), None
    return save(ck, dst)


if __name__ == "__main__":
    if sys.argv[1] == "--merge":
        print(merge(*sys.argv[2:6]), "bytes")
    elif sys.argv[1] == "--half":
        print(half(sys.argv[2], sys.argv[3]), "bytes")
    else:
        print(compact(sys.argv[1], sys.argv[2]), "bytes")
