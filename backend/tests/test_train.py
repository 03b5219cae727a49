import json
import os

import torch

from seglab_trainer import train
from seglab_trainer.engine import COMPILE_MIN_IMAGES, should_compile
from seglab_trainer.runfiles import link_checkpoint, load_checkpoint, save_checkpoint

TINY = "--arch unet --unet-base 8 --unet-depth 3 --image-size 48 --batch-size 2 --log-every 1 --device cpu".split()


def lines(out):
    with open(os.path.join(out, "progress.jsonl")) as f:
        return [json.loads(line) for line in f]


def test_train_writes_progress_checkpoints_and_model(dataset, tmp_path):
    out = str(tmp_path / "run")
    assert train.run(["--data", dataset, "--epochs", "2", "--out", out, *TINY]) == 0
    events = lines(out)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-2:] == ["exported", "done"] and kinds.count("epoch") == 2
    epoch = next(e for e in events if e["type"] == "epoch")
    assert set(epoch["val"]) >= {"miou", "pixelAccuracy", "iou"} and epoch["step"] == 3
    assert epoch["valSeconds"] >= 0 and epoch["checkpointSeconds"] > 0
    best_epoch = max((e for e in events if e["type"] == "epoch"), key=lambda e: e["val"]["miou"])["epoch"]
    assert load_checkpoint(os.path.join(out, "best.pt"))["epoch"] == best_epoch
    ckpt = load_checkpoint(os.path.join(out, "last.pt"))
    assert set(ckpt) >= {"model", "optimizer", "scheduler", "epoch", "args", "best_miou"} and ckpt["epoch"] == 2
    card = json.load(open(os.path.join(out, "model.json")))
    assert card["input"]["multipleOf"] == 8 and card["output"] == {"name": "logits", "kind": "logits", "stride": 1}
    assert card["architecture"] == "unet" and card["architectureOptions"] == {"base": 8, "depth": 3}
    assert [c["name"] for c in card["classes"]] == ["background", "box", "disc"]
    assert len(card["metrics"]["valMiou"]) == 2 and len(card["metrics"]["final"]["iou"]) == 3
    assert len(card["training"]["datasetSha256"]) == 64 and card["training"]["epochs"] == 2


def test_best_checkpoint_is_linked_not_rewritten(tmp_path):
    last, best = str(tmp_path / "last.pt"), str(tmp_path / "best.pt")
    save_checkpoint(last, epoch=1)
    link_checkpoint(last, best)
    assert os.path.samefile(last, best)
    save_checkpoint(last, epoch=2)  # the next epoch's save replaces last.pt and leaves best.pt as it was
    assert load_checkpoint(best)["epoch"] == 1 and load_checkpoint(last)["epoch"] == 2
    link_checkpoint(last, best)
    assert load_checkpoint(best)["epoch"] == 2 and not os.path.exists(best + ".tmp")


def test_compile_auto_only_for_runs_that_repay_it():
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    has = hasattr(torch, "compile")
    assert should_compile("auto", cuda, COMPILE_MIN_IMAGES) == has and should_compile("auto", cuda) == has
    assert not should_compile("auto", cuda, 200 * 20) and not should_compile("auto", cpu, 10**9)
    assert should_compile("on", cpu, 1) and not should_compile("off", cuda, 10**9)


def test_resume_continues_the_same_run(dataset, tmp_path):
    straight, split = str(tmp_path / "a"), str(tmp_path / "b")
    common = ["--data", dataset, "--epochs", "2", "--no-export", *TINY]
    assert train.run([*common, "--out", straight]) == 0
    assert train.run([*common, "--out", split, "--stop-after-epoch", "1"]) == 0
    assert load_checkpoint(os.path.join(split, "last.pt"))["epoch"] == 1
    assert train.run([*common, "--out", split, "--resume", os.path.join(split, "last.pt")]) == 0
    a, b = load_checkpoint(os.path.join(straight, "last.pt")), load_checkpoint(os.path.join(split, "last.pt"))
    assert b["epoch"] == 2 and len(b["history"]) == 2
    for k, v in a["model"].items():
        assert torch.allclose(v.float(), b["model"][k].float(), atol=1e-5), k
    steps = [e["step"] for e in lines(split) if e["type"] == "step"]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_init_from_previous_model_folder(dataset, tmp_path):
    first = str(tmp_path / "first")
    assert train.run(["--data", dataset, "--epochs", "1", "--out", first, "--no-export", *TINY]) == 0
    second = str(tmp_path / "second")
    assert train.run(["--data", dataset, "--epochs", "1", "--out", second, "--no-export", "--init", first, *TINY]) == 0
    start = lines(second)[0]
    assert start["init"]["loaded"] == start["init"]["of"]


def test_bad_dataset_is_a_clear_error(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert train.run(["--data", str(tmp_path), "--epochs", "1", "--out", out, *TINY]) == 2
    assert "seglab.json: not found" in capsys.readouterr().err
    assert lines(out)[-1]["type"] == "error"


def test_two_process_ddp_on_cpu(dataset, tmp_path):
    """What torchrun does: one process per rank with RANK/WORLD_SIZE/LOCAL_RANK and a rendezvous address (gloo)."""
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = str(tmp_path / "ddp")
    backend = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "seglab_trainer",
                "train",
                "--data",
                dataset,
                "--epochs",
                "1",
                "--out",
                out,
                "--no-export",
                *TINY,
            ],
            cwd=backend,
            stderr=subprocess.PIPE,
            env={
                **os.environ,
                "PYTHONPATH": backend,
                "MASTER_ADDR": "127.0.0.1",
                "MASTER_PORT": str(port),
                "WORLD_SIZE": "2",
                "RANK": str(r),
                "LOCAL_RANK": str(r),
            },
        )
        for r in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()[-2000:]
    events = lines(out)
    assert events[0]["world"] == 2 and events[0]["stepsPerEpoch"] == 2 and events[-1]["type"] == "done"


def test_backbone_weights_flag(dataset, tmp_path):
    import torchvision

    path = str(tmp_path / "mnv3.pth")
    torch.save(torchvision.models.mobilenet_v3_large(weights=None).state_dict(), path)
    out = str(tmp_path / "run")
    flags = "--epochs 1 --no-export --arch deeplabv3 --backbone mobilenet_v3_large --image-size 32 --batch-size 2"
    argv = ["--data", dataset, "--out", out, "--backbone-weights", path, *flags.split(), "--device", "cpu"]
    assert train.run(argv) == 0
    assert lines(out)[0]["backboneWeights"] == path


def test_it_learns_the_synthetic_shapes(tmp_path):
    """Image, mask and augmentation stay aligned end to end: val mIoU climbs well above chance."""
    from tests.synthetic import make_dataset

    root = make_dataset(str(tmp_path / "ds"), count=12, size=64)
    out = str(tmp_path / "run")
    flags = "--epochs 8 --no-export --arch unet --unet-base 8 --unet-depth 3 --image-size 64 --batch-size 4 --lr 3e-3"
    assert train.run(["--data", root, "--out", out, *flags.split(), "--device", "cpu"]) == 0
    assert lines(out)[-1]["bestMiou"] > 0.6
