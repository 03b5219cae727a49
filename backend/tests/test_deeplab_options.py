"""DeepLabV3+ size options: the demo model's card rebuilds what the retired scripts/demo/slim_deeplab.py built,
the card records the options, and a run that starts from a model rebuilds its architecture."""
import json
import os
from collections import Counter
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
import torchvision.models as tvm
from torch import nn

from seglab_trainer import train
from seglab_trainer.models import backbones, build_model, builder_kwargs
from seglab_trainer.models.deeplabv3plus import ASPP, DeepLabV3Plus, _conv_bn
from seglab_trainer.service.executors import LocalExecutor
from seglab_trainer.service.jobs import JobManager

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(REPO, "scripts", "demo", "models", "demo-deeplabv3plus")


def demo_card() -> dict:
    with open(DEMO + ".json") as f:
        return json.load(f)


def retired_slim_builder(monkeypatch, num_classes: int) -> nn.Module:
    """What scripts/demo/slim_deeplab.py built: the trainer's DeepLabV3+ on a MobileNetV3-Large patched to width
    0.75, reduced tail and BatchNorm momentum 0.1, with ASPP, decoder and classifier rebuilt at 64 channels."""
    mnv3 = partial(
        tvm.mobilenet_v3_large,
        width_mult=0.75,
        reduced_tail=True,
        norm_layer=partial(nn.BatchNorm2d, eps=0.001, momentum=0.1),
    )
    monkeypatch.setattr(
        backbones,
        "tvm",
        SimpleNamespace(mobilenet_v3_large=lambda weights, dilated, **_: mnv3(weights=weights, dilated=dilated)),
    )
    model = DeepLabV3Plus(num_classes, "mobilenet_v3_large")
    model.aspp = ASPP(model.backbone.out_channels, 64)
    model.decoder = nn.Sequential(_conv_bn(64 + 48, 64, 3), _conv_bn(64, 64, 3))
    model.classifier = nn.Conv2d(64, num_classes, 1)
    monkeypatch.undo()
    return model


def test_demo_card_options_rebuild_the_retired_slim_builder(monkeypatch):
    card = demo_card()
    n = len(card["classes"])
    ours: Any = build_model(card["architecture"], n, **builder_kwargs(card["architectureOptions"]))
    old: Any = retired_slim_builder(monkeypatch, n)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in old.state_dict().items()}
    bn = [(m.eps, m.momentum) for m in ours.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bn == [(m.eps, m.momentum) for m in old.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    assert ours.options == card["architectureOptions"]


def test_demo_onnx_has_the_same_convolutions():
    onnx = pytest.importorskip("onnx")
    graph = onnx.load(DEMO + ".onnx").graph
    shapes = {t.name: tuple(t.dims) for t in graph.initializer}
    attrs = lambda node: {a.name: tuple(a.ints) if a.ints else a.i for a in node.attribute}  # noqa: E731
    theirs = Counter(
        (shapes[node.input[1]], attrs(node)["strides"], attrs(node)["dilations"], attrs(node)["group"])
        for node in graph.node
        if node.op_type == "Conv"
    )
    card = demo_card()
    model = build_model(card["architecture"], len(card["classes"]), **builder_kwargs(card["architectureOptions"]))
    ours = Counter(
        (tuple(m.weight.shape), m.stride, m.dilation, m.groups) for m in model.modules() if isinstance(m, nn.Conv2d)
    )
    assert ours == theirs


def test_mobilenet_backbone_batchnorm_momentum_defaults_to_0_1():
    model: Any = build_model("deeplabv3plus", 3, backbone="mobilenet_v3_large")
    assert {m.momentum for m in model.backbone.modules() if isinstance(m, nn.BatchNorm2d)} == {0.1}
    assert model.options == {
        "backbone": "mobilenet_v3_large",
        "widthMult": 1.0,
        "reducedTail": False,
        "asppChannels": 256,
        "decoderChannels": 256,
        "backboneBnMomentum": 0.1,
    }
    slow: Any = build_model("deeplabv3plus", 3, backbone="resnet18", backbone_bn_momentum=0.01, aspp_channels=32)
    assert {m.momentum for m in slow.backbone.modules() if isinstance(m, nn.BatchNorm2d)} == {0.01}
    assert slow.options == {
        "backbone": "resnet18",
        "asppChannels": 32,
        "decoderChannels": 256,
        "backboneBnMomentum": 0.01,
    }
    with pytest.raises(ValueError, match="widthMult needs backbone mobilenet_v3_large"):
        build_model("deeplabv3plus", 3, backbone="resnet18", width_mult=0.5)
    with pytest.raises(ValueError, match="asppChannels = 0"):
        build_model("deeplabv3plus", 3, aspp_channels=0)


SMALL = "--arch deeplabv3plus --backbone mobilenet_v3_large --aspp-channels 16 --decoder-channels 24".split()
SMALL += ["--width-mult", "0.5", "--reduced-tail"]
QUICK = ["--epochs", "1", "--image-size", "32", "--batch-size", "2", "--device", "cpu"]


def test_options_go_into_the_card_and_a_continued_run_rebuilds_them(dataset, tmp_path):
    first, second = str(tmp_path / "first"), str(tmp_path / "second")
    assert train.run(["--data", dataset, "--out", first, *SMALL, *QUICK]) == 0
    options = {
        "backbone": "mobilenet_v3_large",
        "widthMult": 0.5,
        "reducedTail": True,
        "asppChannels": 16,
        "decoderChannels": 24,
        "backboneBnMomentum": 0.1,
    }
    card = json.load(open(os.path.join(first, "model.json")))
    assert card["architectureOptions"] == options and card["training"]["valImageSize"] == "native"
    # only the architecture given: the starting model's options rebuild it and every tensor is loaded
    assert train.run(["--data", dataset, "--out", second, "--arch", "deeplabv3plus", "--init", first, *QUICK]) == 0
    with open(os.path.join(second, "progress.jsonl")) as f:
        start = json.loads(f.readline())
    assert start["init"]["loaded"] == start["init"]["of"] and start["init"]["options"] == options
    assert json.load(open(os.path.join(second, "model.json")))["architectureOptions"] == options


def test_an_option_the_architecture_lacks_is_a_usage_error(dataset, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        flags = "--arch deeplabv3plus --backbone resnet18 --width-mult 0.5".split()
        train.run(["--data", dataset, "--out", str(tmp_path / "x"), *flags, *QUICK])
    assert e.value.code == 2 and "widthMult needs backbone mobilenet_v3_large" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train.run(["--data", dataset, "--out", str(tmp_path / "x"), "--arch", "unet", "--aspp-channels", "8", *QUICK])
    assert "architecture unet has no option asppChannels" in capsys.readouterr().err


def test_service_job_params_become_trainer_flags(tmp_path):
    manager = JobManager(str(tmp_path), ["cpu"], LocalExecutor(str(tmp_path / "cache")))
    params = {
        "arch": "deeplabv3plus",
        "epochs": 1,
        "imageSize": 64,
        "batchSize": 2,
        "optimizer": "adamw",
        "seed": 0,
        "backbone": "mobilenet_v3_large",
        "asppChannels": 64,
        "decoderChannels": 64,
        "widthMult": 0.75,
        "reducedTail": True,
        "backboneBnMomentum": 0.1,
    }
    argv = manager.argv({**manager.submit("d" * 64, params, None, None), "resume": False})
    assert " ".join(argv).endswith(
        "--backbone mobilenet_v3_large --aspp-channels 64 --decoder-channels 64 "
        "--width-mult 0.75 --backbone-bn-momentum 0.1 --reduced-tail"
    )
    assert train.parser().parse_args(argv).reduced_tail is True
