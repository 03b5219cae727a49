"""`python -m seglab_trainer serve`: run the training service with uvicorn."""
import argparse
import os
import sys


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
    p.add_argument(
        "--executor", default="local", choices=["local", "slurm"], help="where jobs run (slurm: see SLURM.md)"
    )
    p.add_argument(
        "--executor-config", help="the executor's settings, a JSON or TOML file (slurm: partition, nodes, ...)"
    )
    args = p.parse_args(argv)
    os.makedirs(args.data_dir, exist_ok=True)
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
        )
    except ValueError as e:  # a bad executor config
        print(f"error: {e}", file=sys.stderr)
        return 2
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(run())
