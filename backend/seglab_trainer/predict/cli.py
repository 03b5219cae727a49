"""`python -m seglab_trainer predict <dataset> --model model.onnx ...`: `seglab prelabel`'s arguments, files,
progress lines and exit codes (0 done, 1 some images failed or interrupted, 2 a usage or card problem; --json
prints the same shapes), run in PyTorch from the training checkpoint beside model.onnx (--checkpoint to name
another). A card this engine cannot honour exactly exits 2 naming the field (the ONNX engine runs it)."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from typing import Optional, Set

import torch
from PIL import Image

from ..dataset import DatasetError, load_config
from .card import CardError, CardRefused, load_torch_model
from .images import MAX_IMAGE_PIXELS, entries
from .infer import Predictor, pick_device
from .run import PredictionRun, RunOptions, check_out_dir


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m seglab_trainer predict", description=__doc__)
    p.add_argument("dataset")
    p.add_argument("--model", required=True, help="the training job's model.onnx (its card model.json beside it)")
    p.add_argument("--checkpoint", help="the checkpoint the model was exported from (default: best.pt beside it)")
    p.add_argument("--out", help="folder for the masks (default <dataset>/<predictionsDir>/<model name>)")
    p.add_argument("--only-unlabeled", action="store_true", help="only images without a label mask")
    p.add_argument("--stems", help="only the images with these stems (one a line): one shard of a larger run")
    p.add_argument("--progress", help="append one JSON line per image and a last {type: done, ...} line")
    p.add_argument("--tile", type=int, default=1024, help="tile side for large images (64-8192, default 1024)")
    p.add_argument("--batch", type=int, default=0, help="images of one size run together (default 32 on CUDA, 1)")
    p.add_argument("--workers", type=int, default=0, help="decode/encode threads (default: cores)")
    p.add_argument("--threads", type=int, default=0, help="PyTorch CPU threads (default: cores, at most 4)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="auto: CUDA when present")
    p.add_argument("--check", action="store_true", help="load the model against the dataset and stop")
    p.add_argument("--json", action="store_true", help="print the result (or {error, file, hint}) as JSON")
    return p


def _stems(path: Optional[str]) -> Optional[Set[str]]:
    if path is None:
        return None
    with open(path, encoding="utf-8") as f:
        return {line.rstrip("\n") for line in f if line.rstrip("\n")}


def _fail(args, e: Exception) -> int:
    path = getattr(e, "path", None)
    answer = {"error": getattr(e, "detail", str(e)), "file": path, "hint": getattr(e, "hint", None) or None}
    answer["refused"] = isinstance(e, CardRefused)
    print(json.dumps(answer) if args.json else f"seglab predict: {e}", file=sys.stdout if args.json else sys.stderr)
    return 2


def run(argv=None) -> int:
    args = parser().parse_args(argv)
    if not 64 <= args.tile <= 8192 or min(args.batch, args.workers, args.threads) < 0:
        print("seglab predict: --tile is 64-8192, --batch/--workers/--threads at least 0", file=sys.stderr)
        return 2
    # as the ONNX engine: cores, at most 4 (Debian's PyTorch 1.13 would take one)
    torch.set_num_threads(args.threads or min(4, os.cpu_count() or 1))
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS  # decode_image refuses larger images itself, naming them
    try:
        root = os.path.realpath(args.dataset)
        cfg = load_config(root)
        model = load_torch_model(args.model, args.checkpoint, cfg, root)
        device = pick_device(args.device)
        out_dir = args.out or os.path.join(root, cfg.predictions_dir, model.name)
        check_out_dir(root, cfg, out_dir)
    except (CardError, DatasetError, ValueError, OSError) as e:
        return _fail(args, e)
    summary = {"name": model.name, "sha256": model.sha256, "defaults": [], "mapping": model.mapping}
    if args.check:
        images = [e.stem for e in entries(root, cfg, args.only_unlabeled, None)]
        answer = {"model": summary, "images": images, "device": device.type}
        print(json.dumps(answer) if args.json else f"{model.name}: fits {root} ({device.type})")
        return 0
    predictor = Predictor(model, device, tile=args.tile)
    batch = args.batch or (32 if device.type == "cuda" else 1)  # on the CPU a batch only grows the working set
    opts = RunOptions(out_dir, args.only_unlabeled, _stems(args.stems), batch, args.workers or os.cpu_count() or 1)
    opts.progress = args.progress
    job = PredictionRun(root, cfg, model, predictor, opts)
    signal.signal(signal.SIGINT, lambda *_: job.stop.set())  # stops between batches; the manifest is saved
    r = job.run()
    failed = [{"path": f["path"], "message": f["message"]} for f in r.failed]
    job.log({"type": "progress", "done": r.total if not r.cancelled else job.done_count(), "total": r.total})
    job.log(
        {"type": "done", "written": len(r.written), "skipped": len(r.skipped), "failed": failed}
        | {"cancelled": r.cancelled, "seconds": r.seconds}
    )
    for f in failed:
        print(f"{f['path']}: {f['message']}", file=sys.stderr)
    for w in r.warnings:
        print(f"seglab predict: warning: {w}", file=sys.stderr)
    provider = f"torch-{device.type} {predictor.precision}"
    rate = len(r.written) / r.seconds if r.seconds > 0 else None
    if args.json:
        model_json = {**summary, "file": args.model, "card": model.card_path, "provider": provider}
        fields = {"outDir": r.out_dir, "total": r.total, "written": r.written, "skipped": r.skipped, "failed": failed}
        fields |= {"cancelled": r.cancelled, "seconds": r.seconds, "imagesPerSecond": rate, "warnings": r.warnings}
        print(json.dumps({"model": model_json, **fields}))
    else:
        print(
            f"{out_dir}: {len(r.written)} written, {len(r.skipped)} already predicted by this model, "
            f"{len(failed)} failed ({rate or 0:.2f} images/s, {provider}){'; interrupted' if r.cancelled else ''}"
        )
    return 1 if failed or r.cancelled else 0
