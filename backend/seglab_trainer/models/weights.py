"""ImageNet backbone weights from a file given by path or the torchvision cache; never downloaded, never required."""
import logging
import os
from typing import Optional

import torch
from torch import nn

log = logging.getLogger(__name__)


def cached_weights_file(weights_enum_name: str) -> Optional[str]:
    """Path of the torchvision cache file for e.g. 'ResNet50_Weights' (IMAGENET1K_V1) when it is there."""
    import torchvision.models as tvm

    enum = getattr(tvm, weights_enum_name, None)
    if enum is None:
        return None
    url = enum.IMAGENET1K_V1.url
    path = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(url))
    return path if os.path.isfile(path) else None


def load_backbone(
    module: nn.Module, weights_enum_name: str, path: Optional[str] = None, strip: str = ""
) -> Optional[str]:
    """Load ImageNet weights into `module` (keys not in it, such as the classifier, are skipped;
    `strip` removes a key prefix, e.g. "features." for a MobileNetV3 feature extractor).
    Returns the file used, or None when none is available."""
    path = path or cached_weights_file(weights_enum_name)
    if not path:
        return None
    state = torch.load(path, map_location="cpu")
    if isinstance(state, dict) and "model" in state:
        state = state["model"]
    state = {k[len(strip) :] if strip and k.startswith(strip) else k: v for k, v in state.items()}
    own = module.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    if not usable:
        raise ValueError(f"{path}: no tensor matches the {type(module).__name__} backbone")
    module.load_state_dict(usable, strict=False)
    log.info("backbone weights from %s (%d/%d tensors)", path, len(usable), len(own))
    return path
