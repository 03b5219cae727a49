"""A two-class model exported as one sigmoid channel (SegLab issue 17): the card says "sigmoid", and the
channel's sigmoid is the two-channel model's softmax probability of class 1."""
import json

import onnx
import pytest
import torch

from seglab_trainer import train
from seglab_trainer.export import BinarySigmoidHead, export_model_dir
from seglab_trainer.models import build_model
from tests.synthetic import make_dataset

CLASSES = [{"id": 0, "name": "background", "color": [0, 0, 0]}, {"id": 1, "name": "cell", "color": [1, 2, 3]}]


def fields(classes):
    return dict(name="t", arch="unet", options={}, classes=classes, history=[], final=None, training={"arch": "unet"})


def test_sigmoid_head_is_softmax_of_class_one():
    torch.manual_seed(0)
    model = build_model("unet", 2, base=4, depth=3).eval()
    x = torch.randn(1, 3, 32, 48)
    with torch.no_grad():
        p = torch.softmax(model(x), 1)[:, 1:2]
        q = torch.sigmoid(BinarySigmoidHead(model)(x))
    assert q.shape == (1, 1, 32, 48) and (p - q).abs().max() < 1e-5


def test_sigmoid_export_card_and_one_channel(tmp_path):
    card = export_model_dir(build_model("unet", 2, base=4, depth=3), str(tmp_path), fields(CLASSES), sigmoid=True)
    assert card["output"] == {"name": "logits", "kind": "sigmoid", "activation": "none", "threshold": 0.5, "stride": 1}
    assert json.load(open(tmp_path / "model.json")) == card and card["input"]["multipleOf"] == 8
    channels = onnx.load(str(tmp_path / "model.onnx")).graph.output[0].type.tensor_type.shape.dim[1].dim_value
    assert channels == 1


def test_sigmoid_export_needs_two_classes(tmp_path):
    with pytest.raises(ValueError, match="needs two classes, the model has 3"):
        export_model_dir(
            build_model("unet", 3, base=4, depth=3),
            str(tmp_path),
            fields(CLASSES + [{"id": 2, "name": "x"}]),
            sigmoid=True,
        )


def test_train_export_sigmoid_on_three_classes_is_refused_before_training(tmp_path, capsys):
    root = make_dataset(str(tmp_path / "ds"), count=4, size=32)
    argv = ["--data", root, "--out", str(tmp_path / "out"), "--arch", "unet", "--epochs", "1", "--export-sigmoid"]
    assert train.run(argv + ["--device", "cpu"]) == 2
    assert "--export-sigmoid needs exactly 2 classes" in capsys.readouterr().err
    assert not (tmp_path / "out" / "last.pt").exists()
