"""The protocol's next click (clicks.next_click) for a whole batch on the training device.

scipy's exact Euclidean distance transform runs per sample on the CPU and would starve a GPU, so the
depth of each error region is measured by peeling it with alternating 3x3 square and 4-neighbour
erosions (an octagonal distance, within ~8% of Euclidean), the image border counting as outside
as in clicks._edt_inside. The rule is RITM's, as in next_click: the error (missed vs extra) whose
deepest pixel is deeper wins; the click is a random pixel at least 90% as deep as the deepest one
(train.py's jitter=0.1).
"""
import torch
import torch.nn.functional as F


def depth(mask):
    """mask float {0,1} [B,C,H,W] -> number of erosions each pixel survives, counting itself (0 outside)."""
    cur = F.pad(mask, (1, 1, 1, 1))  # a ring of background: the border is outside
    d = torch.zeros_like(mask)
    for k in range(max(mask.shape[-2:]) // 2 + 1):
        d += cur[..., 1:-1, 1:-1]
        if k % 8 == 7 and not bool(cur.any()):
            break
        if k % 2 == 0:
            cur = -F.max_pool2d(-cur, 3, 1, 1)
        else:
            p = F.pad(cur, (1, 1, 1, 1), value=1.0)
            cur = torch.minimum(torch.minimum(cur, torch.minimum(p[..., 1:-1, :-2], p[..., 1:-1, 2:])),
                                torch.minimum(p[..., :-2, 1:-1], p[..., 2:, 1:-1]))
    return d


def next_clicks(pred, gt, gen=None, jitter=0.1):
    """pred, gt bool [B,1,H,W] -> clicks [B,3] (x, y, label 1/0), label -1 where a sample has no error."""
    B, _, H, W = gt.shape
    d = depth(torch.cat([gt & ~pred, ~gt & pred], 1).float())  # [B, 2, H, W]: missed, extra
    m = d.flatten(2).amax(-1)  # [B, 2]
    positive = m[:, 0] > m[:, 1]
    dsel = torch.where(positive.view(B, 1, 1), d[:, 0], d[:, 1])
    msel = m.amax(1)
    cand = dsel >= (1 - jitter) * msel.view(B, 1, 1)
    score = torch.rand(dsel.shape, generator=gen, device=dsel.device) * cand
    idx = score.flatten(1).argmax(1)
    out = torch.stack([(idx % W).float(), (idx // W).float(), positive.float()], 1)
    out[msel <= 0] = torch.tensor([0.0, 0.0, -1.0], device=out.device)
    return out
