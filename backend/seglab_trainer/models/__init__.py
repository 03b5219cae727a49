"""Model registry: `build_model(arch, num_classes, **kw)`; every model maps (N,3,H,W) to (N,C,H,W) logits and
has a `multiple_of` attribute (input sides it needs, recorded in the model card).

Builder keyword arguments are snake_case; the model card's `architectureOptions` holds the same options under
camelCase names (`aspp_channels` <-> `asppChannels`), see `card_options` / `builder_kwargs`."""
import inspect
import re
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
#: options of the MobileNetV3 backbone only
MOBILENET_ONLY = ("width_mult", "reduced_tail")


def card_options(kw: dict) -> dict:
    return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): v for k, v in kw.items()}


def builder_kwargs(options: dict) -> dict:
    return {re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k): v for k, v in options.items()}


def resolved_options(model: nn.Module, kw: dict) -> dict:
    """The model card's `architectureOptions`: every option resolved where the model lists them (`options`),
    else the options it was built with."""
    return dict(getattr(model, "options", None) or card_options({k: v for k, v in kw.items() if v is not None}))


def check_options(arch: str, **kw) -> None:
    """Unknown architectures and options the architecture lacks are errors (unset, None, options are fine);
    messages name options as the model card does."""
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r} (one of {', '.join(ARCHS)})")
    builder = ARCHS[arch]
    target = builder.func if isinstance(builder, partial) else builder
    accepted = inspect.signature(target.__init__).parameters
    kw = {k: v for k, v in kw.items() if v is not None}
    unknown = sorted(card_options(dict.fromkeys(set(kw) - set(accepted))))
    if unknown:
        raise ValueError(f"architecture {arch} has no option {', '.join(unknown)}")
    mobile = list(card_options({k: 1 for k in MOBILENET_ONLY if k in kw}))
    backbone = kw.get("backbone", accepted["backbone"].default if "backbone" in accepted else None)
    if mobile and backbone != "mobilenet_v3_large":
        raise ValueError(f"option {', '.join(mobile)} needs backbone mobilenet_v3_large (not {backbone})")


def build_model(arch: str, num_classes: int, **kw) -> nn.Module:
    """Unset (None) options take the architecture's defaults; an option the architecture lacks is an error."""
    check_options(arch, **kw)
    return ARCHS[arch](num_classes=num_classes, **{k: v for k, v in kw.items() if v is not None})


__all__ = [
    "ARCHS",
    "build_model",
    "check_options",
    "card_options",
    "builder_kwargs",
    "resolved_options",
    "UNet",
    "DeepLabV3Plus",
    "TorchvisionSeg",
    "SegFormer",
]
