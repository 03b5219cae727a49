"""The click model's trainer: simulated clicks, the zoom-in crop rule, and a short run that learns a toy task."""

import json
import os
from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest
import torch
from PIL import Image

from seglab_trainer.clicks import boundary_distance, extra_clicks, first_clicks, next_clicks
from seglab_trainer.interactive_data import RegionIndex, components, example
from seglab_trainer.interactive_train import build_click_model, predict, respect_clicks
from seglab_trainer.memory import InMemoryImages
from seglab_trainer.runfiles import load_checkpoint
from seglab_trainer.train import run
from seglab_trainer.zoom import Box, CropRule, crop_box, crop_nearest, to_crop, to_image
from tests.synthetic import make_dataset


def test_clicks_never_land_on_ignore_pixels_or_outside_the_image():
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        target = torch.rand((4, 40, 56), generator=gen) < 0.5
        pred = torch.rand((4, 40, 56), generator=gen) < 0.5
        valid = torch.rand((4, 40, 56), generator=gen) < 0.7
        valid[:, :, 50:] = False  # padding past the image in a crop
        for n, click in enumerate(first_clicks(target & valid, gen)):
            assert click is not None and valid[n, click[1], click[0]] and target[n, click[1], click[0]]
        for n, click in enumerate(next_clicks(target, pred, valid)):
            assert click is not None
            x, y, positive = click
            assert 0 <= x < 56 and 0 <= y < 40 and valid[n, y, x]
            assert bool(target[n, y, x]) == positive and bool(pred[n, y, x]) != positive


def test_extra_clicks_land_inside_the_target_or_in_the_band_around_it_on_valid_pixels():
    gen = torch.Generator().manual_seed(1)
    target = torch.zeros((64, 40, 40), dtype=torch.bool)
    target[:, 12:28, 10:26] = True
    target[0] = False  # nothing to click
    valid = torch.ones_like(target)
    valid[:, :, 24:] = False  # ignore pixels and padding
    far = torch.nn.functional.max_pool2d(target[:, None].float(), 9, 1, 4)[:, 0] == 0  # more than 4 px away
    out = extra_clicks(target & valid, valid, gen, 2, 3, 4)
    assert out[0] == [] and sum(not c for c in out) >= 16  # about half the samples get none
    for n, clicks in enumerate(out):
        assert sum(c[2] for c in clicks) <= 2 and sum(not c[2] for c in clicks) <= 3
        for x, y, positive in clicks:
            assert valid[n, y, x] and bool(target[n, y, x]) == positive and not far[n, y, x]


def test_no_error_no_click_and_the_deepest_error_wins():
    target = torch.zeros((1, 30, 30), dtype=torch.bool)
    target[0, 5:25, 5:25] = True
    valid = torch.ones_like(target)
    assert next_clicks(target, target.clone(), valid) == [None]
    pred = target.clone()
    pred[0, 8:12, 8:12] = False  # a 4x4 hole: missed
    pred[0, 0:2, :] = True  # a 2-pixel strip: wrong, but shallower
    assert next_clicks(target, pred, valid) == [(9, 9, True)]
    assert boundary_distance(target)[0, 15, 15] == 10  # capped depth counts erosions


def test_components_are_four_connected():
    mask = torch.tensor([[1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 1, 0]], dtype=torch.bool)
    labels = components(mask)
    assert labels[0, 0] == labels[0, 1] and labels[1, 2] == labels[2, 2]
    assert len({int(labels[0, 0]), int(labels[1, 2]), int(labels[2, 0])}) == 3 and labels[0, 2] == 0


def test_whole_class_targets_every_pixel_of_the_class_and_region_targets_one_region():
    mask = torch.zeros((40, 40), dtype=torch.uint8)
    mask[5:15, 5:15] = 1  # two regions of class 1, one of class 2
    mask[5:15, 25:35] = 1
    mask[25:35, 5:15] = 2
    mask[30:32, 30:32] = 255
    images = [torch.zeros((3, 40, 40), dtype=torch.uint8)]
    data = cast(InMemoryImages, SimpleNamespace(images=images, masks=[mask], ignore_index=255))
    index = RegionIndex(data)
    region = next(r for r in index.regions if r.box == (5, 5, 15, 15))
    rule = CropRule(size=40, expand=1.0, min_side=40)
    for whole, regions in [(0.0, 1), (1.0, 2)]:
        for seed in range(8):  # random boxes and flips, each holding part of every class-1 region at least
            _, target = example(data, index, region, rule, whole, torch.Generator().manual_seed(seed))
            assert len(components(target == 1).unique()) - 1 == regions


def test_respect_clicks_as_the_extension_does():
    # the case of test/node/clickModel.test.ts
    rows = ["##..##.", "##..##.", ".......", ".#.....", "......."]
    mask = torch.tensor([[c == "#" for c in r] for r in rows])
    out = respect_clicks(mask, [(0, 0, True), (1, 1, False), (6, 4, True), (6, 3, False)], Box(-2, -2, 12))
    assert ["".join("#" if v else "." for v in r) for r in out.tolist()] == [
        "##.....",
        "#......",
        ".......",
        ".......",
        "......#",
    ]
    assert not respect_clicks(torch.ones((1, 3), dtype=torch.bool), [(1, 0, True), (1, 0, False)], Box(0, 0, 3)).any()


def test_crop_rule_round_trips_coordinates():
    rule = CropRule(size=64, expand=1.4, min_side=20)
    box = crop_box([(10, 12, True), (30, 20, False)], None, rule)
    assert box == Box(left=5, top=1, side=30)  # extent 21 x 9: ceil(1.4 * 21); centred on (20.5, 16.5)
    for x, y in [(0.0, 0.0), (5.5, 7.25), (33.0, 1.0)]:
        u, v = to_crop(x, y, box, 64)
        assert np.allclose(to_image(u, v, box, 64), (x, y))
    assert np.allclose(to_crop(5, 1, box, 64), (0, 0)) and np.allclose(to_crop(35, 31, box, 64), (64, 64))
    previous = torch.zeros((50, 50), dtype=torch.bool)
    previous[40:45, 2:4] = True
    # covers x 2..10, y 12..44: side ceil(1.4 * 33)
    assert crop_box([(10, 12, True)], previous, rule) == Box(left=-17, top=5, side=47)
    # the nearest rule reads the pixel under each crop pixel's centre; past the image: `outside`
    ramp = torch.arange(50).repeat(50, 1)
    crop = crop_nearest(ramp, Box(-10, 0, 20), 10, -1)
    assert crop[0].tolist() == [-1, -1, -1, -1, -1, 1, 3, 5, 7, 9]


def test_a_tiny_click_model_learns_a_toy_task(tmp_path):
    """Red rectangles and green disks on dark noise (64 px): after a short CPU run, the held-out images' targets
    reach 90 % IoU within a few simulated clicks (NoC@90 over at most 5 clicks)."""
    data = make_dataset(str(tmp_path / "ds"), count=14, size=64, splits=True, unlabeled=0)
    out = str(tmp_path / "run")
    argv = f"--task interactive --data {data} --out {out} --arch unet --unet-base 8 --unet-depth 2 --epochs 12"
    argv += " --image-size 32 --crop-min-side 24 --batch-size 8 --click-radius 2 --lr 3e-3 --device cpu --patience 0"
    assert run(argv.split()) == 0
    card = json.load(open(os.path.join(out, "model.json")))
    assert card["kind"] == "promptable" and card["family"] == "clicks" and card["crop"]["size"] == 32
    state = load_checkpoint(os.path.join(out, "best.pt"))
    model = build_click_model("unet", state["model_kw"])
    model.load_state_dict(state["model"])
    model.eval()
    rule, nocs = CropRule(32, 1.4, 24), []
    for stem in ("img012.png", "img013.jpg"):
        image = torch.from_numpy(np.array(Image.open(os.path.join(data, "images", stem)).convert("RGB")))
        labels = torch.from_numpy(np.array(Image.open(os.path.join(data, "masks", stem[:-4] + ".png"))))
        valid = labels != 255
        for c in (1, 2):
            target = labels == c
            clicks, prev = [(int(x), int(y), True) for y, x in [target.nonzero().float().mean(0).round()]], None
            for k in range(1, 6):
                prev = predict(model, image.permute(2, 0, 1), clicks, prev, rule, 2.0)
                iou = float((prev & target & valid).sum()) / float(((prev | target) & valid).sum())
                nxt = next_clicks(target[None], prev[None], valid[None])[0]
                if iou >= 0.9 or nxt is None:
                    break
                clicks.append(nxt)
            nocs.append(k if iou >= 0.9 else 5)
    assert sum(nocs) / len(nocs) <= 3, nocs


@pytest.mark.parametrize("flag", ["--resume last.pt", "--scale-min 0.5", "--export-sigmoid", "--stop-after-epoch 2"])
def test_options_the_click_model_does_not_use_are_refused(tmp_path, flag, capsys):
    argv = f"--task interactive --data {tmp_path} --out {tmp_path / 'o'} --arch unet --epochs 1 {flag}"
    with pytest.raises(SystemExit) as stop:
        run(argv.split())
    assert stop.value.code == 2
    assert f"--task interactive does not use {flag.split()[0]}" in capsys.readouterr().err
