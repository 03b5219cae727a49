"""torchvision classification backbones cut into (low-level stride-4 features, output-stride-16 features)."""
from typing import Optional, Tuple, Union

import torch
import torchvision.models as tvm
from torch import nn

from .weights import load_backbone

WEIGHTS = {
    "resnet18": "ResNet18_Weights",
    "resnet50": "ResNet50_Weights",
    "mobilenet_v3_large": "MobileNet_V3_Large_Weights",
}
#: PyTorch's usual BatchNorm momentum; torchvision builds MobileNetV3 with 0.01, whose running statistics
#: are still near their initial values after a short fine-tune (validation and export then predict one class).
BN_MOMENTUM = 0.1


def _dilate_last_stage(layer: nn.Sequential, dilation: int = 2) -> None:
    """Output stride 32 -> 16 for BasicBlock ResNets (torchvision only dilates Bottleneck ones)."""
    for m in layer.modules():
        if isinstance(m, nn.Conv2d) and m.stride == (2, 2):
            m.stride = (1, 1)
        if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3):
            m.dilation, m.padding = (dilation, dilation), (dilation, dilation)


def set_bn_momentum(module: nn.Module, momentum: float) -> None:
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = momentum


class ResNetFeatures(nn.Module):
    def __init__(self, name: str, weights_path: Optional[str]):
        super().__init__()
        if name == "resnet50":
            net = tvm.resnet50(weights=None, replace_stride_with_dilation=[False, False, True])
        else:
            net = tvm.resnet18(weights=None)
        self.weights_file = load_backbone(net, WEIGHTS[name], weights_path)
        if name == "resnet18":
            _dilate_last_stage(net.layer4)
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layer1, self.layer2, self.layer3, self.layer4 = net.layer1, net.layer2, net.layer3, net.layer4
        self.low_channels = 256 if name == "resnet50" else 64
        self.out_channels = 2048 if name == "resnet50" else 512

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        low = self.layer1(self.stem(x))
        return low, self.layer4(self.layer3(self.layer2(low)))


class MobileNetFeatures(nn.Module):
    """MobileNetV3-Large, dilated (output stride 16); `width_mult` scales every layer's channels and
    `reduced_tail` halves the last stage's, as in torchvision (ImageNet weights fit only 1.0 without it)."""

    def __init__(self, weights_path: Optional[str], width_mult: float = 1.0, reduced_tail: bool = False):
        super().__init__()
        net = tvm.mobilenet_v3_large(weights=None, dilated=True, width_mult=width_mult, reduced_tail=reduced_tail)
        self.weights_file = load_backbone(net, WEIGHTS["mobilenet_v3_large"], weights_path)
        feats = net.features
        with torch.no_grad():  # the last block still at stride 4 is the low-level skip
            x, split = torch.zeros(1, 3, 64, 64), 0
            for i, block in enumerate(feats):
                x = block(x)
                if x.shape[-1] == 16:
                    split, self.low_channels = i + 1, int(x.shape[1])
        self.low = feats[:split]
        self.high = feats[split:]
        self.out_channels: int = x.shape[1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        low = self.low(x)
        return low, self.high(low)


def build_backbone(
    name: str,
    weights_path: Optional[str] = None,
    width_mult: Optional[float] = None,
    reduced_tail: Optional[bool] = None,
    bn_momentum: float = BN_MOMENTUM,
) -> Union[ResNetFeatures, MobileNetFeatures]:
    """`width_mult` and `reduced_tail` exist for MobileNetV3 only; BatchNorm momentum applies to every backbone."""
    if name in ("resnet50", "resnet18"):
        if width_mult is not None or reduced_tail is not None:
            raise ValueError(f"backbone {name} has no width multiplier or reduced tail (mobilenet_v3_large has)")
        net = ResNetFeatures(name, weights_path)
    elif name == "mobilenet_v3_large":
        net = MobileNetFeatures(weights_path, 1.0 if width_mult is None else width_mult, bool(reduced_tail))
    else:
        raise ValueError(f"unknown backbone {name!r} (resnet50, resnet18, mobilenet_v3_large)")
    set_bn_momentum(net, bn_momentum)
    return net
