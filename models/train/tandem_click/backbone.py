"""MobileNetV2 (alpha 1.0) laid out like Keras' `MobileNetV2`, so the nsfwjs weights load by name.

Keras pads stride-2 convolutions asymmetrically (0 top/left, 1 bottom/right for even sizes); we do
the same so the converted weights see what they were trained on. Input: RGB in [0, 1] (nsfwjs
divides by 255 and subtracts nothing), NCHW.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS = 1e-3  # Keras MobileNetV2 BatchNormalization epsilon
# (expansion t, output channels c, repeats n, first stride s), as in the MobileNetV2 paper
BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def conv_bn(cin, cout, k, stride, groups=1):
    return nn.ModuleDict({
        "conv": nn.Conv2d(cin, cout, k, stride, 0 if stride == 2 else k // 2, groups=groups, bias=False),
        "bn": nn.BatchNorm2d(cout, eps=BN_EPS),
    })


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, t, stride):
        super().__init__()
        hid = cin * t
        self.stride = stride
        self.expand = conv_bn(cin, hid, 1, 1) if t != 1 else None
        self.depthwise = conv_bn(hid, hid, 3, stride, groups=hid)
        self.project = conv_bn(hid, cout, 1, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = x
        if self.expand is not None:
            y = F.hardtanh(self.expand["bn"](self.expand["conv"](y)), 0.0, 6.0, inplace=True)
        if self.stride == 2:
            y = F.pad(y, (0, 1, 0, 1))  # Keras 'correct_pad' for even sizes
        y = F.hardtanh(self.depthwise["bn"](self.depthwise["conv"](y)), 0.0, 6.0, inplace=True)
        y = self.project["bn"](self.project["conv"](y))
        return x + y if self.residual else y


class MobileNetV2Features(nn.Module):
    """Returns features at strides 2, 4, 8, 16, 32 (16, 24, 32, 96, 320 channels)."""

    channels = (16, 24, 32, 96, 320)

    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 32, 3, 2)
        blocks, cin = [], 32
        for t, c, n, s in BLOCKS:
            for i in range(n):
                blocks.append(InvertedResidual(cin, c, t, s if i == 0 else 1))
                cin = c
        self.blocks = nn.ModuleList(blocks)
        self.taps = {0: 0, 2: 1, 5: 2, 12: 3, 16: 4}  # block index -> output slot (stride 2, 4, 8, 16, 32)

    def forward(self, x):
        if x.shape[0] > 1 and x.device.type == "cpu":
            # this CPU build of torch runs batched 1x1 convs 3-4x slower than a loop of batch 1
            per = [self.forward(x[i:i + 1]) for i in range(x.shape[0])]
            return [torch.cat([p[k] for p in per]) for k in range(len(per[0]))]
        x = F.pad(x, (0, 1, 0, 1))
        x = F.hardtanh(self.stem["bn"](self.stem["conv"](x)), 0.0, 6.0, inplace=True)
        outs = [None] * len(self.taps)
        for i, b in enumerate(self.blocks):
            x = b(x)
            if i in self.taps:
                outs[self.taps[i]] = x
        return outs


def fuse_bn(model: nn.Module):
    """Fold every conv+BatchNorm pair into one conv with bias (BN statistics are frozen anyway).

    Called right after construction (before loading a fused state dict) or after loading the
    pretrained weights; this CPU build of torch spends most of the backbone's time in BatchNorm.
    """
    for mod in model.modules():
        if isinstance(mod, nn.ModuleDict) and "bn" in mod and isinstance(mod["bn"], nn.BatchNorm2d):
            conv, bn = mod["conv"], mod["bn"]
            k = bn.weight.data / torch.sqrt(bn.running_var + bn.eps)
            fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                              groups=conv.groups, bias=True)
            fused.weight.data.copy_(conv.weight.data * k.view(-1, 1, 1, 1))
            fused.bias.data.copy_(bn.bias.data - bn.running_mean * k)
            mod["conv"] = fused
            mod["bn"] = nn.Identity()


def keras_names(i):
    """Keras layer-name prefix of block i (0 is 'expanded_conv')."""
    return "expanded_conv" if i == 0 else f"block_{i}"


def load_keras_weights(model: MobileNetV2Features, weights: dict):
    """weights: Keras tensor name -> numpy array (Keras layouts). Copies every backbone tensor."""
    import numpy as np

    def set_conv(mod, kname, depthwise=False):
        w = weights[kname]
        w = np.transpose(w, (2, 3, 0, 1)) if depthwise else np.transpose(w, (3, 2, 0, 1))
        assert tuple(mod.weight.shape) == w.shape, (kname, mod.weight.shape, w.shape)
        mod.weight.data.copy_(torch.from_numpy(np.ascontiguousarray(w)))

    def set_bn(mod, kname):
        mod.weight.data.copy_(torch.from_numpy(weights[kname + "/gamma"]))
        mod.bias.data.copy_(torch.from_numpy(weights[kname + "/beta"]))
        mod.running_mean.copy_(torch.from_numpy(weights[kname + "/moving_mean"]))
        mod.running_var.copy_(torch.from_numpy(weights[kname + "/moving_variance"]))

    set_conv(model.stem["conv"], "Conv1/kernel")
    set_bn(model.stem["bn"], "bn_Conv1")
    for i, b in enumerate(model.blocks):
        p = keras_names(i)
        if b.expand is not None:
            set_conv(b.expand["conv"], f"{p}_expand/kernel")
            set_bn(b.expand["bn"], f"{p}_expand_BN")
        set_conv(b.depthwise["conv"], f"{p}_depthwise/depthwise_kernel", depthwise=True)
        set_bn(b.depthwise["bn"], f"{p}_depthwise_BN")
        set_conv(b.project["conv"], f"{p}_project/kernel")
        set_bn(b.project["bn"], f"{p}_project_BN")
