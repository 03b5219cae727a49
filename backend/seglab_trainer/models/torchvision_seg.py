"""torchvision's FCN and DeepLabV3 with the classifier built for the class count; returns the `out` logits."""
from typing import Optional

import torch
import torchvision.models.segmentation as tvs
from torch import nn

from .weights import load_backbone

_WEIGHTS = {
    "resnet50": "ResNet50_Weights",
    "resnet101": "ResNet101_Weights",
    "mobilenet_v3_large": "MobileNet_V3_Large_Weights",
}


class TorchvisionSeg(nn.Module):
    def __init__(self, kind: str, num_classes: int, backbone: str = "resnet50", backbone_weights: Optional[str] = None):
        super().__init__()
        name = f"{kind}_{backbone}"
        builder = getattr(tvs, name, None)
        if builder is None:
            raise ValueError(
                f"torchvision has no {name} (backbones: resnet50, resnet101"
                f"{', mobilenet_v3_large' if kind == 'deeplabv3' else ''})"
            )
        self.net = builder(weights=None, weights_backbone=None, num_classes=num_classes, aux_loss=False)
        strip = "features." if backbone.startswith("mobilenet") else ""
        self.weights_file = load_backbone(self.net.backbone, _WEIGHTS[backbone], backbone_weights, strip=strip)
        self.multiple_of = 8 if backbone.startswith("resnet") else 16

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)["out"]
