"""Model registry: `build_model(arch, num_classes, **kw)`; every model maps (N,3,H,W) to (N,C,H,W) logits and
has a `multiple_of` attribute (input sides it needs, recorded in the model card)."""
import inspect
from functools import partial
from typing import Callable, Dict

from torch import nn

from .deeplabv3plus import DeepLabV3Plus
from .segformer import SegFormer
from .torchvision_seg import TorchvisionSeg
from .unet import UNet

ARCHS: Dict[str, Callable[..., nn.Module]] = {
    "unet": UNet,
    "deeplabv3plus": DeepLabV3Plus,
    "fcn": partial(TorchvisionSeg, "fcn"),
    "deeplabv3": partial(TorchvisionSeg, "deeplabv3"),
    "segformer": SegFormer,
}


def build_model(arch: str, num_classes: int, **kw) -> nn.Module:
    """Unset (None) options take the architecture's defaults; an option the architecture lacks is an error."""
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r} (one of {', '.join(ARCHS)})")
    builder = ARCHS[arch]
    target = builder.func if isinstance(builder, partial) else builder
    accepted = inspect.signature(target.__init__).parameters
    kw = {k: v for k, v in kw.items() if v is not None}
    unknown = sorted(set(kw) - set(accepted))
    if unknown:
        raise ValueError(f"architecture {arch} has no option {', '.join(unknown)}")
    return builder(num_classes=num_classes, **kw)


__all__ = ["ARCHS", "build_model", "UNet", "DeepLabV3Plus", "TorchvisionSeg", "SegFormer"]
