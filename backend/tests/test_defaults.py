"""Data-aware defaults (crop, resize range, batch size, U-Net width on a CPU) and when a run ends."""

import os
import time
from types import SimpleNamespace

import pytest
import torch
from PIL import Image

from seglab_trainer.budget import Budget
from seglab_trainer.dataset import Sample
from seglab_trainer.defaults import (
    MAX_BATCH,
    activation_bytes_per_pixel,
    fill_data_defaults,
    fill_model_defaults,
    pick_batch,
    pick_crop,
)
from seglab_trainer.models import build_model

CPU = torch.device("cpu")


@pytest.mark.parametrize(
    "sizes,multiple,crop",
    [
        ([(128, 128)] * 44, 16, 128),  # the texture example: its own size, no upscaling
        ([(100, 150), (300, 400), (800, 1000)], 16, 288),  # median short side 300, rounded down
        ([(83, 100), (90, 90), (1024, 768)], 8, 88),  # a mix of small and large: the median, not the mean
        ([(2000, 3000), (1500, 1500)], 32, 512),  # large images: at most 512
        ([(20, 20), (24, 30)], 32, 32),  # smaller than the model's multiple: one multiple
    ],
)
def test_crop_is_the_median_short_side_rounded_to_the_multiple(sizes, multiple, crop):
    assert pick_crop(sizes, multiple)[0] == crop


@pytest.mark.parametrize(
    "per_image,free,device,train,batch",
    [
        (100 * 2**20, 64 * 2**30, "cpu", 400, MAX_BATCH["cpu"]),  # plenty of memory and images: the CPU cap
        (100 * 2**20, 64 * 2**30, "cuda", 400, MAX_BATCH["cuda"]),
        (2 * 2**30, 40 * 2**30, "cuda", 400, 5),  # 0.5 * 40 GiB / (2 * 2 GiB)
        (100 * 2**20, 64 * 2**30, "cuda", 40, 5),  # a small dataset: about 8 steps an epoch
        (100 * 2**20, 64 * 2**30, "cpu", 21, 3),
        (8 * 2**30, 4 * 2**30, "cuda", 40, 1),  # nothing fits: one image, and the run says why
    ],
)
def test_batch_size_follows_memory_and_caps(per_image, free, device, train, batch):
    assert pick_batch(per_image, free, device, train)[0] == batch


def test_activation_memory_is_measured_without_touching_the_model():
    small, wide = build_model("unet", 3, base=8, depth=3), build_model("unet", 3, base=16, depth=3)
    before = {k: v.clone() for k, v in small.state_dict().items()}
    a, b = activation_bytes_per_pixel(small, 8), activation_bytes_per_pixel(wide, 8)
    assert 0 < a < b and small.training  # twice the width keeps about twice the activations
    assert 1.5 < b / a < 2.5
    assert all(torch.equal(v, small.state_dict()[k]) for k, v in before.items())  # BatchNorm statistics too


def args_with(**given):
    defaults = dict(image_size=None, batch_size=None, scale_min=None, scale_max=None, scale_of=None)
    return SimpleNamespace(**{**defaults, **given})


def samples_of(tmp_path, sizes):
    out = []
    for i, (h, w) in enumerate(sizes):
        path = str(tmp_path / f"im{i}.png")
        Image.new("RGB", (w, h)).save(path)
        out.append(Sample(f"im{i}", path, path))
    return out


def test_nothing_given_picks_from_the_images(tmp_path):
    args = args_with()
    model = build_model("unet", 3, base=8, depth=3)
    chosen = fill_data_defaults(args, model, samples_of(tmp_path, [(120, 130), (100, 200), (300, 90)]), CPU, 1)
    assert (args.image_size, args.scale_of, args.scale_min, args.scale_max) == (96, "native", 0.75, 1.5)
    assert 1 <= args.batch_size <= 3 and set(chosen) == {"imageSize", "scale", "batchSize"}
    assert "median short side 100" in chosen["imageSize"]["why"] and chosen["batchSize"]["value"] == args.batch_size


def test_explicit_flags_win(tmp_path):
    args = args_with(image_size=200, batch_size=3, scale_min=0.6)
    model = build_model("unet", 3, base=8, depth=3)
    chosen = fill_data_defaults(args, model, samples_of(tmp_path, [(64, 64)]), CPU, 1)
    # a resize range given keeps its documented meaning (x the crop), the other end its old default
    assert (args.image_size, args.batch_size, args.scale_of, args.scale_min, args.scale_max) == (
        200,
        3,
        "crop",
        0.6,
        2.0,
    )
    assert chosen == {}
    args = args_with(scale_of="native", image_size=64, batch_size=2)
    assert fill_data_defaults(args, model, [], CPU, 1)["scale"]["value"] == [0.75, 1.5]


def test_unet_on_a_cpu_is_narrower_unless_given():
    args = SimpleNamespace(arch="unet", unet_base=None)
    assert fill_model_defaults(args, CPU)["unetBase"]["value"] == 16 and args.unet_base == 16
    args = SimpleNamespace(arch="unet", unet_base=32)
    assert fill_model_defaults(args, CPU) == {} and args.unet_base == 32
    args = SimpleNamespace(arch="unet", unet_base=None)
    assert fill_model_defaults(args, torch.device("cuda")) == {} and args.unet_base is None


def history(*mious):
    return [{"epoch": i + 1, "val": {"miou": m}} for i, m in enumerate(mious)]


def test_patience_stops_after_that_many_epochs_without_improvement():
    budget = Budget(epochs=20, minutes=None, patience=3)
    assert budget.reason_to_stop(history(0.5, 0.6, 0.6, 0.55), 20) is None  # a tie is no improvement
    assert budget.reason_to_stop(history(0.5, 0.6, 0.6, 0.55, 0.59), 20) == "patience"
    assert Budget(epochs=20, minutes=None, patience=0).reason_to_stop(history(0.6, *[0.5] * 15), 20) is None
    assert budget.reason_to_stop(history(*[0.1 * i for i in range(20)]), 20) == "epochs"


def test_a_time_budget_plans_the_epochs_that_fit():
    budget = Budget(epochs=None, minutes=1, patience=0)
    assert budget.planned(0) == 1000  # nothing measured yet: the cap
    budget.walls = [5.0, 7.0]  # 6 s an epoch, 60 s budget, about 0 s spent
    assert budget.planned(2) == 2 + 9
    budget.spend(57)  # 3 s left: less than an epoch, so the run ends after the ones done
    assert budget.planned(2) == 2 and budget.reason_to_stop(history(0.1, 0.2), 2) == "minutes"
    capped = Budget(epochs=4, minutes=60, patience=0)
    capped.walls = [1.0]
    assert capped.planned(1) == 4


def test_augmentation_at_native_scale_keeps_the_pixels_size(tmp_path):
    """A 40-pixel image with a 64 crop at native scale 1x stays 40 pixels (the rest is ignore), where the
    crop-relative resize would magnify it to 64."""
    from seglab_trainer.dataset import load_config
    from seglab_trainer.memory import Augmenter, InMemoryImages
    from tests.synthetic import make_dataset

    root = make_dataset(str(tmp_path / "ds"), count=2, size=40, unlabeled=0)
    cfg = load_config(root)
    from seglab_trainer.dataset import labeled_samples

    data = InMemoryImages(labeled_samples(root, cfg), cfg, max_short=None, stacked=True)
    gen = torch.Generator().manual_seed(0)
    _, native = Augmenter(64, (1.0, 1.0), flip=False, native=True).batch(data, [0], CPU, gen)
    _, crop = Augmenter(64, (1.0, 1.0), flip=False).batch(data, [0], CPU, gen)
    assert (native[0] != 255).sum() == 40 * 40 - 2 * 40  # the image (less its 2-row ignore border), unscaled
    assert torch.equal(native[0, :40, :40], data.masks[0].long())
    assert (crop[0] != 255).sum() == 64 * 64 - (crop[0, :, 0] == 255).sum() * 64


def test_minutes_run_ends_on_its_budget_and_exports_the_best(dataset, tmp_path):
    from tests.test_train import TINY, lines
    from seglab_trainer import train

    out = str(tmp_path / "run")
    t0 = time.time()
    assert train.run(["--data", dataset, "--minutes", "0.02", "--out", out, *TINY]) == 0
    events = lines(out)
    done = events[-1]
    assert done["type"] == "done" and done["endedBy"] == "minutes" and time.time() - t0 < 60
    assert events[0]["minutes"] == 0.02 and os.path.exists(os.path.join(out, "model.onnx"))
    assert done["epochs"] == sum(e["type"] == "epoch" for e in events) >= 1


def test_neither_epochs_nor_minutes_is_a_usage_error(dataset, tmp_path, capsys):
    from seglab_trainer import train

    with pytest.raises(SystemExit):
        train.run(["--data", dataset, "--out", str(tmp_path / "x"), "--arch", "unet"])
    assert "give --epochs, --minutes or both" in capsys.readouterr().err
