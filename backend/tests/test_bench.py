import json

import pytest

from seglab_trainer import bench


def test_quick_bench_prints_json_lines(capsys):
    assert bench.main(["--quick", "--models", "unet"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["mode"] for r in rows] == ["decode", "compute", "data", "augment-only"]
    assert all(r["imagesPerSecond"] > 0 for r in rows)


def test_quick_end_to_end_run(capsys):
    assert bench.main(["--quick", "--models", "unet", "--e2e", "1"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert row["mode"] == "e2e" and row["epochs"] == 1 and row["seconds"] >= row["trainSeconds"] > 0


def test_quick_end_to_end_run_through_the_service(capsys):
    pytest.importorskip("fastapi")
    assert bench.main(["--quick", "--models", "unet", "--e2e", "1", "--service"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert row["mode"] == "e2e-service" and row["train"] + row["val"] == 4 and row["onnxBytes"] > 0
    assert row["seconds"] >= row["uploadSeconds"] + row["trainSeconds"] + row["downloadSeconds"]


def test_prediction_engines_end_to_end(capsys):
    """Both engines on two 512x512 images (the node one where dist/cli.js is built), then their masks compared."""
    assert bench.main(["--predict", "--images", "2", "--device", "cpu"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["engine"] == "torch" and rows[0]["provider"] == "torch-cpu fp32" and rows[0]["images"] == 2
    assert all(r["imagesPerSecond"] > 0 for r in rows if r["mode"] == "predict")
    if len(rows) > 1:
        assert rows[1]["engine"] == "onnx" and rows[2] == {"mode": "predict-compare", "differingPixels": 0}
