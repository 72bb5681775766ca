"""Compact resumable checkpoint for the repository (<= 25 MB): weights in fp32, Adam moments in
bfloat16 (same exponent range as fp32, so exp_avg_sq does not underflow; torch casts them back to
the parameters' dtype on load).
Usage: /usr/bin/python3 -m tandem_click.snapshot runs/<exp>/last.pt checkpoints/<exp>.pt
Resume: copy checkpoints/<exp>.pt to runs/<exp>/last.pt and start train.py with the same config.
"""
import os
import sys

import torch


def compact(src, dst):
    ck = torch.load(src, map_location="cpu")
    for st in ck["opt"]["state"].values():
        for k, v in st.items():
            if torch.is_tensor(v) and v.is_floating_point() and v.dim() > 0:
                st[k] = v.to(torch.bfloat16)
    torch.save(ck, dst + ".tmp")
    os.replace(dst + ".tmp", dst)
    return os.path.getsize(dst)


if __name__ == "__main__":
    print(compact(sys.argv[1], sys.argv[2]), "bytes")
