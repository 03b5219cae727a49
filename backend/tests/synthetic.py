"""Generated datasets: coloured rectangles (class 1) and discs (class 2) on noise, a 255 border in masks."""
import json
import os

import numpy as np
from PIL import Image

CLASSES = [
    {"id": 0, "name": "background", "color": [0, 0, 0]},
    {"id": 1, "name": "box", "color": [128, 0, 0]},
    {"id": 2, "name": "disc", "color": [0, 128, 0]},
]


def make_dataset(
    root: str, count: int = 6, size: int = 64, seed: int = 0, splits: bool = False, unlabeled: int = 1, mode: str = "P"
) -> str:
    """Images alternate PNG / JPEG (the extension decodes JPEG with libjpeg-turbo too, to the same pixels)."""
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(root, "images"), exist_ok=True)
    os.makedirs(os.path.join(root, "masks"), exist_ok=True)
    yy, xx = np.mgrid[:size, :size]
    for i in range(count + unlabeled):
        img = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
        mask = np.zeros((size, size), np.uint8)
        y0, x0 = rng.integers(0, size // 2, 2)
        h, w = rng.integers(size // 6, size // 2, 2)
        mask[y0 : y0 + h, x0 : x0 + w] = 1
        cy, cx = rng.integers(size // 4, 3 * size // 4, 2)
        mask[(yy - cy) ** 2 + (xx - cx) ** 2 < (size // 6) ** 2] = 2
        img[mask == 1] = (200, 40, 40)
        img[mask == 2] = (40, 200, 40)
        mask[:2, :] = 255
        Image.fromarray(img).save(os.path.join(root, "images", f"img{i:03d}.jpg" if i % 2 else f"img{i:03d}.png"))
        if i < count:
            m = Image.fromarray(mask, mode="L")
            if mode == "P":
                m = Image.frombytes("P", (size, size), mask.tobytes())
                palette = sum((c["color"] for c in CLASSES), [])
                m.putpalette(palette + [255] * (768 - len(palette)))  # a short palette would shrink the bit depth
            m.save(os.path.join(root, "masks", f"img{i:03d}.png"))
    cfg = {
        "name": "synthetic",
        "classes": CLASSES,
        "ignoreIndex": 255,
        "imagesDir": "images",
        "masksDir": "masks",
        "predictionsDir": "predictions",
        "splits": {},
    }
    if splits:
        stems = [f"img{i:03d}" for i in range(count)]
        for name, part in (("train", stems[:-2]), ("val", stems[-2:])):
            with open(os.path.join(root, f"{name}.txt"), "w") as f:
                f.write("\n".join(part) + "\n")
            cfg["splits"][name] = f"{name}.txt"
    with open(os.path.join(root, "seglab.json"), "w") as f:
        json.dump(cfg, f)
    return root


TEXTURE_CLASSES = [
    {"id": 0, "name": "noise", "color": [0, 0, 0]},
    {"id": 1, "name": "stripes", "color": [230, 159, 0]},
    {"id": 2, "name": "checks", "color": [86, 180, 233]},
    {"id": 3, "name": "dots", "color": [0, 158, 115]},
]


def _textures(rng: np.random.Generator, size: int) -> np.ndarray:
    """Four grey textures of the same mean brightness, random phase: only their pattern tells them apart."""
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    py, px = rng.uniform(0, 8, 2)
    noise = rng.normal(0, 1, (size, size))
    stripes = np.sign(np.sin((yy + py) * np.pi / 3))
    checks = np.sign(np.sin((yy + py) * np.pi / 4) * np.sin((xx + px) * np.pi / 4))
    dots = (np.hypot((yy + py) % 8 - 4, (xx + px) % 8 - 4) < 2.2) * 3.0 - 1.0
    return np.stack([noise, stripes, checks, dots]) * 50 + 128


def make_texture_dataset(root: str, count: int = 44, size: int = 128, seed: int = 0, unlabeled: int = 0) -> str:
    """Voronoi regions (3-6 seeds per image) each filled with one of four textures, plus sensor noise;
    no ignore pixels. The issue-20 example: 44 labeled 128x128 images."""
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(root, "images"), exist_ok=True)
    os.makedirs(os.path.join(root, "masks"), exist_ok=True)
    yy, xx = np.mgrid[:size, :size]
    for i in range(count + unlabeled):
        seeds = rng.uniform(0, size, (rng.integers(3, 7), 2))
        owner = np.argmin((yy[None] - seeds[:, 0, None, None]) ** 2 + (xx[None] - seeds[:, 1, None, None]) ** 2, 0)
        mask = rng.integers(0, 4, len(seeds))[owner].astype(np.uint8)
        grey = np.take_along_axis(_textures(rng, size), mask[None].astype(np.int64), 0)[0]
        grey = np.clip(grey + rng.normal(0, 8, grey.shape), 0, 255).astype(np.uint8)
        Image.fromarray(np.repeat(grey[:, :, None], 3, 2)).save(os.path.join(root, "images", f"tex{i:03d}.png"))
        if i < count:
            Image.fromarray(mask, mode="L").save(os.path.join(root, "masks", f"tex{i:03d}.png"))
    cfg = {
        "name": "textures",
        "classes": TEXTURE_CLASSES,
        "ignoreIndex": 255,
        "imagesDir": "images",
        "masksDir": "masks",
        "predictionsDir": "predictions",
        "splits": {},
    }
    with open(os.path.join(root, "seglab.json"), "w") as f:
        json.dump(cfg, f)
    return root
