"""data.colour_jitter for a whole batch on the training device.

The loader processes are what limit a lent GPU (train_fast), and colour jitter on float32 crops was a
fifth of their time per sample, so train_fast's loaders hand over uncoloured uint8 crops and this
applies the same jitter to the batch: with probability 0.8 brightness x U(0.7, 1.3), contrast
x U(0.7, 1.3) about the crop's mean, saturation x U(0.6, 1.4) about each pixel's grey, white
balance x U(0.92, 1.08) per channel; then greyscale with probability 0.05; clipped to [0, 1].
"""
import torch


def colour(x, gen):
    """x float [B, 3, H, W] in [0, 1] -> jittered copy; gen: a torch.Generator on x's device."""
    B, dev = x.shape[0], x.device

    def u(lo, hi, *shape):
        return lo + (hi - lo) * torch.rand(B, *shape, generator=gen, device=dev)

    y = x * u(0.7, 1.3, 1, 1, 1)
    mu = y.mean((1, 2, 3), keepdim=True)
    y = (y - mu) * u(0.7, 1.3, 1, 1, 1) + mu
    g = y.mean(1, keepdim=True)
    y = (y - g) * u(0.6, 1.4, 1, 1, 1) + g
    y = y * u(0.92, 1.08, 3, 1, 1)
    x = torch.where((torch.rand(B, generator=gen, device=dev) < 0.8).view(B, 1, 1, 1), y, x)
    grey = (torch.rand(B, generator=gen, device=dev) < 0.05).view(B, 1, 1, 1)
    x = torch.where(grey, x.mean(1, keepdim=True).expand_as(x), x)
    return x.clamp(0, 1)
