#!/usr/bin/env bash
# GPU machine check: pytest on the installed PyTorch (with onnxruntime when present; SKIP_PYTEST=1 skips it), a
# short CUDA training run (compile + bf16 + export; SKIP_TRAIN=1 skips it), the issue's end-to-end round trip through
# a local service (200 images, 20 epochs, DeepLabV3+-R50; E2E_EPOCHS=0 skips it), with PREDICT_IMAGES=N the prediction
# engine on N images (bench --predict) and the benchmark at 512x512. Results go to $OUT (default ./device-out).
# Without FastAPI on the machine, run scripts/vendor_service.sh here first and carry .vendor.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/device-out}
PY=${PY:-python3}
mkdir -p "$OUT"
export PYTHONPATH=$PWD
if ! $PY -c "import fastapi" 2>/dev/null && [ -d ../.vendor/service ]; then
  site=$(mktemp -d)
  for m in fastapi starlette pydantic uvicorn asgiref anyio sniffio; do ln -s "$PWD/../.vendor/service/$m" "$site/$m"; done
  for m in h11 click idna; do $PY -c "import $m" 2>/dev/null || ln -s "$PWD/../.vendor/service/$m" "$site/$m"; done
  export PYTHONPATH=$PYTHONPATH:$site
fi
{ $PY -c "import torch, torchvision; print('torch', torch.__version__, 'tv', torchvision.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no gpu')"
  $PY -c "import onnxruntime; print('onnxruntime', onnxruntime.__version__)"
  $PY -c "import fastapi, uvicorn; print('fastapi', fastapi.__version__)"; nvidia-smi --query-gpu=name,memory.total --format=csv; } > "$OUT/versions.txt" 2>&1
if [ -z "${SKIP_PYTEST:-}" ]; then
  # no Slurm on a lent GPU machine: its tests run in CI
  timeout "${PYTEST_S:-150}" $PY -m pytest -q -rs -p no:cacheprovider tests --ignore=tests/test_slurm.py \
    --ignore=tests/test_slurm_two_nodes.py > "$OUT/pytest.txt" 2>&1
  echo "pytest rc=$?" >> "$OUT/pytest.txt"
fi
if [ -z "${SKIP_TRAIN:-}" ]; then
  $PY -c "from seglab_trainer.bench import make_images; make_images('/tmp/seglab-ds', 64, 512)" > "$OUT/train.txt" 2>&1
  timeout "${TRAIN_S:-150}" $PY -m seglab_trainer train --data /tmp/seglab-ds --arch unet --epochs ${TRAIN_EPOCHS:-3} --image-size 512 \
    --batch-size 16 --out "$OUT/train" >> "$OUT/train.txt" 2>&1
  echo "train rc=$?" >> "$OUT/train.txt"
  rm -f "$OUT"/train/*.pt "$OUT"/train/model.onnx
fi
if [ "${E2E_EPOCHS:-20}" != 0 ]; then
  timeout "${E2E_S:-300}" $PY -m seglab_trainer.bench --e2e "${E2E_EPOCHS:-20}" --service --models deeplabv3plus-resnet50 \
    --images 200 ${BENCH_ARGS:-} > "$OUT/e2e.jsonl" 2> "$OUT/e2e.err"
  echo "e2e rc=$?" >> "$OUT/e2e.err"
fi
if [ "${PREDICT_IMAGES:-0}" != 0 ]; then
  # the PyTorch prediction engine end to end on PREDICT_IMAGES synthetic 512x512 JPEGs (issue 22: 100,000 in < 5 min)
  timeout "${PREDICT_S:-540}" $PY -m seglab_trainer.bench --predict --images "$PREDICT_IMAGES" ${PREDICT_ARGS:-} \
    > "$OUT/predict.jsonl" 2> "$OUT/predict.err"
  echo "predict rc=$?" >> "$OUT/predict.err"
fi
timeout "${BENCH_S:-300}" $PY -m seglab_trainer.bench --models "${BENCH_MODELS:-unet,deeplabv3-resnet50}" \
  --images 200 ${BENCH_ARGS:-} > "$OUT/bench.jsonl" 2> "$OUT/bench.err"
echo "bench rc=$?" >> "$OUT/bench.err"
tail -n 5 "$OUT/pytest.txt" 2>/dev/null; tail -n 3 "$OUT/train.txt"; cat "$OUT/e2e.jsonl" 2>/dev/null; tail -n 3 "$OUT/e2e.err" 2>/dev/null
cat "$OUT/predict.jsonl" 2>/dev/null; tail -n 3 "$OUT/predict.err" 2>/dev/null
cat "$OUT/bench.jsonl"; tail -n 3 "$OUT/bench.err"
