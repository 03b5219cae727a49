"""`python -m seglab_trainer {train,serve,export} ...`"""
import sys


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in ("train", "serve", "export", "predict"):
        print(
            "usage: python -m seglab_trainer {train,serve,export,predict} [--help]\n"
            "  train   fine-tune a model on a SegLab dataset (torchrun-aware)\n"
            "  serve   run the HTTP training service\n"
            "  export  write model.onnx and model.json from a checkpoint\n"
            "  predict pre-label a dataset with a training job's checkpoint (PyTorch; seglab prelabel's files)",
            file=sys.stderr,
        )
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    command, rest = argv[0], argv[1:]
    if command == "train":
        from .train import run
    elif command == "predict":
        from .predict.cli import run
    elif command == "serve":
        from .service.server import run
    else:
        from .export_cli import run
    return run(rest)


if __name__ == "__main__":
    sys.exit(main())
