"""SAM-sized promptable models with random weights, for Smart Select's timings (bench/smartselect.bench.ts):
no weights can be downloaded here, and speed does not depend on them.

Run with Debian's Python (torch 1.13, onnx):
    /usr/bin/python3 scripts/models/build_sam_bench_models.py OUT_DIR

Writes sam_bench.decoder.onnx: SAM's prompt encoder and mask decoder (segment_anything's
PromptEncoder, TwoWayTransformer of depth 2, MaskDecoder with 4 mask tokens), wrapped as its
SamOnnxModel exports them (same inputs and outputs; 4 masks at orig_im_size, no stability score);
sam_bench.encoder.onnx: ViT-B-sized image encoder as SAM's ImageEncoderViT (patch 16, 768
wide, 12 blocks, window 14 except global blocks 2, 5, 8, 11, neck to 256) without the relative
position bias; and mobile_sam_bench.encoder.onnx: MobileSAM-sized, its TinyViT-5M (a convolution
stem and MBConv stage at 256x256, then windowed attention stages 128/160/320 wide of depth 2, 6, 2
with local depthwise convolutions, the last merge at stride 1 as MobileSAM's, neck to 256).
With --decoder-only only the decoder is written (seconds; the tests compare its in-graph masks).
"""
import argparse
import math
import os

import torch
import torch.nn.functional as F
from torch import nn

OPSET = 13
DIM = 256
FRAME = 1024
GRID = 64


class LayerNorm2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        return (
            self.weight[:, None, None] * ((x - u) / torch.sqrt(s + 1e-6))
            + self.bias[:, None, None]
        )


class MLP(nn.Module):
    def __init__(self, cin, hidden, cout, layers):
        super().__init__()
        dims = [cin] + [hidden] * (layers - 1) + [cout]
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:])
        )

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x) if i == len(self.layers) - 1 else F.relu(layer(x))
        return x


class Attention(nn.Module):
    def __init__(self, dim, heads, downsample=1):
        super().__init__()
        inner = dim // downsample
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj = (
            nn.Linear(dim, inner),
            nn.Linear(dim, inner),
            nn.Linear(dim, inner),
        )
        self.out_proj = nn.Linear(inner, dim)

    def split(self, x):
        b, n, c = x.shape
        return x.reshape(b, n, self.heads, c // self.heads).transpose(1, 2)

    def forward(self, q, k, v):
        q, k, v = (
            self.split(self.q_proj(q)),
            self.split(self.k_proj(k)),
            self.split(self.v_proj(v)),
        )
        attn = torch.softmax(q @ k.permute(0, 1, 3, 2) / math.sqrt(q.shape[-1]), -1)
        out = (attn @ v).transpose(1, 2)
        return self.out_proj(out.reshape(out.shape[0], out.shape[1], -1))


class TwoWayBlock(nn.Module):
    def __init__(self, skip_first_pe):
        super().__init__()
        self.skip_first_pe = skip_first_pe
        self.self_attn = Attention(DIM, 8)
        self.cross_token_to_image = Attention(DIM, 8, 2)
        self.cross_image_to_token = Attention(DIM, 8, 2)
        self.mlp = nn.Sequential(nn.Linear(DIM, 2048), nn.ReLU(), nn.Linear(2048, DIM))
        self.norms = nn.ModuleList(nn.LayerNorm(DIM) for _ in range(4))

    def forward(self, queries, keys, query_pe, key_pe):
        if self.skip_first_pe:
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norms[0](queries)
        queries = self.norms[1](
            queries + self.cross_token_to_image(queries + query_pe, keys + key_pe, keys)
        )
        queries = self.norms[2](queries + self.mlp(queries))
        keys = self.norms[3](
            keys + self.cross_image_to_token(keys + key_pe, queries + query_pe, queries)
        )
        return queries, keys


class SamDecoder(nn.Module):
    """PromptEncoder + MaskDecoder as SamOnnxModel runs them."""

    def __init__(self):
        super().__init__()
        self.gaussian = nn.Parameter(torch.randn(2, DIM // 2), requires_grad=False)
        self.point_embeddings = nn.Parameter(torch.randn(4, DIM))
        self.not_a_point = nn.Parameter(torch.randn(DIM))
        self.no_mask = nn.Parameter(torch.randn(DIM))
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, 4, 2, 2),
            LayerNorm2d(4),
            nn.GELU(),
            nn.Conv2d(4, 16, 2, 2),
            LayerNorm2d(16),
            nn.GELU(),
            nn.Conv2d(16, DIM, 1),
        )
        self.tokens = nn.Parameter(torch.randn(5, DIM))  # iou token + 4 mask tokens
        self.blocks = nn.ModuleList([TwoWayBlock(True), TwoWayBlock(False)])
        self.final_attn = Attention(DIM, 8, 2)
        self.norm_final = nn.LayerNorm(DIM)
        self.upscaling = nn.Sequential(
            nn.ConvTranspose2d(DIM, 64, 2, 2),
            LayerNorm2d(64),
            nn.GELU(),
            nn.ConvTranspose2d(64, 32, 2, 2),
            nn.GELU(),
        )
        self.hypernets = nn.ModuleList(MLP(DIM, DIM, 32, 3) for _ in range(4))
        self.iou_head = MLP(DIM, 256, 4, 3)

    def pe(self, coords):
        c = (2 * coords - 1) @ self.gaussian * (2 * math.pi)
        return torch.cat([torch.sin(c), torch.cos(c)], -1)

    def forward(
        self,
        image_embeddings,
        point_coords,
        point_labels,
        mask_input,
        has_mask_input,
        orig_im_size,
    ):
        sparse = self.pe((point_coords + 0.5) / FRAME)
        labels = point_labels.unsqueeze(-1).expand_as(sparse)
        sparse = sparse * (labels != -1) + self.not_a_point * (labels == -1)
        for i in range(4):
            sparse = sparse + self.point_embeddings[i] * (labels == i)
        dense = has_mask_input * self.mask_downscaling(mask_input) + (
            1 - has_mask_input
        ) * self.no_mask.reshape(1, -1, 1, 1)
        ys = (torch.arange(GRID, dtype=torch.float32) + 0.5) / GRID
        grid = torch.stack(
            [ys[None, :].expand(GRID, GRID), ys[:, None].expand(GRID, GRID)], -1
        )
        image_pe = self.pe(grid).permute(2, 0, 1)[None]
        tokens = torch.cat([self.tokens[None], sparse], 1)
        src = (image_embeddings + dense).flatten(2).permute(0, 2, 1)
        pos = image_pe.flatten(2).permute(0, 2, 1)
        queries, keys = tokens, src
        for block in self.blocks:
            queries, keys = block(queries, keys, tokens, pos)
        queries = self.norm_final(
            queries + self.final_attn(queries + tokens, keys + pos, keys)
        )
        up = self.upscaling(keys.permute(0, 2, 1).reshape(1, DIM, GRID, GRID))
        hyper = torch.stack(
            [h(queries[:, 1 + i]) for i, h in enumerate(self.hypernets)], 1
        )
        masks = (hyper @ up.flatten(2)).reshape(1, 4, GRID * 4, GRID * 4)
        scores = self.iou_head(queries[:, 0])
        upscaled = F.interpolate(
            masks, size=(FRAME, FRAME), mode="bilinear", align_corners=False
        )
        size = torch.floor(orig_im_size * (FRAME / torch.max(orig_im_size)) + 0.5).to(
            torch.int64
        )
        upscaled = upscaled[..., : size[0], : size[1]]
        h, w = orig_im_size.to(torch.int64)[0], orig_im_size.to(torch.int64)[1]
        upscaled = F.interpolate(
            upscaled, size=(h, w), mode="bilinear", align_corners=False
        )
        return upscaled, scores, masks


class Block(nn.Module):
    """A ViT block over [1, H, W, C], windowed (window 14, padded) or global."""

    def __init__(self, dim, heads, window):
        super().__init__()
        self.window = window
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, dim * 4), nn.GELU(), nn.Linear(dim * 4, dim)
        )

    def attend(self, x):
        b, h, w, c = x.shape
        qkv = (
            self.qkv(x)
            .reshape(b, h * w, 3, self.heads, c // self.heads)
            .permute(2, 0, 3, 1, 4)
        )
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(c // self.heads), -1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, h, w, c))

    def forward(self, x):
        shortcut = x
        x = self.norm1(x)
        if self.window:
            s, n = self.window, GRID
            pad = (s - n % s) % s
            x = F.pad(x, (0, 0, 0, pad, 0, pad))
            m = (n + pad) // s
            x = (
                x.reshape(1, m, s, m, s, -1)
                .permute(0, 1, 3, 2, 4, 5)
                .reshape(m * m, s, s, -1)
            )
            x = self.attend(x)
            x = (
                x.reshape(1, m, m, s, s, -1)
                .permute(0, 1, 3, 2, 4, 5)
                .reshape(1, m * s, m * s, -1)[:, :n, :n]
            )
        else:
            x = self.attend(x)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class VitEncoder(nn.Module):
    def __init__(self, dim=768, depth=12, heads=12, global_blocks=(2, 5, 8, 11)):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 16, 16)
        self.pos = nn.Parameter(torch.zeros(1, GRID, GRID, dim))
        self.blocks = nn.ModuleList(
            Block(dim, heads, 0 if i in global_blocks else 14) for i in range(depth)
        )
        self.neck = nn.Sequential(
            nn.Conv2d(dim, DIM, 1, bias=False),
            LayerNorm2d(DIM),
            nn.Conv2d(DIM, DIM, 3, padding=1, bias=False),
            LayerNorm2d(DIM),
        )

    def forward(self, image):
        x = self.patch(image).permute(0, 2, 3, 1) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.neck(x.permute(0, 3, 1, 2))


class Conv(nn.Sequential):
    """Convolution and batch norm, as TinyViT's Conv2d_BN."""

    def __init__(self, cin, cout, k=1, stride=1, groups=1):
        super().__init__(
            nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
        )


class MBConv(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.body = nn.Sequential(
            Conv(dim, dim * 4),
            nn.GELU(),
            Conv(dim * 4, dim * 4, 3, groups=dim * 4),
            nn.GELU(),
            Conv(dim * 4, dim),
        )

    def forward(self, x):
        return F.gelu(x + self.body(x))


class Merge(nn.Sequential):
    """TinyViT's PatchMerging: 1x1, depthwise 3x3 at `stride`, 1x1."""

    def __init__(self, cin, cout, stride):
        super().__init__(
            Conv(cin, cout),
            nn.GELU(),
            Conv(cout, cout, 3, stride, groups=cout),
            nn.GELU(),
            Conv(cout, cout),
        )


class TinyBlock(nn.Module):
    """TinyViT's block over NCHW: windowed attention, a local depthwise convolution, an MLP."""

    def __init__(self, dim, heads, window):
        super().__init__()
        self.window, self.heads = window, heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, dim * 3), nn.Linear(dim, dim)
        self.local = Conv(dim, dim, 3, groups=dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, dim * 4), nn.GELU(), nn.Linear(dim * 4, dim)
        )

    def attend(self, x):
        b, n, c = x.shape
        qkv = (
            self.qkv(self.norm1(x))
            .reshape(b, n, 3, self.heads, c // self.heads)
            .permute(2, 0, 3, 1, 4)
        )
        attn = torch.softmax(
            qkv[0] @ qkv[1].transpose(-2, -1) / math.sqrt(c // self.heads), -1
        )
        return self.proj((attn @ qkv[2]).transpose(1, 2).reshape(b, n, c))

    def forward(self, x):
        _, c, n, _ = x.shape
        s = self.window
        pad = (s - n % s) % s
        m = (n + pad) // s
        w = (
            F.pad(x.permute(0, 2, 3, 1), (0, 0, 0, pad, 0, pad))
            .reshape(1, m, s, m, s, c)
            .permute(0, 1, 3, 2, 4, 5)
            .reshape(m * m, s * s, c)
        )
        w = w + self.attend(w)
        w = (
            w.reshape(1, m, m, s, s, c)
            .permute(0, 5, 1, 3, 2, 4)
            .reshape(1, c, m * s, m * s)[:, :, :n, :n]
        )
        x = self.local(w).permute(0, 2, 3, 1)
        return (x + self.mlp(self.norm2(x))).permute(0, 3, 1, 2)


class TinyVitEncoder(nn.Module):
    """MobileSAM's TinyViT-5M image encoder: [1, 3, 1024, 1024] -> [1, 256, 64, 64]."""

    def __init__(self):
        super().__init__()
        dims, depths, heads, windows = (
            (64, 128, 160, 320),
            (2, 2, 6, 2),
            (2, 4, 5, 10),
            (7, 7, 14, 7),
        )
        layers = [
            Conv(3, 32, 3, 2),
            nn.GELU(),
            Conv(32, 64, 3, 2),
            MBConv(64),
            MBConv(64),
            Merge(64, 128, 2),
        ]
        for i in (1, 2, 3):
            layers += [
                TinyBlock(dims[i], heads[i], windows[i]) for _ in range(depths[i])
            ]
            if i < 3:
                layers.append(Merge(dims[i], dims[i + 1], 2 if i == 1 else 1))
        self.body = nn.Sequential(*layers)
        self.neck = nn.Sequential(
            nn.Conv2d(320, DIM, 1, bias=False),
            LayerNorm2d(DIM),
            nn.Conv2d(DIM, DIM, 3, padding=1, bias=False),
            LayerNorm2d(DIM),
        )

    def forward(self, image):
        return self.neck(self.body(image))


def main():
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("out")
    p.add_argument("--decoder-only", action="store_true")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    names = [
        "image_embeddings",
        "point_coords",
        "point_labels",
        "mask_input",
        "has_mask_input",
        "orig_im_size",
    ]
    inputs = (
        torch.randn(1, DIM, GRID, GRID),
        torch.tensor([[[500.0, 300.0], [0.0, 0.0]]]),
        torch.tensor([[1.0, -1.0]]),
        torch.zeros(1, 1, 256, 256),
        torch.zeros(1),
        torch.tensor([1500.0, 2000.0]),
    )
    with torch.no_grad():
        torch.onnx.export(
            SamDecoder().eval(),
            inputs,
            os.path.join(args.out, "sam_bench.decoder.onnx"),
            input_names=names,
            output_names=["masks", "iou_predictions", "low_res_masks"],
            opset_version=OPSET,
            dynamic_axes={
                "point_coords": {1: "num_points"},
                "point_labels": {1: "num_points"},
            },
        )
        if args.decoder_only:
            return
        for name, encoder in (
            ("mobile_sam_bench", TinyVitEncoder()),
            ("sam_bench", VitEncoder()),
        ):
            torch.onnx.export(
                encoder.eval(),
                torch.randn(1, 3, FRAME, FRAME),
                os.path.join(args.out, f"{name}.encoder.onnx"),
                input_names=["image"],
                output_names=["image_embeddings"],
                opset_version=OPSET,
            )


if __name__ == "__main__":
    main()
