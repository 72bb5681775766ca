"""Click-segmentation network: image encoder run once per image + light click decoder per click.

Encoder (cached by the worker): backbone features (MobileNetV2 by default; config `backbone`) fused
into feat16 (S/16), feat8 (S/8), feat4 (S/4) and an L2-normalised embedding emb8 (S/8) used for
click-to-pixel similarity.
Decoder: builds click maps from `points` INSIDE the graph (Gaussians around positive / negative
clicks at every scale, coordinates in the S x S model frame, pixel centres at (i + 0.5) * stride -
0.5), similarity maps (max cosine similarity between every pixel's embedding and the embeddings at
the clicks), the previous mask pooled to each scale, and refines coarse-to-fine to logits at S/4.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .backbone import MobileNetV2Features, fuse_bn
from .nanodet import NanoDetFeatures

# config 'backbone' -> feature extractor returning 5 maps at strides 2, 4, 8, 16, 32 from RGB in [0, 1]
# (any normalisation the pretrained weights expect happens inside it, so the contract's input stays
# mean 0 / std 1); `channels` gives their widths
BACKBONES = {"mnv2_nsfwjs": MobileNetV2Features, "nanodet": NanoDetFeatures}
# what a config without the key means (every config before the key existed, v1 included)
DEFAULT_BACKBONE = "mnv2_nsfwjs"

SIGMAS = (6.0, 32.0)  # Gaussian widths of the click maps, in model-frame pixels (near, far)


def cbr(cin, cout, k=3, dil=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, 1, dil * (k // 2), dilation=dil, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResBlock(nn.Module):
    def __init__(self, c, dil):
        super().__init__()
        self.a = cbr(c, c, 3, dil)
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, dil, dilation=dil, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return F.relu(x + self.b(self.a(x)))


class Encoder(nn.Module):
    def __init__(self, c16=128, c8=64, c4=32, cemb=32, c2=0, backbone=DEFAULT_BACKBONE):
        super().__init__()
        self.backbone = BACKBONES[backbone]()
        b2, b4, b8, b16, b32 = self.backbone.channels
        # c2 > 0: also return feat2, the S/2 image features the decoder's S/2 head sharpens edges with
        self.lat2 = nn.Conv2d(b2, c2, 1) if c2 else None
        self.lat32 = nn.Conv2d(b32, c16, 1)
        self.lat16 = nn.Conv2d(b16, c16, 1)
        self.ctx16 = cbr(c16, c16)
        self.lat8 = cbr(b8, c8, 1)
        self.lat4 = cbr(b4, c4, 1)
        self.emb = nn.Sequential(cbr(c8 + c16, 64, 3), nn.Conv2d(64, cemb, 1))

    def forward(self, image):
        f2, f4, f8, f16, f32 = self.backbone(image)
        p = self.lat16(f16) + F.interpolate(self.lat32(f32), size=f16.shape[-2:], mode="bilinear", align_corners=False)
        feat16 = self.ctx16(F.relu(p))
        feat8 = self.lat8(f8)
        feat4 = self.lat4(f4)
        e = self.emb(torch.cat([feat8, F.interpolate(feat16, size=f8.shape[-2:], mode="bilinear", align_corners=False)], 1))
        emb8 = e / (e.norm(dim=1, keepdim=True) + 1e-6)
        if self.lat2 is not None:
            return feat16, feat8, feat4, emb8, F.relu(self.lat2(f2))
        return feat16, feat8, feat4, emb8


def click_maps(points, h, w, stride):
    """points [B, N, 3] (x, y, label) in model-frame pixels -> [B, 4, h, w]: pos/neg x near/far.

    Padding (label -1) and non-click labels are ignored by pushing their distance to infinity.
    """
    dev = points.device
    ys = (torch.arange(h, device=dev, dtype=points.dtype) + 0.5) * stride - 0.5
    xs = (torch.arange(w, device=dev, dtype=points.dtype) + 0.5) * stride - 0.5
    px = points[:, :, 0].unsqueeze(-1).unsqueeze(-1)  # [B, N, 1, 1]
    py = points[:, :, 1].unsqueeze(-1).unsqueeze(-1)
    lab = points[:, :, 2].unsqueeze(-1).unsqueeze(-1)
    d2 = (xs.view(1, 1, 1, w) - px) ** 2 + (ys.view(1, 1, h, 1) - py) ** 2  # [B, N, h, w]
    big = torch.full_like(d2, 1e8)
    d2pos = torch.where(lab == 1, d2, big).amin(dim=1, keepdim=True)
    d2neg = torch.where(lab == 0, d2, big).amin(dim=1, keepdim=True)
    maps = []
    for s in SIGMAS:
        maps.append(torch.exp(-d2pos / (2 * s * s)))
        maps.append(torch.exp(-d2neg / (2 * s * s)))
    return torch.cat(maps, 1)


def sim_maps(emb, points, size):
    """Max cosine similarity of each pixel's embedding to the positive / negative clicks' embeddings.

    emb [B, C, h, w] normalised; returns [B, 2, h, w]; 0 where a polarity has no click.
    """
    b, c, h, w = emb.shape
    gx = (points[:, :, 0] + 0.5) / size * 2 - 1  # model-frame pixel -> grid_sample [-1, 1]
    gy = (points[:, :, 1] + 0.5) / size * 2 - 1
    grid = torch.stack([gx, gy], -1).unsqueeze(1)  # [B, 1, N, 2]
    e = F.grid_sample(emb, grid, mode="bilinear", padding_mode="border", align_corners=False)  # [B, C, 1, N]
    e = e.squeeze(2).transpose(1, 2)  # [B, N, C]
    sim = torch.bmm(e, emb.flatten(2)).view(b, -1, h, w)  # [B, N, h, w]
    lab = points[:, :, 2].unsqueeze(-1).unsqueeze(-1)
    low = torch.full_like(sim, -1.0)
    spos = torch.where(lab == 1, sim, low).amax(dim=1, keepdim=True)
    sneg = torch.where(lab == 0, sim, low).amax(dim=1, keepdim=True)
    # a polarity without clicks gives -1 everywhere; map it to 0 (= 'no evidence')
    spos = torch.where(spos < -0.999, torch.zeros_like(spos), spos)
    sneg = torch.where(sneg < -0.999, torch.zeros_like(sneg), sneg)
    return torch.cat([spos, sneg], 1)


class Head2(nn.Module):
    """S/4 -> S/2: the decoder's last S/4 features, upsampled, with the image's S/2 features and the
    click maps at S/2, predict a correction to the upsampled S/4 logits. The last conv starts at
    zero, so an untrained head returns exactly the S/4 model's (upsampled) logits. clicks=False
    leaves the click maps out (most of the head's cost; the logits already carry the clicks)."""

    def __init__(self, c4, c2, mid=12, clicks=True):
        super().__init__()
        self.clicks = clicks
        self.inp = nn.Conv2d(c4 + c2 + 1 + (4 if clicks else 0), mid, 1)
        self.mid = nn.Conv2d(mid, mid, 3, 1, 1)
        self.out = nn.Conv2d(mid, 1, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x4, logits4, feat2, points, S):
        h2, w2 = feat2.shape[-2:]
        up = F.interpolate(x4, size=(h2, w2), mode="bilinear", align_corners=False)
        lg = F.interpolate(logits4, size=(h2, w2), mode="bilinear", align_corners=False)
        x = [up, feat2, lg] + ([click_maps(points, h2, w2, S / w2)] if self.clicks else [])
        h = F.relu(self.inp(torch.cat(x, 1)))
        return lg + self.out(F.relu(self.mid(h)))


class Decoder(nn.Module):
    def __init__(self, size, c16=128, c8=64, c4=32, c2=0, head2_clicks=True):
        super().__init__()
        self.size = size
        extra = 4 + 1 + 2  # click maps, previous mask, similarity maps
        self.in16 = cbr(c16 + extra, c16)
        self.res16 = nn.Sequential(ResBlock(c16, 2), ResBlock(c16, 4))
        self.up8 = cbr(c16, c8, 1)
        self.in8 = cbr(c8 + c8 + extra, c8)
        self.res8 = ResBlock(c8, 1)
        self.up4 = cbr(c8, c4, 1)
        self.in4 = cbr(c4 + c4 + 5, c4)
        self.out4 = nn.Sequential(cbr(c4, c4), nn.Conv2d(c4, 1, 1))
        self.head2 = Head2(c4, c2, clicks=head2_clicks) if c2 else None

    def forward(self, feat16, feat8, feat4, emb8, points, prev_mask, feat2=None, hidden=False):
        """hidden: also return the input of the last 1x1 conv (the worker refits that conv per click)."""
        h16, w16 = feat16.shape[-2:]
        h8, w8 = feat8.shape[-2:]
        h4, w4 = feat4.shape[-2:]
        S = w4 * 4  # input side in model-frame pixels (training crops may be smaller than the export size)
        sim8 = sim_maps(emb8, points, S)
        sim16 = F.avg_pool2d(sim8, 2)
        prev4 = F.avg_pool2d(prev_mask, 4)
        prev8 = F.avg_pool2d(prev4, 2)
        prev16 = F.avg_pool2d(prev8, 2)
        x = self.in16(torch.cat([feat16, click_maps(points, h16, w16, S / w16), prev16, sim16], 1))
        x = self.res16(x)
        x = F.interpolate(self.up8(x), size=(h8, w8), mode="bilinear", align_corners=False)
        x = self.in8(torch.cat([x, feat8, click_maps(points, h8, w8, S / w8), prev8, sim8], 1))
        x = self.res8(x)
        x = F.interpolate(self.up4(x), size=(h4, w4), mode="bilinear", align_corners=False)
        x = self.in4(torch.cat([x, feat4, click_maps(points, h4, w4, S / w4), prev4], 1))
        x = self.out4[0](x)
        logits4 = self.out4[1](x)
        if hidden:
            assert self.head2 is None, "the S/2 head's logits do not come from out4's conv alone"
            return logits4, x
        if self.head2 is None or feat2 is None:
            return logits4
        return self.head2(x, logits4, feat2, points, S)


class ClickSegNet(nn.Module):
    """widths: (c16, c8, c4) channel counts of the decoder / encoder heads at strides 16, 8, 4."""

    def __init__(self, size, widths=(128, 64, 32), c2=0, backbone=DEFAULT_BACKBONE, head2_clicks=True):
        super().__init__()
        c16, c8, c4 = widths
        self.encoder = Encoder(c16, c8, c4, c2=c2, backbone=backbone)
        self.decoder = Decoder(size, c16, c8, c4, c2=c2, head2_clicks=head2_clicks)

    def decode(self, feats, points, prev_mask):
        """Decoder on the encoder's outputs (4, or 5 with feat2 last)."""
        return self.decoder(*feats[:4], points, prev_mask, *feats[4:])

    def forward(self, image, points, prev_mask):
        return self.decode(self.encoder(image), points, prev_mask)


def load_checkpoint(path, size=None):
    """(model in eval mode, checkpoint dict) for a saved checkpoint, optionally built at another
    working size; float16 weights load into the float32 model."""
    ck = torch.load(path, map_location="cpu")
    m = build_model({**ck["config"], "size": size or ck["config"]["size"]})
    m.load_state_dict(ck["model"])
    return m.eval(), ck


def build_model(cfg, pretrained=None):
    """The model an experiment config describes. With `pretrained` (a backbone state dict path), the
    backbone is initialised from it before its BatchNorms are folded (cfg 'fuse_bn'); without it,
    the structure matches a saved checkpoint of that config. cfg 'backbone': a BACKBONES key
    (DEFAULT_BACKBONE when absent; the shipped v2 says 'nanodet')."""
    m = ClickSegNet(cfg["size"], tuple(cfg.get("widths", (128, 64, 32))), cfg.get("head2", 0),
                    cfg.get("backbone", DEFAULT_BACKBONE), cfg.get("head2_clicks", True))
    if pretrained:
        m.encoder.backbone.load_state_dict(torch.load(pretrained))
    if cfg.get("fuse_bn"):
        fuse_bn(m.encoder.backbone)
    return m
