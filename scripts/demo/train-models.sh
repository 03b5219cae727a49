#!/usr/bin/env bash
# Trains the two demo models and the demo click model (Smart Select, `--task interactive`) on a fresh
# demo dataset with the project's trainer (CPU, fixed seeds) and writes scripts/demo/models/<name>.onnx
# + <name>.json (+ README.md with the figures; the click model's NoC next to the magic wand's).
# Usage: scripts/demo/train-models.sh   (PYTHON=/usr/bin/python3 by default: Debian's torch 1.13)
# WORK=<dir> keeps the dataset and runs there; a run that already finished is not trained again.
# OUT=<dir> writes the models elsewhere (default scripts/demo/models).
# ONLY=clicks trains and measures only the click model (its section of README.md is replaced).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-/usr/bin/python3}
OUT=${OUT:-scripts/demo/models}
if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi

# Crops of 256 from images resized to 1.5-2.5x the crop: about the 512-pixel scale they are run at.
COMMON=(--epochs 20 --image-size 256 --batch-size 8 --scale-min 1.5 --scale-max 2.5 --seed 0 --device cpu)
UNET=(--arch unet --unet-base 16 --unet-depth 4)
# Under 10 MB (the default 256-channel DeepLabV3+ on the full MobileNetV3-Large exports to 47 MB).
DEEPLAB=(--arch deeplabv3plus --backbone mobilenet_v3_large --width-mult 0.75 --reduced-tail --aspp-channels 64
         --decoder-channels 64)
# The click model: a small U-Net on 128-pixel zoom-in crops, a time budget (the 2-core machine is shared).
CLICKS=(--task interactive --arch unet --unet-base 8 --unet-depth 4 --image-size 128 --crop-min-side 96 --click-rounds 1 --click-radius 4
        --lr 4e-3 --minutes 9 --epochs 60 --patience 0 --seed 0 --device cpu)

[ -f "$WORK/data/seglab.json" ] || node --import tsx scripts/demo/generate.ts "$WORK/data"
export PYTHONPATH="$PWD/backend${PYTHONPATH:+:$PYTHONPATH}"
[ "${ONLY:-}" = clicks ] || [ -f "$WORK/demo-unet/model.json" ] ||
  "$PY" -m seglab_trainer train --data "$WORK/data" "${UNET[@]}" "${COMMON[@]}" --out "$WORK/demo-unet"
[ "${ONLY:-}" = clicks ] || [ -f "$WORK/demo-deeplabv3plus/model.json" ] ||
  "$PY" -m seglab_trainer train --data "$WORK/data" "${DEEPLAB[@]}" "${COMMON[@]}" --out "$WORK/demo-deeplabv3plus"
[ -f "$WORK/demo-clicks/model.json" ] || "$PY" -m seglab_trainer train --data "$WORK/data" "${CLICKS[@]}" --out "$WORK/demo-clicks"

mkdir -p "$OUT"
if [ "${ONLY:-}" != clicks ]; then
"$PY" - "$WORK" "$OUT" "${COMMON[*]}" "${UNET[*]}" "${DEEPLAB[*]}" <<'PYEOF'
"""Copies each export under its demo name (the card's `name` names the predictions folder) and writes README.md."""
import json, os, shutil, sys

work, out, common, unet, deeplab = sys.argv[1:]
rows = []
for name, args in [("demo-unet", unet), ("demo-deeplabv3plus", deeplab)]:
    run = os.path.join(work, name)
    card = json.load(open(os.path.join(run, "model.json")))
    card["name"] = name
    shutil.copyfile(os.path.join(run, "model.onnx"), os.path.join(out, name + ".onnx"))
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    size = os.path.getsize(os.path.join(out, name + ".onnx"))
    events = [json.loads(l) for l in open(os.path.join(run, "progress.jsonl"))]
    seconds = round(events[-1]["time"] - next(e for e in events if e["type"] == "start")["time"])
    best = max((e for e in events if e["type"] == "epoch"), key=lambda e: e["val"]["miou"])
    ious = ", ".join(f"{c['name']} {i:.3f}" for c, i in zip(card["classes"], best["val"]["iou"]))
    rows.append(f"| `{name}` | `{args}` | {size / 1e6:.2f} MB | {best['val']['miou']:.3f} (epoch {best['epoch']}; {ious}) "
                f"| {seconds} s | `{card['sha256']}` |")
    print(f"{name}: {size} bytes, val mIoU {best['val']['miou']:.3f}, {seconds} s")

with open(os.path.join(out, "README.md"), "w") as f:
    f.write(f"""# Demo models

Written by `scripts/demo/train-models.sh` (do not edit by hand): the project's trainer
(`backend/`, `python -m seglab_trainer train`, Debian's CPU PyTorch 1.13) on the demo dataset of
`npm run demo:data` (seed 1: 40 train, 8 val images of 512x512), fp32 ONNX with dynamic height and
width, copied into each generated demo dataset's `models/` folder. Every `<name>.json` is the
trainer's model card (classes, input normalisation, training settings, metrics, sha256) with
`name` set to the demo name.

Common settings: `{common}` (AdamW, lr 1e-3, CE + Dice, random init: no ImageNet weights).
The DeepLabV3+ uses the trainer's size options (recorded in its card's `architectureOptions`):
MobileNetV3-Large at width 0.75 with the reduced tail, ASPP and decoder of 64 channels, so that it
stays under 10 MB (the default DeepLabV3+-MobileNetV3 exports to 47 MB); the backbone's BatchNorm
momentum is the trainer's default 0.1 (torchvision's 0.01 leaves the running statistics unusable
after 100 steps).

The trainer measures val mIoU (and picks the exported epoch) on the val images at their own 512
pixels, run the way the pre-labeler runs the model, so its figure is the `--split val` column of the
second table (`seglab prelabel` then `seglab miou`, the real pipeline) up to ONNX Runtime's rounding
and JPEG decoding (Pillow and the extension's jpeg-js differ by a few levels on some pixels).

| model | arch options | ONNX size | best val mIoU (trainer) | training time (wall, 2-core machine shared with other jobs) | sha256 |
|---|---|---|---|---|---|
""" + "\n".join(rows) + "\n\n| model | `seglab miou` all labeled | `--split val` |\n|---|---|---|\n")
PYEOF

miou() { node --import tsx src/cli/main.ts miou "$WORK/data" --json "$@" | "$PY" -c 'import json, sys; print("%.3f" % json.load(sys.stdin)["miou"])'; }
for name in demo-unet demo-deeplabv3plus; do
  node --import tsx src/cli/main.ts prelabel "$WORK/data" --model "$OUT/$name.onnx" >/dev/null
  echo "| \`$name\` | $(miou --model "$name") | $(miou --model "$name" --split val) |" | tee -a "$OUT/README.md"
done
fi
sed -i '/^Click model `demo-clicks`/,$d' "$OUT/README.md"
[ -z "$(tail -n1 "$OUT/README.md")" ] || echo >>"$OUT/README.md"

# The click model under its demo name (the card names its file), and NoC on the val split, magic wand alongside.
"$PY" - "$WORK/demo-clicks" "$OUT" <<'PYEOF'
import json, os, shutil, sys

run, out = sys.argv[1:]
card = json.load(open(os.path.join(run, "model.json")))
card["name"], card["model"]["file"] = "demo-clicks", "demo-clicks.onnx"
shutil.copyfile(os.path.join(run, "model.onnx"), os.path.join(out, "demo-clicks.onnx"))
with open(os.path.join(out, "demo-clicks.json"), "w") as f:
    json.dump(card, f, indent=2)
    f.write("\n")
events = [json.loads(l) for l in open(os.path.join(run, "progress.jsonl"))]
seconds = round(events[-1]["time"] - next(e for e in events if e["type"] == "start")["time"])
t = card["training"]
print(f"demo-clicks: {os.path.getsize(os.path.join(out, 'demo-clicks.onnx'))} bytes, {t['epochsRun']} epochs, "
      f"best epoch {t['bestEpoch']}, {seconds} s")
PYEOF
{
  echo "Click model \`demo-clicks\` (Smart Select, \`--task interactive\`): \`${CLICKS[*]}\`."
  echo "\`seglab noc --split val\` (20 clicks at most, targets of at least 64 pixels):"
  echo
  echo "| method | NoC@85 | NoC@90 | NoF@90 |"
  echo "|---|---|---|---|"
} >>"$OUT/README.md"
noc() { node --import tsx src/cli/main.ts noc "$WORK/data" --split val --json "$@" | "$PY" -c 'import json, sys
s = json.load(sys.stdin)["overall"]
print("%.2f | %.2f | %.1f %% |" % (s["noc"][0], s["noc"][1], 100 * s["nof"][1]))'; }
echo "| \`demo-clicks\` | $(noc --model "$OUT/demo-clicks.json")" | tee -a "$OUT/README.md"
echo "| magic wand | $(noc --wand)" | tee -a "$OUT/README.md"
