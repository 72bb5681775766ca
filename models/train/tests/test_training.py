"""Tests of the training code that CI runs (scripts/ci.sh): the device click rule against the
protocol's, the carryable subset, the GPU trainer end to end on a tiny synthetic set (CPU), and
folding its weights into a resumable checkpoint. Run: cd models/train && python3 -m unittest -v
"""
import importlib.util
import io
import json
import os
import tempfile
import unittest
import unittest.mock
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from tandem_click.clicks import _edt_inside, next_click
from tandem_click.gpu_clicks import depth, next_clicks


def ellipse(h, w, cy, cx, ry, rx):
    y, x = np.mgrid[:h, :w]
    return ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1


def write_set(root, name, n, rng, size=(96, 80)):
    """A tiny data set in the shared layout: images/<id>.jpg, masks/<id>.png (an ellipse on noise)."""
    for sub in ("images", "masks"):
        os.makedirs(os.path.join(root, "train", name, sub), exist_ok=True)
    for i in range(n):
        h, w = size
        m = ellipse(h, w, rng.integers(25, h - 25), rng.integers(25, w - 25), rng.integers(10, 20), rng.integers(10, 20))
        img = (rng.random((h, w, 3)) * 80).astype(np.uint8)
        img[m] += 150
        Image.fromarray(img).save(os.path.join(root, "train", name, "images", f"im{i}.jpg"), quality=95)
        Image.fromarray(m.astype(np.uint8) * 255).save(os.path.join(root, "train", name, "masks", f"im{i}.png"))


class DeviceClicks(unittest.TestCase):
    def test_depth_counts_the_image_border_as_outside(self):
        full = torch.ones(1, 1, 9, 9)
        d = depth(full)[0, 0]
        self.assertEqual(d[0, 4].item(), 1)  # on the border: one erosion removes it
        self.assertEqual(d[4, 4].item(), 5)  # the centre of a 9 px square
        self.assertEqual(depth(torch.zeros(1, 1, 5, 5)).sum().item(), 0)

    def test_next_clicks_follows_the_protocol_rule(self):
        rng = np.random.default_rng(0)
        ratios = []
        for k in range(40):
            gt = ellipse(64, 64, 32, 32, rng.integers(8, 25), rng.integers(8, 25))
            pred = np.roll(gt, (int(rng.integers(-9, 9)), int(rng.integers(-9, 9))), (0, 1))
            if k % 3 == 0:
                pred = np.zeros_like(gt)  # nothing predicted: the click must be positive
            ref = next_click(pred, gt)
            out = next_clicks(torch.from_numpy(pred)[None, None], torch.from_numpy(gt)[None, None], jitter=0.0)[0]
            if ref is None:
                self.assertEqual(out[2].item(), -1)
                continue
            x, y, lab = int(out[0]), int(out[1]), out[2].item()
            self.assertEqual(lab == 1, ref[2], f"case {k}: missed-vs-extra decided differently")
            err = (gt & ~pred) if lab == 1 else (~gt & pred)
            self.assertTrue(err[y, x], f"case {k}: click outside the error it corrects")
            e = _edt_inside(err)
            ratios.append(e[y, x] / e.max())
        # near the deepest point the exact transform picks: at worst 1 px against sqrt(2) on a thin strip
        self.assertGreaterEqual(min(ratios), 0.7)
        self.assertGreater(np.mean(ratios), 0.95)

    def test_no_error_gives_no_click(self):
        gt = torch.from_numpy(ellipse(32, 32, 16, 16, 8, 8))[None, None]
        self.assertEqual(next_clicks(gt.clone(), gt)[0, 2].item(), -1)


class Head2(unittest.TestCase):
    def test_untrained_s2_head_returns_the_upsampled_s4_logits(self):
        from tandem_click.model import build_model
        cfg = {"size": 64, "widths": [16, 8, 8], "fuse_bn": True}
        base = build_model(cfg).eval()
        img, prev = torch.rand(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)
        pts = torch.tensor([[[30.0, 30.0, 1.0]]])
        for clicks in (True, False):  # head2_clicks False: the head without its own click maps
            s2 = build_model({**cfg, "head2": 4, "head2_clicks": clicks}).eval()
            s2.load_state_dict(base.state_dict(), strict=False)
            self.assertEqual(s2.decoder.head2.inp.in_channels, 8 + 4 + 1 + (4 if clicks else 0))
            with torch.no_grad():
                l4, l2 = base(img, pts, prev), s2(img, pts, prev)
            self.assertEqual(tuple(l2.shape), (1, 1, 32, 32))  # S/2
            up = torch.nn.functional.interpolate(l4, size=(32, 32), mode="bilinear", align_corners=False)
            self.assertTrue(torch.allclose(l2, up, atol=1e-5))


class TrainViews(unittest.TestCase):
    """zoom_p picks between the two views of a sample: the zoom-in view (object's long side 30-85%
    of the frame, as the worker's zoom-in shows every click from the second on) and the whole-image
    view (image long side about the frame, the first click's view)."""

    def test_zoom_p_chooses_the_view(self):
        from tandem_click.data import TrainSet

        rng = np.random.default_rng(3)
        with tempfile.TemporaryDirectory() as tmp:
            write_set(tmp, "Blobs", 4, rng, size=(120, 100))
            F = 128
            for zoom_p in (1.0, 0.0):
                ds = TrainSet(tmp, {"Blobs": 1.0}, F, 256, 0, zoom_p=zoom_p)  # crop > frame: nothing cut
                for _ in range(30):
                    img, m, _ = ds._load()
                    ys, xs = np.nonzero(m)
                    before = max(np.ptp(ys), np.ptp(xs)) + 1
                    _, mm = ds._geometry(img, m)
                    ys, xs = np.nonzero(mm)
                    after = max(np.ptp(ys), np.ptp(xs)) + 1
                    if zoom_p:
                        self.assertTrue(0.3 * F - 2 <= after <= 0.85 * F + 2, after)
                    else:
                        self.assertTrue(0.75 * F / 120 - 0.05 <= after / before <= 1.35 * F / 120 + 0.05, after / before)


    def test_small_share_targets_only_small_objects_and_leaves_the_default_stream_alone(self):
        from tandem_click.data import TrainSet

        rng = np.random.default_rng(4)
        with tempfile.TemporaryDirectory() as tmp:
            write_set(tmp, "Blobs", 4, rng, size=(120, 100))  # ellipse radii 10-20: short side >= 21
            img = (rng.random((120, 100, 3)) * 80).astype(np.uint8)
            tiny = ellipse(120, 100, 60, 50, 4, 4)  # short side 9
            img[tiny] += 150
            Image.fromarray(img).save(os.path.join(tmp, "train", "Blobs", "images", "tiny.jpg"), quality=95)
            Image.fromarray(tiny.astype(np.uint8) * 255).save(os.path.join(tmp, "train", "Blobs", "masks", "tiny.png"))
            small = {"p": 1.0, "px": 15, "sets": ["Blobs"]}
            ds = TrainSet(tmp, {"Blobs": 1.0}, 128, 256, 0, zoom_p=0.0, small=small)
            self.assertEqual([os.path.basename(m) for _, m in ds.small], ["tiny.png"])
            # whole-image views scale by at most 1.35 * 128 / 120: the tiny disc stays under 150 px of
            # area, the smallest blob (radius 10) over 280
            for _ in range(20):
                self.assertLess(ds.sample()[1].sum(), 150)
            plain = TrainSet(tmp, {"Blobs": 1.0}, 128, 256, 5)
            off = TrainSet(tmp, {"Blobs": 1.0}, 128, 256, 5, small={**small, "p": 0.0})
            for _ in range(5):
                a, b = plain.sample(), off.sample()
                self.assertTrue(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]))


    def test_mask_offsets_move_a_sets_masks_by_a_fraction_of_a_pixel_and_nothing_else(self):
        from tandem_click.data import TrainSet, _resize_mask

        half = np.zeros((10, 20), bool)
        half[:, :10] = True  # object left of x = 10, upscaled x4: its edge at x = 40
        for off, edge in (((0.0, 0.0), 40), ((0.5, 0.0), 42), ((-0.25, 0.0), 39)):
            row = _resize_mask(half, 80, 40, off)[20]
            self.assertEqual(int(row.sum()), edge, off)
        self.assertTrue(np.array_equal(_resize_mask(half.T, 40, 80, (0.0, 0.5))[:, 20], _resize_mask(half, 80, 40, (0.5, 0.0))[20]))

        rng = np.random.default_rng(5)
        with tempfile.TemporaryDirectory() as tmp:
            write_set(tmp, "Blobs", 4, rng, size=(120, 100))
            write_set(tmp, "Other", 4, rng, size=(120, 100))
            ds = TrainSet(tmp, {"Blobs": 0.5, "Other": 0.5}, 128, 256, 7, mask_offsets={"Blobs": [0.4, -0.3]})
            seen = []
            geometry = ds._geometry
            ds._geometry = lambda img, m, off: seen.append(tuple(off)) or geometry(img, m, off)
            for _ in range(400):
                ds._view()
            # the named set's offset, none for the other set, and none for a copy-paste target (its
            # pixels end where its mask ends): 25% of the draws, half of the rest from each set
            share = {o: seen.count(o) / len(seen) for o in set(seen)}
            self.assertEqual(set(share), {(0.4, -0.3), (0.0, 0.0)})
            self.assertAlmostEqual(share[(0.4, -0.3)], 0.375, delta=0.08)


class GpuPath(unittest.TestCase):
    """pack -> train_fast (CPU, a few seconds) -> snapshot --merge -> a model that loads."""

    def test_pack_train_merge(self):
        from tandem_click import pack, snapshot, train_fast
        from tandem_click.data import TrainSet
        from tandem_click.model import build_model

        rng = np.random.default_rng(1)
        with tempfile.TemporaryDirectory() as tmp:
            src, sub, out = (os.path.join(tmp, d) for d in ("src", "sub", "out"))
            write_set(src, "Blobs", 6, rng, size=(120, 100))
            pack.pack(src, sub, side=90, quality=80, sets=["Blobs:60"])  # the set's own side wins
            with Image.open(os.path.join(sub, "train", "Blobs", "images", "im0.jpg")) as im, \
                    Image.open(os.path.join(sub, "train", "Blobs", "masks", "im0.png")) as mk:
                self.assertEqual(im.size, (50, 60))
                self.assertEqual((mk.size, mk.mode), (im.size, "1"))
            m = TrainSet(sub, {"Blobs": 1.0}, 64, 64, 0)._load()[1]
            self.assertTrue(0 < m.sum() < m.size)  # 1-bit masks read back as object / background

            cfg = {"name": "tiny", "seed": 1, "size": 64, "crop": 64, "batch": 2, "lr": 1e-3, "warmup": 2,
                   "max_iters": 2, "p_corrupt_prev": 0.5, "freeze_blocks": 1, "sets": {"Blobs": 1.0},
                   "threads": 2, "log_every_s": 1, "ckpt_every_s": 1, "widths": [16, 8, 8], "fuse_bn": True,
                   "keep_snapshots": True, "lr_floor": 1.0}
            cfg_p, base_p = os.path.join(tmp, "cfg.json"), os.path.join(tmp, "base.pt")
            with open(cfg_p, "w") as f:
                json.dump(cfg, f)
            model = build_model(cfg)
            torch.save({"model": model.state_dict(), "opt": None, "config": cfg,
                        "state": {"step": 10, "samples": 20, "train_s": 5.0}}, base_p)
            argv = ["train_fast", "--config", cfg_p, "--init", base_p, "--data", sub, "--out", out,
                    "--budget-s", "4", "--workers", "0"]
            with unittest.mock.patch("sys.argv", argv), unittest.mock.patch("os._exit") as exit_:
                train_fast.main()
            exit_.assert_called_once_with(0)
            with open(os.path.join(out, "log.jsonl")) as f:
                log = [json.loads(line) for line in f]
            done = log[-1]
            self.assertEqual(done["event"], "done")
            self.assertGreater(done["samples"], 0)
            trained = torch.load(os.path.join(out, "weights.pt"))
            moved = [k for k, v in model.state_dict().items() if v.is_floating_point() and not torch.equal(v, trained[k])]
            self.assertTrue(moved, "no weight changed")
            # the schedule itself is checked in test_lr_floor_1_keeps_the_rate_after_warm_up: how many
            # steps a 4 s budget holds depends on the machine's load
            snaps = sorted(f for f in os.listdir(out) if f.startswith("snap_"))
            self.assertTrue(snaps, "keep_snapshots wrote no snapshot")
            snap = torch.load(os.path.join(out, snaps[0]))
            self.assertEqual(snap["encoder.lat8.0.weight"].dtype, torch.float16)
            build_model(cfg).load_state_dict(snap)

            merged_p = os.path.join(tmp, "merged.pt")
            snapshot.merge(base_p, out, cfg_p, merged_p)
            ck = torch.load(merged_p)
            self.assertEqual(ck["state"]["samples"], 20 + done["samples"])
            self.assertEqual(ck["state"]["history"][0]["samples"], 20)
            self.assertIsNone(ck["opt"])
            m2 = build_model(ck["config"])
            m2.load_state_dict(ck["model"])


    def test_lr_floor_1_keeps_the_rate_after_warm_up(self):
        from tandem_click.train_fast import lr_factor

        self.assertLess(lr_factor(0, 0.0, 100.0, 10, 1.0), 0.2)  # warming up
        self.assertEqual([lr_factor(s, e, 100.0, 10, 1.0) for s, e in ((10, 5.0), (50, 50.0), (90, 99.0))], [1.0] * 3)
        decayed = [lr_factor(s, e, 100.0, 10) for s, e in ((10, 5.0), (50, 50.0), (90, 99.0))]
        self.assertEqual(decayed, sorted(decayed, reverse=True))  # the default floor: cosine decay
        self.assertLess(decayed[-1], 0.05)


class DeviceColour(unittest.TestCase):
    """train_fast jitters colour on the device (gpu_colour) instead of in the loaders (data.colour_jitter):
    the same image jittered many times both ways gives the same distribution of results."""

    def test_batch_jitter_matches_the_loader_jitter_in_distribution(self):
        from tandem_click.data import colour_jitter
        from tandem_click.gpu_colour import colour

        rng = np.random.default_rng(0)
        img = rng.integers(0, 256, (8, 8, 3)).astype(np.uint8)
        n = 4000
        cpu = np.stack([colour_jitter(img, rng) for _ in range(n)])
        x = torch.from_numpy(img).permute(2, 0, 1).float().div(255).unsqueeze(0).repeat(n, 1, 1, 1)
        dev = colour(x, torch.Generator().manual_seed(1)).permute(0, 2, 3, 1).numpy()
        self.assertTrue(0 <= dev.min() and dev.max() <= 1)
        stats = {"brightness": lambda a: a.mean((1, 2, 3)), "contrast": lambda a: a.std((1, 2, 3)),
                 "saturation": lambda a: a.std(3).mean((1, 2)), "blue share": lambda a: a[..., 2].mean((1, 2)) / a.mean((1, 2, 3))}
        for name, f in stats.items():
            c, d = f(cpu), f(dev)
            # seeded, so not flaky; the bounds are ~4 and ~3 standard errors of the two estimates
            self.assertLess(abs(d.mean() / c.mean() - 1), 0.012, name)
            self.assertLess(abs(d.std() / c.std() - 1), 0.05, name)
        untouched = lambda a: float((np.abs(a - img / 255.0).max((1, 2, 3)) < 1e-5).mean())  # 0.2 x 0.95
        grey = lambda a: float((a.std(3).max((1, 2)) < 1e-6).mean())  # 0.05
        self.assertAlmostEqual(untouched(cpu), 0.19, delta=0.025)
        self.assertAlmostEqual(untouched(dev), 0.19, delta=0.025)
        self.assertAlmostEqual(grey(cpu), 0.05, delta=0.015)
        self.assertAlmostEqual(grey(dev), 0.05, delta=0.015)


class Soup(unittest.TestCase):
    """soup.py: the weighted average of two runs' weights, a model that loads, parents on record."""

    def test_weighted_average_of_two_checkpoints(self):
        from tandem_click import export, soup
        from tandem_click.model import build_model

        cfg = {"name": "tiny", "size": 64, "widths": [16, 8, 8], "fuse_bn": True}
        cks = []
        for seed, samples in ((0, 100), (1, 300)):
            torch.manual_seed(seed)
            cks.append({"model": build_model(cfg).state_dict(), "opt": {"state": {}}, "config": cfg,
                        "state": {"step": samples // 2, "samples": samples, "train_s": 1.0}})
        out = soup.soup([(cks[0], 0.25), (cks[1], 0.75)])
        k = "encoder.lat8.0.weight"
        self.assertTrue(torch.allclose(out["model"][k], 0.25 * cks[0]["model"][k] + 0.75 * cks[1]["model"][k]))
        self.assertFalse(torch.equal(out["model"][k], cks[1]["model"][k]))
        self.assertIsNone(out["opt"])
        self.assertEqual(out["state"]["samples"], 300)  # the last parent's training state
        self.assertEqual([(p["weight"], p["samples"]) for p in out["state"]["soup"]], [(0.25, 100), (0.75, 300)])
        self.assertEqual(export.training(out["state"], cfg)["weightAverage"][1]["samples"], 300)
        build_model(cfg).load_state_dict(out["model"])
        half = soup.soup([(cks[0], 0.5), (cks[1], 0.5)], half=True)
        self.assertEqual(half["model"][k].dtype, torch.float16)
        with self.assertRaisesRegex(ValueError, "sum to"):
            soup.soup([(cks[0], 0.5), (cks[1], 0.6)])


class Resume(unittest.TestCase):
    """train.py resuming another experiment's checkpoint (a weight average's, say) keeps its training
    on record as a stage of the history."""

    def run_stage(self, tmp, **over):
        """train.main on a tiny set from a 'gpu_run' checkpoint in runs/<name>; returns the last checkpoint."""
        from tandem_click import train
        from tandem_click.model import build_model

        cfg = {"name": "tiny_cpu", "seed": 1, "size": 64, "crop": 64, "batch": 2, "lr": 1e-3, "warmup": 2,
               "max_steps": 12, "max_iters": 1, "freeze_blocks": 1, "sets": {"Blobs": 1.0}, "threads": 1,
               "widths": [16, 8, 8], "fuse_bn": True, "eval_every_s": 1e9, **over}
        cfg_p = os.path.join(tmp, cfg["name"] + ".json")
        with open(cfg_p, "w") as f:
            json.dump(cfg, f)
        run = os.path.join(tmp, "runs", cfg["name"])
        os.makedirs(run)
        torch.manual_seed(0)
        torch.save({"model": build_model(cfg).state_dict(), "opt": None, "config": {**cfg, "name": "gpu_run"},
                    "state": {"step": 10, "samples": 20, "train_s": 5.0, "best_noc90": 1e9, "config": "gpu_run",
                              "device": "a GPU", "soup": [self.parent]},
                    "torch_rng": torch.get_rng_state(), "np_rng": np.random.default_rng(100).bit_generator.state,
                    "ds_rng": np.random.default_rng(101).bit_generator.state},
                   os.path.join(run, "last.pt"))
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            with unittest.mock.patch("sys.argv", ["train", "--config", cfg_p, "--data", tmp]):
                train.main()
        finally:
            os.chdir(cwd)
        return torch.load(os.path.join(run, "last.pt"))

    parent = {"weight": 1.0, "config": "gpu_run", "samples": 20}

    def test_resume_from_another_config_starts_a_stage(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_set(tmp, "Blobs", 4, np.random.default_rng(2), size=(90, 80))
            st = self.run_stage(tmp)["state"]
            self.assertEqual((st["step"], st["samples"]), (12, 24))
            self.assertEqual((st["config"], st["device"]), ("tiny_cpu", "CPU, 1 thread"))
            self.assertEqual(st["history"], [{"config": "gpu_run", "step": 10, "samples": 20, "train_s": 5.0,
                                              "device": "a GPU", "soup": [self.parent]}])
            self.assertNotIn("soup", st)  # the weights are no longer that average

    def test_reseed_gives_siblings_from_one_checkpoint_their_own_samples(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_set(tmp, "Blobs", 4, np.random.default_rng(2), size=(90, 80))
            ends = {(seed, reseed): self.run_stage(tmp, name=f"s{seed}{int(reseed)}", seed=seed, reseed=reseed)["ds_rng"]
                    for seed in (1, 2) for reseed in (False, True)}
            self.assertEqual(ends[(1, False)], ends[(2, False)])  # without it: the parent's stream goes on
            self.assertNotEqual(ends[(1, True)], ends[(2, True)])
            self.assertNotEqual(ends[(1, True)], ends[(1, False)])


class LateClicks(unittest.TestCase):
    """The late-click recipe's two config keys: long click sequences and the loss around the newest click."""

    def test_long_iters_draws_late_states_and_leaves_the_default_stream_alone(self):
        from tandem_click.train import draw_iters

        a, b = np.random.default_rng(5), np.random.default_rng(5)
        self.assertEqual([draw_iters(a, {"max_iters": 3}) for _ in range(50)], [int(b.integers(0, 4)) for _ in range(50)])
        rng = np.random.default_rng(5)
        n = [draw_iters(rng, {"max_iters": 3, "long_iters": {"p": 0.5, "max": 12}}) for _ in range(2000)]
        late = [k for k in n if k >= 4]
        self.assertTrue(0.4 < len(late) / len(n) < 0.6)  # p = 0.5 from 4..12, plus none from 0..3
        self.assertEqual((min(late), max(late)), (4, 12))

    def test_click_weight_peaks_at_the_newest_click(self):
        from tandem_click.train import click_weight

        self.assertIsNone(click_weight([[(3, 4, True)]], (16, 16), {}))
        w = click_weight([[(3, 4, True), (10, 12, False)], [(1, 2, True)]], (16, 20), {"click_weight": {"w": 4, "sigma": 2}})
        self.assertEqual(tuple(w.shape), (2, 1, 16, 20))
        self.assertAlmostEqual(float(w[0, 0, 12, 10]), 5.0)  # (x 10, y 12): the newest click of sample 0
        self.assertAlmostEqual(float(w[0, 0, 4, 3]), 1.0, places=3)  # an older click gets no extra weight
        self.assertAlmostEqual(float(w[1, 0, 2, 1]), 5.0)
        self.assertAlmostEqual(float(w[1, 0, 15, 19]), 1.0, places=5)

    def test_focal_key_moves_the_loss_onto_the_pixels_still_wrong(self):
        from tandem_click.train import loss_fn

        gt = torch.zeros(1, 1, 8, 8)
        gt[..., :, :4] = 1
        logits = torch.full((1, 1, 8, 8), -6.0)
        logits[..., :, :4] = 6.0
        logits[..., 0, 0] = -1.0  # one object pixel still wrong, the rest confidently right
        plain, _ = loss_fn(logits.clone().requires_grad_(), gt)
        self.assertAlmostEqual(float(loss_fn(logits, gt, focal=0.0)[0]), float(plain))
        g = {}
        for gamma in (0.0, 2.0):
            x = logits.clone().requires_grad_()
            loss_fn(x, gt, focal=gamma)[0].backward()
            g[gamma] = x.grad.abs()
        share = {k: float(v[0, 0, 0, 0] / v.sum()) for k, v in g.items()}
        self.assertGreater(share[2.0], share[0.0])  # the wrong pixel gets a larger share of the gradient


class FrozenBatchNorm(unittest.TestCase):
    def test_freeze_bn_keeps_the_loaded_statistics_while_scale_and_shift_train(self):
        from tandem_click.model import build_model
        from tandem_click.train import optimiser, set_modes
        cfg = {"size": 64, "widths": [16, 8, 8], "fuse_bn": True, "lr": 1e-2, "freeze_blocks": 1}
        img, prev = torch.rand(2, 3, 64, 64), torch.zeros(2, 1, 64, 64)
        pts = torch.tensor([[[30.0, 30.0, 1.0]], [[10.0, 40.0, 1.0]]])
        for freeze in (False, True):
            torch.manual_seed(0)
            c = {**cfg, "freeze_bn": freeze}
            m = build_model(c)
            bns = [b for b in m.modules() if isinstance(b, torch.nn.BatchNorm2d)]
            self.assertTrue(bns)
            before = [(b.running_mean.clone(), b.weight.detach().clone()) for b in bns]
            opt = optimiser(m, c)
            set_modes(m, c)
            m(img, pts, prev).mean().backward()
            opt.step()
            stats_moved = any(not torch.equal(b.running_mean, r) for b, (r, _) in zip(bns, before))
            scale_moved = any(not torch.equal(b.weight.detach(), w) for b, (_, w) in zip(bns, before))
            self.assertEqual(stats_moved, not freeze)
            self.assertTrue(scale_moved)
            self.assertEqual(all(not b.training for b in bns), freeze)


class BigCorrections(unittest.TestCase):
    """The 'p_big_corrupt' key: previous masks wrong by a whole region (a part of the object, or it
    with a spill), which the eval meets on large and on small objects after the first click."""

    def test_corrupt_big_makes_a_part_or_a_spill_that_keeps_the_click(self):
        from tandem_click.train import corrupt_big

        yy, xx = np.mgrid[:96, :96]
        gt = (xx - 48) ** 2 + (yy - 40) ** 2 <= 20 ** 2
        click = (50, 42, True)
        kinds = set()
        rng = np.random.default_rng(3)
        for _ in range(200):
            pm = corrupt_big(gt, [click], rng)
            if pm is None:
                continue
            iou = (pm & gt).sum() / (pm | gt).sum()
            self.assertLess(iou, 0.85)  # wrong by a region, not by a boundary pixel
            if (pm & ~gt).any():
                self.assertTrue((pm >= gt).all())  # a spill keeps the whole object
                kinds.add("over")
            else:
                self.assertTrue(pm[click[1], click[0]])  # a part keeps the clicked pixel
                kinds.add("under")
        self.assertEqual(kinds, {"over", "under"})
        self.assertIsNone(corrupt_big(np.zeros((96, 96), bool) | ((xx < 3) & (yy < 3)), [(1, 1, True)], rng))


class MaskOffsets(unittest.TestCase):
    """mask_offsets.py: the sign and rough size of a mask's offset from the image's edges."""

    def test_a_mask_drawn_right_of_a_blurred_edge_reads_negative_and_a_centred_one_zero(self):
        from mask_offsets import peak, steps  # beside tandem_click: the tests run from models/train

        x = np.arange(64, dtype=np.float32)
        # a vertical edge centred between columns 31 and 32, blurred over 2 px
        grey = np.tile(np.clip((x - 30.5) / 2, 0, 1) * 200, (48, 1))
        self.assertAlmostEqual(peak(steps(grey, np.tile(x >= 32, (48, 1)), 0)), 0.0, places=6)
        self.assertLess(peak(steps(grey, np.tile(x >= 33, (48, 1)), 0)), -0.3)  # the edge lies left of this mask
        self.assertGreater(peak(steps(grey, np.tile(x >= 31, (48, 1)), 0)), 0.3)
        # blurred over 4 px the parabola flattens: the sign holds, the size reads low
        wide = np.tile(np.clip((x - 29.5) / 4, 0, 1) * 200, (48, 1))
        self.assertLess(peak(steps(wide, np.tile(x >= 33, (48, 1)), 0)), 0)


class Trace(unittest.TestCase):
    """mask_trace.py: a mask one pixel too fat reads about +1 px, one too thin about -1, and eval_instance
    hands it each click's final mask, the one its IoU is measured on."""

    def test_boundary_bias_reads_a_one_pixel_dilation_and_erosion(self):
        from scipy.ndimage import binary_dilation, binary_erosion
        from mask_trace import boundary_bias  # beside tandem_click: the tests run from models/train

        gt = ellipse(80, 80, 40, 40, 20, 25)
        self.assertEqual(boundary_bias(gt, gt), (0.0, 0.0))
        fat, thin = boundary_bias(binary_dilation(gt), gt), boundary_bias(binary_erosion(gt), gt)
        self.assertTrue(0.8 < fat[0] < 1.2 and fat[1] == fat[0], fat)
        self.assertTrue(-1.2 < thin[0] < -0.8 and thin[1] == -thin[0], thin)
        shifted = boundary_bias(np.roll(gt, 1, axis=1), gt)  # a shift: as much too fat as too thin
        self.assertLess(abs(shifted[0]), 0.05)
        self.assertGreater(shifted[1], 0.3)

    def test_on_mask_sees_each_clicks_mask(self):
        from tandem_click.evaluate import eval_instance
        from tandem_click.model import build_model

        torch.manual_seed(0)
        m = build_model({"size": 64, "widths": [16, 8, 8], "fuse_bn": True}).eval()
        rng = np.random.default_rng(2)
        gt = ellipse(60, 70, 30, 35, 12, 16)
        img = (rng.random((60, 70, 3)) * 80).astype(np.uint8)
        img[gt] += 150
        seen = []

        def on_mask(k, pred, roi, clicks):
            seen.append((k, (pred & gt).sum() / max((pred | gt).sum(), 1), len(clicks)))

        with torch.no_grad():
            ious, _, _, _ = eval_instance(m, img, gt, 64, 4, on_mask=on_mask)
        self.assertEqual([k for k, _, _ in seen], list(range(1, len(seen) + 1)))
        self.assertEqual([n for _, _, n in seen], [k for k, _, _ in seen])  # clicks so far
        self.assertTrue(np.allclose([v for _, v, _ in seen], ious[:len(seen)]))


class Backbones(unittest.TestCase):
    """The 'backbone' config key: the default keeps the shipped checkpoint's layout; 'nanodet' (whose
    pretrained file CI does not have) builds, gives 5 maps at strides 2..32 and exports."""

    def test_default_backbone_keeps_the_nsfwjs_layout(self):
        from tandem_click.model import build_model
        names = build_model({"size": 64, "widths": [16, 8, 8]}).state_dict().keys()
        self.assertIn("encoder.backbone.blocks.16.expand.conv.weight", names)  # nsfwjs' MobileNetV2, by name
        self.assertIn("encoder.lat32.weight", names)

    def test_committed_checkpoint_loads_strictly_into_the_model_its_config_builds(self):
        from tandem_click.model import build_model
        ck = torch.load(os.path.join(os.path.dirname(__file__), "..", "checkpoints", "nanodet_384.pt"))
        self.assertEqual(ck["config"]["backbone"], "nanodet")
        build_model(ck["config"]).load_state_dict(ck["model"])  # strict, fp16 weights cast to fp32

    def test_nanodet_maps_strides_normalisation_and_export(self):
        from tandem_click.model import build_model
        from tandem_click.nanodet import BGR_MEAN, NanoDetFeatures

        cfg = {"name": "tiny_nanodet", "size": 64, "backbone": "nanodet", "widths": [16, 8, 8], "fuse_bn": True,
               "sets": {"Blobs": 1.0}}
        model = build_model(cfg).eval()
        bb = model.encoder.backbone
        self.assertIsInstance(bb, NanoDetFeatures)
        with torch.no_grad():
            maps = bb(torch.rand(2, 3, 64, 64))
            self.assertEqual([tuple(m.shape) for m in maps],
                             [(2, c, 64 // s, 64 // s) for c, s in zip(bb.channels, (2, 4, 8, 16, 32))])
            # RGB [0, 1] of NanoDet's mean colour (given in BGR) normalises to 0: a stem without bias sees nothing
            mean_rgb = torch.tensor(BGR_MEAN[::-1]).view(1, 3, 1, 1).expand(1, 3, 64, 64) / 255
            bb.stem["conv"].bias.zero_()
            self.assertLess(bb(mean_rgb)[0].abs().max().item(), 1e-4)
        buf = io.BytesIO()  # the encoder exports (torch's exporter needs no `onnx` package; export.py does)
        torch.onnx.export(model.encoder, (torch.rand(1, 3, 64, 64),), buf, opset_version=17,
                          input_names=["image"], output_names=["feat16", "feat8", "feat4", "emb8"])
        self.assertGreater(len(buf.getvalue()), 4 * sum(p.numel() for p in bb.parameters()))

    @unittest.skipUnless(importlib.util.find_spec("onnx"), "the onnx package is not installed")
    def test_nanodet_exports_through_export_py(self):
        from tandem_click import export
        from tandem_click.model import build_model

        cfg = {"name": "tiny_nanodet", "size": 64, "backbone": "nanodet", "widths": [16, 8, 8], "fuse_bn": True,
               "sets": {"Blobs": 1.0}}
        model = build_model(cfg).eval()
        with tempfile.TemporaryDirectory() as tmp:
            ck_p = os.path.join(tmp, "ck.pt")
            torch.save({"model": model.state_dict(), "config": cfg, "state": {"step": 0, "samples": 0, "train_s": 0.0}}, ck_p)
            with unittest.mock.patch("sys.argv", ["export", "--ckpt", ck_p, "--id", "t", "--out", tmp]):
                export.main()  # includes onnx.checker on both graphs
            entry = json.loads(Path(tmp, "manifest.json").read_text())["models"][0]
            self.assertEqual(entry["encoder"]["outputs"][0], {"name": "feat16", "shape": [1, 16, 4, 4]})
            self.assertIn("NanoDet", entry["licence"])
            self.assertEqual(entry["preprocessing"]["mean"], [0.0, 0.0, 0.0])  # the contract input stays RGB / 255
            self.assertNotIn("adapt", entry)
            self.assertEqual([o["name"] for o in entry["decoder"]["outputs"]], ["logits"])
            # --adapt: the decoder also outputs the last conv's input, and the manifest declares that conv
            with unittest.mock.patch("sys.argv", ["export", "--ckpt", ck_p, "--id", "t", "--out", tmp,
                                                  "--adapt", '{"lambda": 0.1, "iters": 20}']):
                export.main()
            entry = json.loads(Path(tmp, "manifest.json").read_text())["models"][0]
            self.assertEqual(entry["decoder"]["outputs"], [{"name": "logits", "shape": [1, 1, 16, 16]},
                                                           {"name": "head_in", "shape": [1, 8, 16, 16]}])
            conv = model.decoder.out4[1]
            self.assertEqual(entry["adapt"]["output"], "head_in")
            self.assertTrue(np.allclose(entry["adapt"]["weight"], conv.weight.detach().view(-1).numpy(), atol=1e-7))
            self.assertAlmostEqual(entry["adapt"]["bias"], float(conv.bias[0]), places=6)
            self.assertEqual((entry["adapt"]["lambda"], entry["adapt"]["iters"]), (0.1, 20))
            parity = json.loads(Path(tmp, "t.parity.json").read_text())
            self.assertEqual(sorted(parity["decoder"]), ["head_in", "logits"])


class Snapshot(unittest.TestCase):
    def test_half_checkpoint_loads_into_the_fp32_model_without_optimiser_state(self):
        from tandem_click import snapshot
        from tandem_click.model import build_model

        cfg = {"name": "tiny", "size": 64, "widths": [16, 8, 8], "fuse_bn": True}
        torch.manual_seed(0)
        model = build_model(cfg)
        opt = torch.optim.AdamW(model.parameters())
        model(torch.rand(1, 3, 64, 64), torch.tensor([[[20.0, 30.0, 1.0]]]), torch.zeros(1, 1, 64, 64)).mean().backward()
        opt.step()
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "last.pt"), os.path.join(tmp, "half.pt")
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": {"step": 1}, "config": cfg}, src)
            self.assertLess(snapshot.half(src, dst), 0.6 * os.path.getsize(src))
            ck = torch.load(dst)
            self.assertIsNone(ck["opt"])
            again = build_model(cfg)
            again.load_state_dict(ck["model"])  # strict, cast back to fp32
            for (n, a), b in zip(model.state_dict().items(), again.state_dict().values()):
                self.assertEqual(b.dtype, a.dtype, n)
                self.assertTrue(torch.allclose(a, b, rtol=1e-3, atol=1e-4), n)


class Evaluate(unittest.TestCase):
    """evaluate.py sees dev as `npm run eval` does (the same halves, the same --details records, so
    `npm run eval:compare` pairs the two), and a logit ensemble averages its models' logits."""

    def test_halves_details_and_logit_ensemble(self):
        from tandem_click.evaluate import LogitEnsemble, evaluate, load_instances, parse_ckpt_spec
        from tandem_click.model import build_model

        rng = np.random.default_rng(5)
        with tempfile.TemporaryDirectory() as tmp:
            write_set(tmp, "COCO_MVal_dev", 5, rng)
            os.rename(os.path.join(tmp, "train"), os.path.join(tmp, "dev"))
            names = lambda h: [os.path.basename(m) for _, m in load_instances(tmp, half=h)]
            self.assertEqual(names(None), [f"im{i}.png" for i in range(5)])
            self.assertEqual(names("select"), ["im0.png", "im2.png", "im4.png"])
            self.assertEqual(names("report"), ["im1.png", "im3.png"])

            torch.manual_seed(0)
            cfg = {"size": 64, "widths": [16, 8, 8], "fuse_bn": True}
            a, b = build_model(cfg).eval(), build_model(cfg).eval()
            ens = LogitEnsemble([a, b], [0.25, 0.75])
            img, prev, pts = torch.rand(1, 3, 64, 64), torch.zeros(1, 1, 64, 64), torch.tensor([[[30.0, 30.0, 1.0]]])
            with torch.no_grad():
                la, lb = a(img, pts, prev), b(img, pts, prev)
                le = ens.decode(ens.encoder(img), pts, prev)
            self.assertFalse(torch.allclose(la, lb, atol=1e-3))  # two models, so the average means something
            self.assertTrue(torch.allclose(le, 0.25 * la + 0.75 * lb, atol=1e-5))

            details = os.path.join(tmp, "d.jsonl")
            res = evaluate(ens, tmp, 64, max_clicks=5, half="report", details=details)
            recs = [json.loads(line) for line in open(details)]
            self.assertEqual([r["id"] for r in recs], ["im1", "im3"])
            self.assertEqual(res["n"], 2)
            self.assertAlmostEqual(res["noc90"], np.mean([r["noc90"] for r in recs]))
            for r in recs:
                self.assertEqual(len(r["ious"]), 5)
                self.assertTrue(1 <= r["noc85"] <= r["noc90"] <= 5, r)
        self.assertEqual(parse_ckpt_spec("runs/a.pt:0.3"), ("runs/a.pt", 0.3))
        self.assertEqual(parse_ckpt_spec("runs/a.pt"), ("runs/a.pt", 1.0))
        self.assertEqual(parse_ckpt_spec("C:/runs/a.pt"), ("C:/runs/a.pt", 1.0))

    def test_head_adapt_gives_the_clicks_their_labels_at_the_optimum(self):
        from tandem_click.adapt import HeadAdapt, sample_features
        from tandem_click.model import build_model

        torch.manual_seed(1)
        m = build_model({"size": 64, "widths": [16, 8, 8], "fuse_bn": True}).eval()
        ad = HeadAdapt(m, lam=1e-3, iters=50)  # an untrained model's features are tiny: a weak pull lets the clicks win
        img, prev = torch.rand(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)
        with torch.no_grad():
            feats = m.encoder(img)
            outside = torch.tensor([[[-5.0, 10.0, 1.0], [70.0, 3.0, 0.0]]])
            self.assertTrue(torch.allclose(ad.decode(feats, outside, prev), m.decode(feats, outside, prev), atol=1e-5))
            pts = torch.tensor([[[10.0, 12.0, 1.0], [40.0, 44.0, 1.0], [50.0, 8.0, 0.0], [20.0, 50.0, 0.0]]])
            base, adapted = m.decode(feats, pts, prev), ad.decode(feats, pts, prev)
            _, hidden = m.decoder(*feats[:4], pts, prev, hidden=True)
        self.assertTrue(torch.allclose(base, m.decoder.out4[1](hidden), atol=1e-5))  # hidden is the last conv's input
        # clicks the trained head already obeys: no refit
        obeyed = pts.clone()
        obeyed[0, :, 2] = (sample_features(base, pts[0], 64)[:, 0] > 0).float()
        with torch.no_grad():
            self.assertTrue(torch.equal(ad.decode(feats, obeyed, prev), m.decode(feats, obeyed, prev)))
            # from `fromClick` clicks on (4 here) it refits obeyed clicks too
            self.assertFalse(torch.allclose(HeadAdapt(m, 1e-3, 50, from_click=4).decode(feats, obeyed, prev),
                                            m.decode(feats, obeyed, prev), atol=1e-4))
            self.assertTrue(torch.equal(HeadAdapt(m, 1e-3, 50, from_click=5).decode(feats, obeyed, prev),
                                        m.decode(feats, obeyed, prev)))
            # ... and with max_side only while the previous mask (image pixels) is smaller than it
            small = HeadAdapt(m, 1e-3, 50, from_click=4, max_side=50)
            mask = np.zeros((200, 300), bool)
            mask[10:59, 20:220] = True  # 49 px on its short side
            small.observe_prev(mask)
            self.assertFalse(torch.allclose(small.decode(feats, obeyed, prev), m.decode(feats, obeyed, prev), atol=1e-4))
            mask[10:60] = True  # 50 px
            small.observe_prev(mask)
            self.assertTrue(torch.equal(small.decode(feats, obeyed, prev), m.decode(feats, obeyed, prev)))
            small.observe_prev(None)  # the first click has no previous mask
            self.assertTrue(torch.equal(small.decode(feats, obeyed, prev), m.decode(feats, obeyed, prev)))
            self.assertFalse(torch.allclose(adapted, base, atol=1e-4))
        at = lambda lg: torch.nn.functional.grid_sample(lg, ((pts[:, :, :2] + 0.5) / 64 * 2 - 1).view(1, 1, -1, 2),
                                                        align_corners=False).view(-1)
        self.assertEqual(((at(adapted) > 0).float() == pts[0, :, 2]).tolist(), [True] * 4)
        # the fit is the regularised optimum: its gradient vanishes
        f = sample_features(hidden, pts[0], 64).double()
        th = ad.fit(f, pts[0, :, 2].double())
        X = torch.cat([f, torch.ones(4, 1, dtype=torch.float64)], 1)
        grad = X.T @ (torch.sigmoid(X @ th) - pts[0, :, 2].double()) + 1e-3 * (th - ad.theta0)
        self.assertLess(grad.abs().max().item(), 1e-3)


if __name__ == "__main__":
    unittest.main()
