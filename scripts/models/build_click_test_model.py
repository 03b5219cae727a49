"""A tiny click model (family "clicks", random weights) and PyTorch's own answers, for the known-answer test of the
extension's click-model runtime (test/node/clickModel.test.ts).

Run with Debian's Python (torch 1.13, onnx):
    /usr/bin/python3 scripts/models/build_click_test_model.py OUT_DIR

Writes OUT_DIR/model.onnx and model.json (the trainer's export, backend/seglab_trainer/interactive_train.py),
image.png (100 x 72, so the zoom-in box reaches past the image), and references.json: for each step of a click
sequence the clicks so far, the model input PyTorch built (input_<k>.bin, float32 [6, S, S]) and the selection
PyTorch predicted (mask_<k>.bin, uint8 [72, 100]), each step refining the previous one.
"""

import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../backend"))

from seglab_trainer.interactive_train import build_click_model, model_input, predict, write_click_export  # noqa: E402
from seglab_trainer.memory import normalize  # noqa: E402
from seglab_trainer.zoom import CropRule, click_maps, crop_box, crop_image, crop_nearest  # noqa: E402

RULE = CropRule(size=64, expand=1.4, min_side=40)
RADIUS = 3.0
CLICKS = [(30, 40, True), (70, 20, False), (3, 4, True), (95, 66, True)]


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = build_click_model("unet", {"base": 4, "depth": 2}).eval()
    yy, xx = np.mgrid[:72, :100]
    rgb = np.stack([(xx * 2.5) % 256, (yy * 3.5) % 256, ((xx + yy) * 7) % 256], -1).astype(np.uint8)
    Image.fromarray(rgb).save(os.path.join(out, "image.png"))
    image = torch.from_numpy(rgb).permute(2, 0, 1).contiguous()
    with torch.no_grad():  # the threshold at the first answer's median: a selection with long boundaries
        x = torch.zeros((1, 6, RULE.size, RULE.size))
        x[:, :3] = crop_image(normalize(image), crop_box(CLICKS[:1], None, RULE), RULE.size)
        getattr(model.net, "head").bias.sub_(model(x).median())
    write_click_export(model, out, "click-test", RULE, RADIUS, {})
    steps, previous = [], None
    for k in range(len(CLICKS)):
        clicks = CLICKS[: k + 1]
        box = crop_box(clicks, previous, RULE)
        prev = torch.zeros((72, 100), dtype=torch.long) if previous is None else previous.long()
        x = model_input(
            crop_image(normalize(image), box, RULE.size)[None],
            click_maps(clicks, box, RULE.size, RADIUS)[None],
            crop_nearest(prev, box, RULE.size, 0)[None],
        )[0]
        previous = predict(model, image, clicks, previous, RULE, RADIUS)
        x.numpy().astype("<f4").tofile(os.path.join(out, f"input_{k}.bin"))
        previous.numpy().astype(np.uint8).tofile(os.path.join(out, f"mask_{k}.bin"))
        box_json = {"left": box.left, "top": box.top, "side": box.side}
        steps.append(
            {
                "clicks": [list(c) for c in clicks],
                "box": box_json,
                "selected": int(previous.sum()),
            }
        )
    with open(os.path.join(out, "references.json"), "w") as f:
        json.dump({"width": 100, "height": 72, "steps": steps}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
