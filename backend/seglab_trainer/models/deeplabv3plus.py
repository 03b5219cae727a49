"""DeepLabV3+: ASPP (rates 6/12/18 + image pooling) at output stride 16, decoder with a stride-4 skip."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .backbones import build_backbone


def _conv_bn(cin: int, cout: int, k: int = 1, dilation: int = 1) -> nn.Sequential:
    pad = 0 if k == 1 else dilation
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=pad, dilation=dilation, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ASPP(nn.Module):
    def __init__(self, cin: int, cout: int = 256, rates: Sequence[int] = (6, 12, 18)):
        super().__init__()
        self.branches = nn.ModuleList([_conv_bn(cin, cout)] + [_conv_bn(cin, cout, 3, r) for r in rates])
        # no BatchNorm on the 1x1 pooled branch: it must also train with one image per GPU
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1), nn.ReLU(inplace=True))
        self.project = _conv_bn(cout * (len(rates) + 2), cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [b(x) for b in self.branches]
        outs.append(F.interpolate(self.pool(x), size=x.shape[-2:], mode="bilinear", align_corners=False))
        return self.project(torch.cat(outs, dim=1))


class DeepLabV3Plus(nn.Module):
    def __init__(self, num_classes: int, backbone: str = "resnet50", backbone_weights: Optional[str] = None):
        super().__init__()
        self.backbone = build_backbone(backbone, backbone_weights)
        self.multiple_of = 16
        self.aspp = ASPP(self.backbone.out_channels)
        self.low_proj = _conv_bn(self.backbone.low_channels, 48)
        self.decoder = nn.Sequential(_conv_bn(256 + 48, 256, 3), _conv_bn(256, 256, 3))
        self.classifier = nn.Conv2d(256, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        low, high = self.backbone(x)
        low = self.low_proj(low)
        high = F.interpolate(self.aspp(high), size=low.shape[-2:], mode="bilinear", align_corners=False)
        out = self.classifier(self.decoder(torch.cat([high, low], dim=1)))
        return F.interpolate(out, size=size, mode="bilinear", align_corners=False)
