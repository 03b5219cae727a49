#!/usr/bin/env bash
# Copies Debian's pure-Python FastAPI stack (tested together, also on Python 3.12) into .vendor/service/, for a
# GPU machine with PyTorch but no FastAPI and no network (the lent H100 machine). Carry .vendor there;
# scripts/device_check.sh puts it on PYTHONPATH when FastAPI is missing. typing_extensions stays out: torch there
# needs its own, newer one.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=/usr/lib/python3/dist-packages
dest=.vendor/service
rm -rf "$dest" && mkdir -p "$dest"
for m in fastapi starlette pydantic uvicorn asgiref anyio sniffio h11 click idna; do
  [ -d "$src/$m" ] || { echo "vendor-service: $src/$m is missing (apt-get install python3-fastapi python3-uvicorn)" >&2; exit 1; }
  cp -r "$src/$m" "$dest/$m"
done
find "$dest" -name __pycache__ -prune -exec rm -rf {} +
du -sh "$dest"
