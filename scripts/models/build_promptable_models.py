"""A known-answer promptable pair with the input/output signature of SAM's ONNX export, for the
Smart Select tests. Nothing is learnt: every output is a formula of the inputs, so the tests can
compute the expected answer and any coordinate, scaling or padding mistake fails them.

Run with Debian's Python (torch 1.13, onnx):
    /usr/bin/python3 scripts/models/build_promptable_models.py OUT_DIR

Writes OUT_DIR/sam_test.encoder.onnx and OUT_DIR/sam_test.decoder.onnx.

Encoder: `image` [1, 3, 1024, 1024] (SAM's normalised, bottom-right padded input) ->
`image_embeddings` [1, 256, 64, 64]: channels 0-2 are the 16x16 average of each input channel,
the other 253 are zero.

Decoder (SAM's exact names and shapes): with s = 1024 / max(h, w), the resized size
(nh, nw) = floor((h, w) * s + 0.5), as SAM's ResizeLongestSide rounds. Output pixel (row r,
column c) of the original image sits at (x, y) = (c * nw / w, r * nh / h) in the 1024 frame, and
low-resolution cell (i, j) at (4j, 4i). For candidate k with radius R_k = 40 * (1, 0.5, 2)[k], the
logit is min(max(R_k - distance to the nearest positive point (label 1), inside-box margin),
distance to the nearest negative point (label 0) - R_k); labels 2 and 3 are the box's corners,
-1 a padding point. `iou_predictions` = (0.5, 0.9, 0.7) + has_mask_input * (fraction of
mask_input > 0) + 0.001 * image_embeddings[0, 0] at the 16-pixel cell of the first point.
"""
import argparse
import os

import torch
import torch.nn.functional as F
from torch import nn

OPSET = 13
FRAME = 1024
RADIUS = 40.0
RADIUS_FACTORS = (1.0, 0.5, 2.0)
BASE_SCORES = (0.5, 0.9, 0.7)
FAR = 1e4


class Encoder(nn.Module):
    def forward(self, image):
        pooled = F.avg_pool2d(image, 16)
        return torch.cat([pooled, torch.zeros(1, 253, 64, 64)], 1)


class Decoder(nn.Module):
    def forward(self, image_embeddings, point_coords, point_labels, mask_input, has_mask_input, orig_im_size):
        h, w = orig_im_size[0], orig_im_size[1]
        scale = FRAME / torch.max(orig_im_size)
        nh, nw = torch.floor(h * scale + 0.5), torch.floor(w * scale + 0.5)
        ys = torch.arange(h.to(torch.int64)).to(torch.float32) * (nh / h)
        xs = torch.arange(w.to(torch.int64)).to(torch.float32) * (nw / w)
        masks = self.logits(point_coords[0], point_labels[0], xs, ys)
        grid = torch.arange(256).to(torch.float32) * 4
        low_res = self.logits(point_coords[0], point_labels[0], grid, grid)
        first = point_coords[0, 0]
        cell = image_embeddings[0, 0].reshape(-1)[(torch.floor(first[1] / 16) * 64 + torch.floor(first[0] / 16)).to(torch.int64)]
        mask_fraction = (mask_input > 0).to(torch.float32).mean()
        scores = torch.tensor(BASE_SCORES) + has_mask_input * mask_fraction + 0.001 * cell
        return masks[None], scores[None], low_res[None]

    @staticmethod
    def logits(coords, labels, xs, ys):
        """[3, len(ys), len(xs)] logits over the grid of frame positions xs (columns) and ys (rows)."""
        dx = xs[None, None, :] - coords[:, 0, None, None]
        dy = ys[None, :, None] - coords[:, 1, None, None]
        dist = torch.sqrt(dx * dx + dy * dy)  # [N, rows, cols]
        pos = torch.where((labels == 1)[:, None, None], dist, torch.full_like(dist, FAR)).min(0)[0]
        neg = torch.where((labels == 0)[:, None, None], dist, torch.full_like(dist, FAR)).min(0)[0]
        corner0 = ((labels == 2).to(torch.float32)[:, None] * coords).sum(0)
        corner1 = ((labels == 3).to(torch.float32)[:, None] * coords).sum(0)
        has_box = (labels == 2).any()
        margin = torch.min(torch.min(xs[None, :] - corner0[0], corner1[0] - xs[None, :]), torch.min(ys[:, None] - corner0[1], corner1[1] - ys[:, None]))
        box = torch.where(has_box, margin, torch.full_like(margin, -FAR))
        out = []
        for factor in RADIUS_FACTORS:
            r = RADIUS * factor
            out.append(torch.min(torch.max(r - pos, box), neg - r))
        return torch.stack(out)


def export(out):
    encoder_path = os.path.join(out, "sam_test.encoder.onnx")
    torch.onnx.export(Encoder(), torch.zeros(1, 3, FRAME, FRAME), encoder_path, input_names=["image"], output_names=["image_embeddings"],
                      opset_version=OPSET)
    decoder_path = os.path.join(out, "sam_test.decoder.onnx")
    args = (torch.zeros(1, 256, 64, 64), torch.tensor([[[10.0, 20.0], [0.0, 0.0]]]), torch.tensor([[1.0, -1.0]]),
            torch.zeros(1, 1, 256, 256), torch.zeros(1), torch.tensor([30.0, 50.0]))
    names = ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size"]
    torch.onnx.export(Decoder(), args, decoder_path, input_names=names, output_names=["masks", "iou_predictions", "low_res_masks"],
                      opset_version=OPSET, dynamic_axes={"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"}})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    export(args.out)


if __name__ == "__main__":
    main()
