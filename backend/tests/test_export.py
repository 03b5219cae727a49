import json
import os
import shutil
import subprocess

import onnx
import onnx.checker
import pytest
import torch

from seglab_trainer.export import OPSET, TOLERANCE, export_model_dir, export_onnx
from seglab_trainer.models import build_model
from tests.ort_node import needs_ort_node, run_onnx

# SegFormer's export (and, with onnxruntime, its numerical check) runs in the export CLI test below
CASES = [
    ("unet", {"base": 8, "depth": 3}),
    ("deeplabv3plus", {"backbone": "mobilenet_v3_large"}),
    ("deeplabv3", {"backbone": "mobilenet_v3_large"}),
]


@pytest.mark.parametrize("arch,kw", CASES, ids=[a for a, _ in CASES])
def test_export_has_dynamic_height_width_and_passes_the_checker(arch, kw, tmp_path):
    model = build_model(arch, 3, **kw).eval()
    path = str(tmp_path / "m.onnx")
    export_onnx(model, path)
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    assert graph.opset_import[0].version == OPSET
    dims = [d.dim_param or d.dim_value for d in graph.graph.input[0].type.tensor_type.shape.dim]
    assert graph.graph.input[0].name == "image" and dims == ["batch", 3, "height", "width"]
    assert graph.graph.output[0].name == "logits"


@needs_ort_node
@pytest.mark.parametrize("arch,kw", CASES, ids=[a for a, _ in CASES])
def test_onnxruntime_matches_pytorch(arch, kw, tmp_path):
    """At two sizes, which also proves the height/width axes are dynamic (the tolerance is check_onnx's)."""
    torch.manual_seed(0)
    model = build_model(arch, 3, **kw).eval()
    path = str(tmp_path / "m.onnx")
    export_onnx(model, path)
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randn(1, 3, h, w, generator=g) for h, w in ((128, 128), (96, 160))]
    for x, out in zip(inputs, run_onnx(path, [x.numpy() for x in inputs])):
        with torch.no_grad():
            ref = model(x).numpy()
        assert out.shape == ref.shape and abs(out - ref).max() <= TOLERANCE


def test_model_dir_card(tmp_path):
    model = build_model("unet", 2, base=4, depth=5)
    card = export_model_dir(
        model,
        str(tmp_path),
        dict(
            name="t",
            arch="unet",
            options={},
            classes=[{"id": 0, "name": "a", "color": [0, 0, 0]}, {"id": 1, "name": "b", "color": [1, 2, 3]}],
            history=[{"epoch": 1, "loss": 0.75, "val": {"miou": 0.5}}],
            final={"miou": 0.5},
            training={"arch": "segformer"},
        ),
    )
    on_disk = json.load(open(tmp_path / "model.json"))
    assert on_disk == card and card["input"]["multipleOf"] == 32 and card["input"]["scale"] == 1 / 255
    assert card["input"]["order"] == "RGB" and card["input"]["layout"] == "NCHW" and card["input"]["dynamic"] is True
    assert len(card["sha256"]) == 64 and os.path.getsize(tmp_path / "model.onnx") == card["onnx"]["bytes"]
    assert card["metrics"]["valMiou"] == [{"epoch": 1, "miou": 0.5}]
    assert card["metrics"]["trainLoss"] == [{"epoch": 1, "loss": 0.75}]


def test_export_cli_rebuilds_the_model_from_a_checkpoint(dataset, tmp_path):
    from seglab_trainer import export_cli, train

    out = str(tmp_path / "run")
    flags = "--epochs 1 --no-export --arch segformer --image-size 32 --batch-size 2 --device cpu"
    assert train.run(["--data", dataset, "--out", out, *flags.split()]) == 0
    assert export_cli.run(["--checkpoint", os.path.join(out, "best.pt"), "--out", str(tmp_path / "m")]) == 0
    card = json.load(open(tmp_path / "m" / "model.json"))
    assert (
        card["architecture"] == "segformer" and card["architectureOptions"] == {} and card["input"]["multipleOf"] == 32
    )
    assert card["output"]["stride"] == 1 and len(card["classes"]) == 3


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.skipif(
    shutil.which("node") is None
    or not os.path.isdir(os.path.join(REPO, "node_modules", "tsx"))
    or not os.path.isfile(os.path.join(REPO, "src", "core", "model", "card.ts")),
    reason="needs node and the repository's TypeScript core with tsx installed (npm ci)",
)
def test_the_pre_labeler_accepts_the_card(tmp_path):
    model = build_model("segformer", 3)
    export_model_dir(
        model,
        str(tmp_path),
        dict(
            name="t",
            arch="segformer",
            options={},
            classes=[{"id": i, "name": f"c{i}", "color": [i, 0, 0]} for i in range(3)],
            history=[],
            final=None,
            training={"arch": "segformer"},
        ),
    )
    script = (
        "const { parseModelCard } = require('./src/core/model/card');"
        "const fs = require('fs'); const p = process.argv[1];"
        "console.log(JSON.stringify(parseModelCard(fs.readFileSync(p, 'utf8'), p)));"
    )
    out = subprocess.run(
        ["node", "--import", "tsx", "-e", script, str(tmp_path / "model.json")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    card = json.loads(out.stdout)
    assert card["architecture"] == "segformer" and card["input"]["multipleOf"] == 32 and card["output"]["stride"] == 1
