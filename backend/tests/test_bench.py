import json

from seglab_trainer import bench


def test_quick_bench_prints_json_lines(capsys):
    assert bench.main(["--quick", "--models", "unet"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["mode"] for r in rows] == ["decode", "compute", "data", "augment-only"]
    assert all(r["imagesPerSecond"] > 0 for r in rows)
