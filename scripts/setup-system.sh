#!/usr/bin/env bash
# Installs the Debian packages SegLab's tests need when they are missing: Chromium for the
# browser and VS Code end-to-end tests, build tools for code-server, Debian's PyTorch stack for
# the trainer and Slurm for its executor. Idempotent and
# quick when everything is present; needs root (or sudo) only when something is missing.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
if ! /usr/bin/python3 -c 'import torch, torchvision, onnx, numpy, PIL, fastapi, uvicorn, pytest, httpx' 2>/dev/null; then
  need+=(python3-torch python3-torchvision python3-onnx python3-numpy python3-pil python3-fastapi
         python3-uvicorn python3-pytest python3-httpx python3-multipart)
fi
# the backend's formatter and linter (npm test's python-lint stage)
command -v black >/dev/null || need+=(black)
command -v flake8 >/dev/null || need+=(flake8)
# code-server (from npm, for the VS Code tests) compiles VS Code's native modules with node-gyp
{ command -v make >/dev/null && command -v g++ >/dev/null; } || need+=(build-essential)
[ -f /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev)
# a throw-away Slurm cluster for the Slurm executor's tests (scripts/slurm/cluster.py)
for bin in munged slurmctld slurmd sbatch; do
  command -v "$bin" >/dev/null || [ -x "/usr/sbin/$bin" ] || { need+=(munge slurmctld slurmd slurm-client); break; }
done
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "SegLab tests need these Debian packages: ${need[*]}" >&2
    echo "Install them as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}"
