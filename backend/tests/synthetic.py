"""Generated datasets: coloured rectangles (class 1) and discs (class 2) on noise, a 255 border in masks."""
import json
import os

import numpy as np
from PIL import Image

CLASSES = [{"id": 0, "name": "background", "color": [0, 0, 0]},
           {"id": 1, "name": "box", "color": [128, 0, 0]},
           {"id": 2, "name": "disc", "color": [0, 128, 0]}]


def make_dataset(root: str, count: int = 6, size: int = 64, seed: int = 0, splits: bool = False,
                 unlabeled: int = 1, mode: str = "P") -> str:
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
        mask[y0:y0 + h, x0:x0 + w] = 1
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
    cfg = {"name": "synthetic", "classes": CLASSES, "ignoreIndex": 255, "imagesDir": "images", "masksDir": "masks",
           "predictionsDir": "predictions", "splits": {}}
    if splits:
        stems = [f"img{i:03d}" for i in range(count)]
        for name, part in (("train", stems[:-2]), ("val", stems[-2:])):
            with open(os.path.join(root, f"{name}.txt"), "w") as f:
                f.write("\n".join(part) + "\n")
            cfg["splits"][name] = f"{name}.txt"
    with open(os.path.join(root, "seglab.json"), "w") as f:
        json.dump(cfg, f)
    return root
