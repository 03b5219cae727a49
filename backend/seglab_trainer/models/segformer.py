"""SegFormer with a MiT-B0-sized encoder (overlapping patch embeddings, efficient self-attention with
spatial reduction, Mix-FFN) and the all-MLP decoder. Logits are predicted at 1/4 resolution and upsampled
bilinearly to the input size inside the model, for the loss and for export alike."""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

_SDPA = getattr(F, "scaled_dot_product_attention", None)  # PyTorch 2


class OverlapPatchEmbed(nn.Module):
    def __init__(self, cin: int, dim: int, kernel: int, stride: int):
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, kernel, stride, padding=kernel // 2)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor):
        x = self.proj(x)
        h, w = x.shape[-2:]
        return self.norm(x.flatten(2).transpose(1, 2)), h, w


class EfficientAttention(nn.Module):
    def __init__(self, dim: int, heads: int, sr_ratio: int):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, dim * 2)
        self.proj = nn.Linear(dim, dim)
        self.sr = nn.Conv2d(dim, dim, sr_ratio, sr_ratio) if sr_ratio > 1 else None
        self.norm = nn.LayerNorm(dim) if sr_ratio > 1 else None

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        b, n, c = x.shape
        q = self.q(x).reshape(b, n, self.heads, c // self.heads).transpose(1, 2)
        if self.sr is not None and self.norm is not None:  # keys/values from a spatially reduced sequence
            x = self.sr(x.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2)
            x = self.norm(x)
        k, v = self.kv(x).reshape(b, -1, 2, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        if _SDPA is not None and not torch.onnx.is_in_onnx_export():
            out = _SDPA(q, k, v)
        else:
            out = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1) @ v
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class MixFFN(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.dw = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        x = self.fc1(x)
        b, n, c = x.shape
        x = self.dw(x.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2)
        return self.fc2(F.gelu(x))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, sr_ratio: int, mlp_ratio: int = 4):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim), EfficientAttention(dim, heads, sr_ratio)
        self.norm2, self.ffn = nn.LayerNorm(dim), MixFFN(dim, dim * mlp_ratio)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), h, w)
        return x + self.ffn(self.norm2(x), h, w)


class MiTStage(nn.Module):
    def __init__(self, cin: int, dim: int, depth: int, heads: int, sr_ratio: int, first: bool):
        super().__init__()
        self.embed = OverlapPatchEmbed(cin, dim, 7 if first else 3, 4 if first else 2)
        self.blocks = nn.ModuleList(Block(dim, heads, sr_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, h, w = self.embed(x)
        for blk in self.blocks:
            x = blk(x, h, w)
        return self.norm(x).transpose(1, 2).reshape(x.shape[0], -1, h, w)


class SegFormer(nn.Module):
    def __init__(
        self,
        num_classes: int,
        dims: Sequence[int] = (32, 64, 160, 256),
        depths: Sequence[int] = (2, 2, 2, 2),
        heads: Sequence[int] = (1, 2, 5, 8),
        sr_ratios: Sequence[int] = (8, 4, 2, 1),
        decoder_dim: int = 256,
    ):
        super().__init__()
        self.multiple_of = 32
        cins = [3] + list(dims[:-1])
        self.stages = nn.ModuleList(
            MiTStage(cins[i], dims[i], depths[i], heads[i], sr_ratios[i], i == 0) for i in range(4)
        )
        self.linear = nn.ModuleList(nn.Conv2d(d, decoder_dim, 1) for d in dims)
        self.fuse = nn.Sequential(
            nn.Conv2d(4 * decoder_dim, decoder_dim, 1, bias=False), nn.BatchNorm2d(decoder_dim), nn.ReLU(inplace=True)
        )
        self.classifier = nn.Conv2d(decoder_dim, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        quarter = feats[0].shape[-2:]
        ups = [
            F.interpolate(lin(f), size=quarter, mode="bilinear", align_corners=False) if i else lin(f)
            for i, (lin, f) in enumerate(zip(self.linear, feats))
        ]
        logits = self.classifier(self.fuse(torch.cat(ups[::-1], dim=1)))  # 1/4 resolution
        return F.interpolate(logits, size=size, mode="bilinear", align_corners=False)
