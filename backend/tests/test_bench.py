import json

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
