#!/usr/bin/env bash
# Installs the Debian packages a SegLab command needs when they are missing. The argument says
# which command, and so which packages:
#   demo, tools  build tools, Python and Kerberos headers (code-server compiles native modules)
#   vscode, e2e  the same and Chromium
#   bench        Chromium, numpy and Pillow (the reference figures)
#   test         everything (the default): also Debian's PyTorch stack, black and flake8, Slurm
# Idempotent and quick when everything is present; needs root (or sudo) only when something is
# missing, and says so in one line when neither is available.
set -euo pipefail

what="${1:-test}"
case "$what" in
  demo | tools) groups="build" ;;
  vscode | e2e) groups="build browser" ;;
  bench) groups="browser benchpy" ;;
  test) groups="build browser benchpy torch pylint slurm" ;;
  *) echo "setup-system.sh: unknown command '$what' (demo, tools, vscode, e2e, bench or test)" >&2; exit 2 ;;
esac

has() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ]; }
py() { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import $1" 2>/dev/null; }

need=()
for group in $groups; do
  case "$group" in
    # code-server (from npm) compiles VS Code's native modules with node-gyp
    build)
      { has make && has g++; } || need+=(build-essential)
      has python3 || need+=(python3)
      [ -f /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev) ;;
    browser) [ -x /usr/bin/chromium ] || need+=(chromium) ;;
    benchpy) py 'numpy, PIL' || need+=(python3-numpy python3-pil) ;;
    torch)
      py 'torch, torchvision, onnx, numpy, PIL, fastapi, uvicorn, pytest, httpx' ||
        need+=(python3-torch python3-torchvision python3-onnx python3-numpy python3-pil python3-fastapi
               python3-uvicorn python3-pytest python3-httpx python3-multipart) ;;
    # the backend's formatter and linter (npm test's python-lint stage)
    pylint)
      has black || need+=(black)
      has flake8 || need+=(flake8) ;;
    # a throw-away Slurm cluster for the Slurm executor's tests (scripts/slurm/cluster.py)
    slurm)
      for bin in munged slurmctld slurmd sbatch; do
        has "$bin" || { need+=(munge slurmctld slurmd slurm-client); break; }
      done ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
# one package may be wanted by two groups
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  # sudo may ask for a password on a terminal; elsewhere it must work without one
  if command -v sudo >/dev/null && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then sudo="sudo"; else
    echo "SegLab ($what) needs the Debian packages ${need[*]}, and installing them needs root or sudo: run 'apt-get install -y ${need[*]}' as root" >&2
    exit 1
  fi
fi
echo "[setup] installing Debian packages for $what: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}"
