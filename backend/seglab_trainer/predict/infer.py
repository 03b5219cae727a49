"""Batched PyTorch inference with the pre-labeler's input and output rules: `torch.inference_mode`,
channels_last, bf16 autocast on CUDA (fp32 on the CPU). Images of one size run as one batch; a large image runs as
tiles (engine.blended_rows: the pre-labeler's grid, blending and float32 rounding), a row of tiles a batch.
Inputs are normalised through a per-channel table of the 256 values computed as TypeScript does (float64
`v * scale / std + -mean / std`, stored as float32), so fp32 inputs equal the ONNX engine's bit for bit."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np
import torch

from ..engine import TILE_OVERLAP, TILE_SIZE, blended_rows, needs_tiles, use_channels_last
from .card import TorchModel
from .classify import sigmoid_threshold, softmax_argmax


@dataclass
class Predicted:
    """One image's mask (mask values, H x W uint8 on the CPU) and its manifest figures."""

    labels: np.ndarray
    confidence_sum: int
    uncertain: int  # pixels with confidence below 128
    class_pixels: np.ndarray  # pixels per mask value, 256 counts


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device is available to PyTorch")
    return torch.device(name)


class Predictor:
    def __init__(self, model: TorchModel, device: torch.device, tile: int = TILE_SIZE, overlap: int = TILE_OVERLAP):
        self.model, self.device, self.tile, self.overlap = model, device, tile, overlap
        self.module = model.module.to(device)
        use_channels_last(self.module)  # the CPU's oneDNN convolutions gain too (U-Net 512x512: 1.5x here)
        self.bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
        self.precision = "bf16" if self.bf16 else "fp32"
        self.lut = torch.from_numpy(_input_table(model)).to(device)
        self.order = torch.tensor([2, 1, 0] if model.bgr else [0, 1, 2], device=device)
        self.labels = torch.tensor(model.labels, dtype=torch.uint8, device=device)

    def tiled(self, h: int, w: int) -> bool:
        return needs_tiles(h, w, self.model.multiple_of, self.tile)

    def _autocast(self):
        if not self.bf16:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)

    def _normalised(self, u8: torch.Tensor) -> torch.Tensor:
        """(N, 3, h, w) uint8 -> float32 model input, through the table."""
        x = u8.to(self.device, non_blocking=True)[:, self.order].long()
        return self.lut[torch.arange(3, device=self.device)[None, :, None, None], x]

    def run(self, crops: List[torch.Tensor], th: int, tw: int) -> torch.Tensor:
        """Logits (N, C, th, tw) float32 of uint8 3 x h x w crops, normalised, zero-padded to th x tw."""
        x = torch.zeros((len(crops), 3, th, tw), dtype=torch.float32, device=self.device)
        h, w = crops[0].shape[-2:]
        if all(c.shape[-2:] == (h, w) for c in crops):
            x[:, :, :h, :w] = self._normalised(torch.stack(crops))
        else:  # the last tile of a row is narrower
            for i, c in enumerate(crops):
                x[i, :, : c.shape[-2], : c.shape[-1]] = self._normalised(c[None])[0]
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode(), self._autocast():
            out = self.module(x)
        if out.shape[-2:] != (th, tw):
            raise ValueError(f"the model answered {tuple(out.shape)} for an input of {th}x{tw}: not full resolution")
        return out.float()

    def classify(self, logits: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(B, C, P) -> mask values (B, P) uint8 and confidence (B, P) uint8."""
        if self.model.kind == "sigmoid":
            best, conf = sigmoid_threshold(logits, self.model.threshold)
        else:
            best, conf = softmax_argmax(logits)
        return self.labels[best], conf

    def predict_batch(self, images: List[np.ndarray]) -> List[Predicted]:
        """Images (H x W x 3 uint8) of one size that runs whole, as one batch."""
        h, w = images[0].shape[:2]
        m = self.model.multiple_of
        crops = [torch.from_numpy(i).permute(2, 0, 1) for i in images]
        logits = self.run(crops, -(-h // m) * m, -(-w // m) * m)[:, :, :h, :w]
        labels, conf = self.classify(logits.reshape(len(images), logits.shape[1], h * w))
        return _summaries(labels.view(-1, h, w), conf)

    def predict_tiled(self, image: np.ndarray) -> Predicted:
        h, w = image.shape[:2]
        crop = torch.from_numpy(image).to(self.device).permute(2, 0, 1)
        labels = torch.empty((h, w), dtype=torch.uint8, device=self.device)
        conf = torch.empty((h, w), dtype=torch.uint8, device=self.device)
        for y0, logits in blended_rows(self.run, crop, self.model.multiple_of, self.tile, self.overlap):
            rows = logits.shape[1]
            lab, c = self.classify(logits.reshape(1, logits.shape[0], rows * w))
            labels[y0 : y0 + rows], conf[y0 : y0 + rows] = lab.view(rows, w), c.view(rows, w)
        return _summaries(labels[None], conf.view(1, -1))[0]


def _input_table(model: TorchModel) -> np.ndarray:
    """(3, 256) float32: channel c's input value for each pixel value."""
    v = np.arange(256, dtype=np.float64)
    rows = [v * (model.scale / s) + (-m / s) for m, s in zip(model.mean, model.std)]
    return np.stack(rows).astype(np.float32)


def _summaries(labels: torch.Tensor, conf: torch.Tensor) -> List[Predicted]:
    """Masks (B, H, W) and confidences (B, P) -> one Predicted each, in three copies to the CPU a batch."""
    b = labels.shape[0]
    offsets = torch.arange(b, device=labels.device)[:, None] * 256
    counts = torch.bincount((labels.reshape(b, -1).long() + offsets).view(-1), minlength=256 * b).view(b, 256)
    figures = torch.stack([conf.long().sum(1), (conf < 128).sum(1)], 1).tolist()
    masks, counts_np = labels.cpu().numpy(), counts.cpu().numpy()
    return [Predicted(masks[i], figures[i][0], figures[i][1], counts_np[i]) for i in range(b)]
