import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from seglab_trainer.dataset import DatasetError, labeled_samples, load_config, read_mask, split_samples
from seglab_trainer.memory import Augmenter, InMemoryImages
from tests.synthetic import make_dataset


def test_pairs_by_stem_and_skips_unlabeled(dataset):
    cfg = load_config(dataset)
    samples = labeled_samples(dataset, cfg)
    assert [s.stem for s in samples] == [f"img{i:03d}" for i in range(6)]
    assert cfg.num_classes == 3 and cfg.ignore_index == 255


def test_default_split_is_deterministic_90_10(tmp_path):
    root = make_dataset(str(tmp_path / "d"), count=12, size=16)
    cfg = load_config(root)
    train, val = split_samples(root, cfg, labeled_samples(root, cfg))
    assert [s.stem for s in val] == ["img009"] and len(train) == 11


def test_split_files(tmp_path):
    root = make_dataset(str(tmp_path / "d"), count=6, size=16, splits=True)
    cfg = load_config(root)
    train, val = split_samples(root, cfg, labeled_samples(root, cfg))
    assert [s.stem for s in val] == ["img004", "img005"] and len(train) == 4


@pytest.mark.parametrize("mode", ["P", "L"])
def test_indexed_and_grayscale_masks(tmp_path, mode):
    root = make_dataset(str(tmp_path / "d"), count=2, size=16, mode=mode)
    cfg = load_config(root)
    m = read_mask(labeled_samples(root, cfg)[0].mask, cfg)
    assert set(np.unique(m)) <= {0, 1, 2, 255} and 255 in m


def test_bad_inputs_name_the_file(tmp_path):
    root = make_dataset(str(tmp_path / "d"), count=2, size=16)
    cfg = load_config(root)
    bad = os.path.join(root, "masks", "img000.png")
    Image.fromarray(np.full((16, 16), 7, np.uint8), mode="L").save(bad)
    with pytest.raises(DatasetError, match="img000.png: mask value 7"):
        read_mask(bad, cfg)
    Image.new("RGB", (16, 16)).save(bad)
    with pytest.raises(DatasetError, match="img000.png: mask mode RGB"):
        read_mask(bad, cfg)
    with open(os.path.join(root, "seglab.json"), "w") as f:
        json.dump({"classes": [], "imagesDir": "../x"}, f)
    with pytest.raises(DatasetError, match='seglab.json: "classes"'):
        load_config(root)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"ignoreindex": 0}, 'unknown key "ignoreindex"'),  # a misspelt key would silently change what masks mean
        ({"classes": [{"id": 0, "name": "bg", "colour": [0, 0, 0]}]}, 'classes\\[0\\]: unknown key "colour"'),
        ({"imagesDir": 123}, "imagesDir: expected a non-empty relative path"),
    ],
)
def test_the_trainer_reads_seglab_json_as_the_cli_does(tmp_path, change, message):
    root = make_dataset(str(tmp_path / "d"), count=2, size=16)
    path = os.path.join(root, "seglab.json")
    with open(path) as f:
        config = json.load(f)
    with open(path, "w") as f:
        json.dump({**config, **change}, f)
    with pytest.raises(DatasetError, match=f"seglab.json: {message}"):
        load_config(root)


def test_augmentation_keeps_image_and_mask_aligned(dataset):
    cfg = load_config(dataset)
    data = InMemoryImages(labeled_samples(dataset, cfg), cfg, max_short=64, stacked=True)
    gen = torch.Generator().manual_seed(0)
    images, masks = Augmenter(48).batch(data, [0, 1, 2, 3], torch.device("cpu"), gen)
    assert images.shape == (4, 3, 48, 48) and masks.shape == (4, 48, 48) and masks.dtype == torch.long
    # the red channel is high exactly on "box" pixels (class 1), away from resampled edges
    red = images[:, 0] > 0.5
    box = masks == 1
    assert (red & box).sum() > 0.8 * box.sum() and (red & (masks == 0)).sum() < 0.05 * (masks == 0).sum()
    assert set(masks.unique().tolist()) <= {0, 1, 2, 255}


def test_batched_augmentation_equals_flip_resize_crop(tmp_path):
    """The batched sampler reproduces torchvision's per-sample flip -> resize -> crop/pad exactly."""
    import torch.nn.functional as F
    from seglab_trainer.memory import normalize

    root = tmp_path / "d"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(1)
    sizes = [(37, 53), (100, 90), (64, 64), (20, 200)]
    for i, (h, w) in enumerate(sizes):
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(root / "images" / f"{i}.png")
        Image.fromarray(rng.integers(0, 3, (h, w), dtype=np.uint8), mode="L").save(root / "masks" / f"{i}.png")
    (root / "seglab.json").write_text(
        json.dumps({"classes": [{"id": k, "name": str(k), "color": [k, k, k]} for k in range(3)]})
    )
    cfg = load_config(str(root))
    data = InMemoryImages(labeled_samples(str(root), cfg), cfg, max_short=1000, stacked=True)
    crop = 48
    for trial in range(4):
        images, masks = Augmenter(crop).batch(
            data, [0, 1, 2, 3], torch.device("cpu"), torch.Generator().manual_seed(trial)
        )
        r = torch.rand((4, 4), generator=torch.Generator().manual_seed(trial), dtype=torch.float64).tolist()
        for b, (h, w) in enumerate(sizes):
            f = (0.5 + 1.5 * r[b][0]) * crop / min(h, w)
            nh, nw = max(1, round(h * f)), max(1, round(w * f))
            y0, x0 = int(r[b][1] * (max(nh - crop, 0) + 1)), int(r[b][2] * (max(nw - crop, 0) + 1))
            img, m = data.images[b], data.masks[b]
            if r[b][3] < 0.5:
                img, m = img.flip(-1), m.flip(-1)
            ref_img = F.interpolate(img[None].float(), (nh, nw), mode="bilinear", align_corners=False)[
                0, :, y0 : y0 + crop, x0 : x0 + crop
            ]
            ref_m = F.interpolate(m[None, None].float(), (nh, nw), mode="nearest")[
                0, 0, y0 : y0 + crop, x0 : x0 + crop
            ].long()
            ch, cw = ref_m.shape
            assert torch.equal(masks[b, :ch, :cw], ref_m)
            assert (images[b, :, :ch, :cw] - normalize(ref_img)).abs().max() < 1e-3
            assert (masks[b, ch:] == 255).all() and (masks[b, :, cw:] == 255).all() and (images[b, :, ch:] == 0).all()
