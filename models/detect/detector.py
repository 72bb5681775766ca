"""NanoDet (human-models' TF.js graph, weights from github.com/RangiLyu/nanodet, Apache-2.0,
COCO-trained) as one module with Tandem's input and plain outputs:
  image  [1, 3, S, S] RGB in [0, 1] (the image resized to S x S, aspect not kept, as NanoDet trained)
  scores [1, A, 80]   per anchor point and COCO class, after the graph's sigmoid
  boxes  [1, A, 4]    x0, y0, x1, y1 in frame pixels (GFL: 4 distances from the point, each the
                      expectation of an 11-bin softmax, times the level's stride)
with A = sum over strides 8, 16, 32 of (S / stride)^2. Thresholds and NMS are the caller's."""
import torch

from tfjs_graph import TFJSGraph

SIZE = 416
STRIDES = (8, 16, 32)
BINS = 11
# per level: (class scores, box distributions), the graph's output names
OUTPUTS = (("Identity", "Identity_3"), ("Identity_1", "Identity_4"), ("Identity_2", "Identity_5"))
BGR_MEAN = (103.53, 116.28, 123.675)
BGR_STD = (57.375, 57.12, 58.395)

COCO = ("person bicycle car motorcycle airplane bus train truck boat traffic_light fire_hydrant stop_sign "
        "parking_meter bench bird cat dog horse sheep cow elephant bear zebra giraffe backpack umbrella handbag "
        "tie suitcase frisbee skis snowboard sports_ball kite baseball_bat baseball_glove skateboard surfboard "
        "tennis_racket bottle wine_glass cup fork knife spoon bowl banana apple sandwich orange broccoli carrot "
        "hot_dog pizza donut cake chair couch potted_plant bed dining_table toilet tv laptop mouse remote keyboard "
        "cell_phone microwave oven toaster sink refrigerator book clock vase scissors teddy_bear hair_drier "
        "toothbrush").split()
assert len(COCO) == 80


class CocoDetector(torch.nn.Module):
    def __init__(self, prefix, centre_offset=0.0):
        super().__init__()
        self.graph = TFJSGraph(prefix, [name for level in OUTPUTS for name in level])
        mean = torch.tensor(BGR_MEAN[::-1]).view(1, 3, 1, 1)
        std = torch.tensor(BGR_STD[::-1]).view(1, 3, 1, 1)
        self.register_buffer("scale", 255.0 / std, persistent=False)
        self.register_buffer("shift", -mean / std, persistent=False)
        self.register_buffer("bins", torch.arange(BINS, dtype=torch.float32), persistent=False)
        points = []
        for s in STRIDES:
            n = SIZE // s
            ys, xs = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
            p = torch.stack([xs, ys], -1).reshape(-1, 2).float()
            points.append(torch.cat([(p + centre_offset) * s, torch.full((n * n, 1), float(s))], 1))
        self.register_buffer("points", torch.cat(points)[None], persistent=False)  # [1, A, 3]: cx, cy, stride

    def forward(self, image):
        x = (image * self.scale + self.shift).flip(1)  # RGB [0, 1] -> the graph's normalised BGR
        outs = self.graph(x)
        scores = torch.cat(outs[0::2], 1)
        dist = torch.cat(outs[1::2], 1)  # [1, A, 44]
        d = torch.softmax(dist.reshape(1, -1, 4, BINS), -1) @ self.bins  # [1, A, 4]
        d = d * self.points[..., 2:3]
        c = self.points[..., :2]
        boxes = torch.cat([c - d[..., :2], c + d[..., 2:]], -1)
        return scores, boxes
