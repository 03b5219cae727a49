"""`python -m seglab_trainer export --checkpoint best.pt --out DIR`: model.onnx + model.json from a checkpoint."""
import argparse
import os

from .export import export_model_dir
from .models import build_model, resolved_options
from .runfiles import load_checkpoint


def run(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m seglab_trainer export", description=__doc__)
    p.add_argument("--checkpoint", required=True, help="a SegLab checkpoint (best.pt / last.pt)")
    p.add_argument("--out", required=True, help="folder for model.onnx and model.json")
    p.add_argument("--name", help="model name in the card (default: <arch> of the checkpoint)")
    p.add_argument("--sigmoid", action="store_true", help='a two-class model as one channel with a "sigmoid" card')
    args = p.parse_args(argv)
    ckpt = load_checkpoint(args.checkpoint)
    classes = ckpt["classes"]
    model = build_model(ckpt["arch"], len(classes), **ckpt["model_kw"])
    model.load_state_dict(ckpt["model"])
    os.makedirs(args.out, exist_ok=True)
    history = ckpt.get("history", [])
    a = ckpt["args"]
    card = export_model_dir(
        model,
        args.out,
        dict(
            name=args.name or ckpt["arch"],
            arch=ckpt["arch"],
            options=resolved_options(model, ckpt["model_kw"]),
            classes=classes,
            history=history,
            final=history[-1]["val"] if history else None,
            training={
                "arch": ckpt["arch"],
                "epochs": a.get("epochs"),
                "imageSize": a.get("image_size"),
                "lr": a.get("lr"),
                "optimizer": a.get("optimizer"),
                "bestEpoch": ckpt.get("epoch"),
            },
        ),
        sigmoid=args.sigmoid,
    )
    print(os.path.join(args.out, "model.onnx"), card["sha256"])
    return 0
