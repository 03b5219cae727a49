"""`python -m seglab_trainer serve`: run the training service with uvicorn."""
import argparse
import os
import sys
from typing import Any, cast


def run(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m seglab_trainer serve", description=__doc__)
    p.add_argument("--host", default="127.0.0.1", help="bind address (default: this machine only)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument(
        "--data-dir",
        default=os.path.expanduser("~/.seglab-trainer"),
        help="datasets, jobs, artifacts and the token live here; nothing is written elsewhere",
    )
    p.add_argument("--max-upload-mb", type=int, default=2048)
    p.add_argument("--max-uploads", type=int, default=2, help="uploads accepted at once (more get 429)")
    p.add_argument("--api-docs", action="store_true", help="serve /v1/docs and /v1/openapi.json (token needed)")
    p.add_argument(
        "--executor", default="local", choices=["local", "slurm"], help="where jobs run (slurm: see SLURM.md)"
    )
    p.add_argument(
        "--executor-config", help="the executor's settings, a JSON or TOML file (slurm: partition, nodes, ...)"
    )
    p.add_argument(
        "--predict-root",
        action="append",
        default=[],
        help="a folder whose datasets prediction jobs may read by path (repeatable; none: uploads only)",
    )
    p.add_argument(
        "--predict-shard-size",
        type=int,
        default=1000,
        help="images per shard of a prediction job on Slurm (one array task each; default 1000)",
    )
    p.add_argument("--prelabel-cli", help="SegLab's built CLI for prediction jobs (default: dist/cli.js of this repo)")
    args = p.parse_args(argv)
    # owner-only: uploaded images, models and the token are nobody else's business (the trainers inherit it)
    os.umask(0o077)
    os.makedirs(args.data_dir, exist_ok=True)
    os.chmod(args.data_dir, 0o700)
    import uvicorn

    from .app import create_app
    from .auth import load_or_create_token

    token, generated = load_or_create_token(args.data_dir)
    if generated:
        print(f"SegLab training service token (stored in {os.path.join(args.data_dir, 'token')}): {token}", flush=True)
    options = {"config": args.executor_config} if args.executor_config else {}
    try:
        app = create_app(
            args.data_dir,
            token,
            max_upload_bytes=args.max_upload_mb << 20,
            executor=args.executor,
            executor_options=options,
            max_uploads=args.max_uploads,
            api_docs=args.api_docs,
            predict_roots=args.predict_root,
            predict_shard_size=args.predict_shard_size,
            **({"prelabel_cli": args.prelabel_cli} if args.prelabel_cli else {}),
        )
    except ValueError as e:  # a bad executor config
        print(f"error: {e}", file=sys.stderr)
        return 2
    # cast: Debian's uvicorn and starlette declare the ASGI scope types differently; the app is a plain ASGI app
    uvicorn.run(cast(Any, app), host=args.host, port=args.port, log_level="info", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(run())
