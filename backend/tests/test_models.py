from typing import Any

import pytest
import torch

from seglab_trainer.engine import Precision, make_optimizer, train_step
from seglab_trainer.losses import CEDiceLoss
from seglab_trainer.models import build_model

# every architecture, every backbone family; the ResNet-50 variants of DeepLabV3(+) differ from the trained ones
# only in their torchvision backbone, so they get a forward check (a training step costs seconds on this CPU)
CASES = [
    ("unet", {"base": 8, "depth": 3}),
    ("deeplabv3plus", {"backbone": "resnet18"}),
    ("deeplabv3plus", {"backbone": "mobilenet_v3_large"}),
    ("fcn", {}),
    ("deeplabv3", {"backbone": "mobilenet_v3_large"}),
    ("segformer", {}),
]


@pytest.mark.parametrize("arch,kw", CASES, ids=[f"{a}-{k.get('backbone', 'default')}" for a, k in CASES])
def test_trains_a_few_steps_and_loss_falls(arch, kw):
    torch.manual_seed(0)
    model = build_model(arch, 3, **kw)
    heavy = arch == "fcn"
    s = 32 if heavy else 64  # ResNet-50 models cost seconds a step on this CPU even at 32x32
    x = torch.randn(2, 3, s, s)
    y = torch.zeros(2, s, s, dtype=torch.long)
    y[:, s // 4 : 3 * s // 4, s // 4 : 3 * s // 4] = 1
    y[:, :, : s // 8] = 2
    y[:, :2] = 255
    x[:, 0] += (y == 1).float() * 2  # a learnable cue
    assert model(x).shape == (2, 3, s, s)
    opt = make_optimizer(model, "adamw", 1e-3, 0.0)
    loss_fn, prec = CEDiceLoss(), Precision(torch.device("cpu"))
    losses = [float(train_step(model, loss_fn, opt, None, prec, x, y, False)) for _ in range(4 if heavy else 6)]
    assert min(losses[-2:]) < losses[0], losses


@pytest.mark.parametrize("arch,kw", [("deeplabv3plus", {"backbone": "resnet50"}), ("deeplabv3", {})])
def test_resnet50_variants_give_full_resolution_logits(arch, kw):
    model = build_model(arch, 4, **kw).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 48, 64)).shape == (1, 4, 48, 64)


def test_registry_rejects_unknown_options():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("resnet", 3)
    with pytest.raises(ValueError, match="has no option base"):
        build_model("segformer", 3, base=8)
    with pytest.raises(ValueError, match="backbone"):
        build_model("deeplabv3plus", 3, backbone="vgg")


def test_backbone_weights_file_is_loaded(tmp_path):
    import torchvision

    src = torchvision.models.resnet18(weights=None)
    path = tmp_path / "r18.pth"
    torch.save(src.state_dict(), path)
    model: Any = build_model("deeplabv3plus", 3, backbone="resnet18", backbone_weights=str(path))
    assert model.backbone.weights_file == str(path)
    assert torch.equal(model.backbone.stem[0].weight, src.conv1.weight)
