"""DeepLabV3+: ASPP (rates 6/12/18 + image pooling) at output stride 16, decoder with a stride-4 skip.

Size options: ASPP and decoder widths (256 in the paper), and for MobileNetV3 the width multiplier and
reduced tail. A MobileNetV3 at width 0.75 with the reduced tail and 64-channel ASPP/decoder exports to
about 7 MB (the demo model) instead of 47 MB.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .backbones import BN_MOMENTUM, build_backbone


def _conv_bn(cin: int, cout: int, k: int = 1, dilation: int = 1) -> nn.Sequential:
    pad = 0 if k == 1 else dilation
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, padding=pad, dilation=dilation, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


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


def _check(name: str, value, ok: bool, expected: str) -> None:
    if value is not None and not ok:
        raise ValueError(f"deeplabv3plus option {name} = {value!r}: expected {expected}")


class DeepLabV3Plus(nn.Module):
    def __init__(
        self,
        num_classes: int,
        backbone: str = "resnet50",
        backbone_weights: Optional[str] = None,
        aspp_channels: int = 256,
        decoder_channels: int = 256,
        width_mult: Optional[float] = None,
        reduced_tail: Optional[bool] = None,
        backbone_bn_momentum: float = BN_MOMENTUM,
    ):
        super().__init__()
        _check("asppChannels", aspp_channels, isinstance(aspp_channels, int) and 1 <= aspp_channels <= 4096, "1..4096")
        _check(
            "decoderChannels",
            decoder_channels,
            isinstance(decoder_channels, int) and 1 <= decoder_channels <= 4096,
            "1..4096",
        )
        _check("widthMult", width_mult, isinstance(width_mult, (int, float)) and 0 < width_mult <= 4, "0 < x <= 4")
        _check(
            "backboneBnMomentum",
            backbone_bn_momentum,
            isinstance(backbone_bn_momentum, (int, float)) and 0 < backbone_bn_momentum <= 1,
            "0 < x <= 1",
        )
        self.backbone = build_backbone(backbone, backbone_weights, width_mult, reduced_tail, backbone_bn_momentum)
        self.multiple_of = 16
        self.aspp = ASPP(self.backbone.out_channels, aspp_channels)
        self.low_proj = _conv_bn(self.backbone.low_channels, 48)
        self.decoder = nn.Sequential(
            _conv_bn(aspp_channels + 48, decoder_channels, 3), _conv_bn(decoder_channels, decoder_channels, 3)
        )
        self.classifier = nn.Conv2d(decoder_channels, num_classes, 1)
        mobilenet = backbone.startswith("mobilenet")
        #: every option resolved, under the model card's names (`architectureOptions`)
        self.options = {
            "backbone": backbone,
            **(
                {"widthMult": 1.0 if width_mult is None else float(width_mult), "reducedTail": bool(reduced_tail)}
                if mobilenet
                else {}
            ),
            "asppChannels": aspp_channels,
            "decoderChannels": decoder_channels,
            "backboneBnMomentum": float(backbone_bn_momentum),
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        low, high = self.backbone(x)
        low = self.low_proj(low)
        high = F.interpolate(self.aspp(high), size=low.shape[-2:], mode="bilinear", align_corners=False)
        out = self.classifier(self.decoder(torch.cat([high, low], dim=1)))
        return F.interpolate(out, size=size, mode="bilinear", align_corners=False)
