"""One shard of an embedding job (embeddings.py): a promptable model's image encoder over a dataset's images on
Python ONNX Runtime (CUDA when this onnxruntime has it, else CPU), each image's embeddings written as
out/<key>.emb in the extension's embedding cache format (src/core/model/promptable/embeddingCache.ts) under its
key (the encoder's sha256 and preprocessing, from `seglab embed --check`, and the image file's sha256). The image
goes in exactly as core's encoderInput.ts makes it, to float64 arithmetic in the same order, so PNG images give
the host's embeddings. Images whose file exists are skipped (resume); SIGINT stops between images. The progress
file gets the lines of `seglab prelabel --progress`, each progress line with the image's stem and key."""
from __future__ import annotations

import argparse
import json
import os
import signal
import struct
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from ..dataset import read_image
from ..export import sha256_file

MAGIC = b"SEGLAB-EMB1\n"
SUFFIX = ".emb"


def host_pixels(path: str) -> np.ndarray:
    """The image as core's decodeImage sees it: 16-bit samples keep their high byte, alpha is dropped."""
    with Image.open(path) as im:
        if im.mode in ("I;16", "I;16B", "I;16L", "I"):
            grey = (np.array(im, dtype=np.uint32) >> 8).astype(np.uint8)
            return np.repeat(grey[:, :, None], 3, axis=2)
    return read_image(path)


def _taps(in_size: int, out_size: int):
    """bilinearTaps of core's preprocess.ts: torch's align_corners=False rule, weights rounded to float32."""
    src = np.maximum(0.0, (np.arange(out_size, dtype=np.float64) + 0.5) * (in_size / out_size) - 0.5)
    lo = np.minimum(np.floor(src), in_size - 1).astype(np.int64)
    w1 = (src - lo).astype(np.float32).astype(np.float64)
    return lo, np.minimum(lo + 1, in_size - 1), w1


def encoder_input(rgb: np.ndarray, spec: dict) -> np.ndarray:
    """encoderInput.ts: longest side resized to spec.size (rounded as samFrame), normalised, padded bottom-right."""
    h, w = rgb.shape[:2]
    s = spec["size"]
    scale = s / max(w, h)
    vh, vw = int(np.floor(h * scale + 0.5)), int(np.floor(w * scale + 0.5))
    data = rgb.astype(np.float64)
    if (vh, vw) != (h, w):
        r0, r1, wy = _taps(h, vh)
        c0, c1, wx = _taps(w, vw)
        wx, wy = wx[None, :, None], wy[:, None, None]
        top = data[r0][:, c0] * (1 - wx) + data[r0][:, c1] * wx
        bottom = data[r1][:, c0] * (1 - wx) + data[r1][:, c1] * wx
        data = top * (1 - wy) + bottom * wy
    a = 1.0 / np.array(spec["std"], dtype=np.float64)
    b = -np.array(spec["mean"], dtype=np.float64) / np.array(spec["std"], dtype=np.float64)
    hwc = np.zeros((s, s, 3), dtype=np.float32)
    hwc[:vh, :vw] = data * a + b
    out = hwc.transpose(2, 0, 1)[None] if spec["layout"] == "NCHW" else hwc
    if spec["dtype"] == "uint8":
        return np.clip(np.floor(out + np.float32(0.5)), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out)


def serialize(width: int, height: int, tensors: Dict[str, np.ndarray]) -> bytes:
    """serializeEmbeddings: MAGIC, u32 LE header length, the JSON header, padding to 4, float32 LE data."""
    header = {
        "width": width,
        "height": height,
        "tensors": [{"name": n, "dims": list(t.shape)} for n, t in tensors.items()],
    }
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    start = -(-(len(MAGIC) + 4 + len(text)) // 4) * 4
    head = MAGIC + struct.pack("<I", len(text)) + text
    body = b"".join(np.ascontiguousarray(t, dtype="<f4").tobytes() for t in tensors.values())
    return head + b"\0" * (start - len(head)) + body


def open_session(model: str, wanted: Optional[Sequence[str]] = None):
    """The encoder on CUDA when this onnxruntime has it, else CPU; the provider that runs first is the session's."""
    import onnxruntime as ort  # pyright: ignore[reportMissingImports] (the `embeddings` extra)

    available = ort.get_available_providers()
    providers = [p for p in (wanted or ("CUDAExecutionProvider", "CPUExecutionProvider")) if p in available]
    return ort.InferenceSession(model, providers=providers or ["CPUExecutionProvider"])


def check_io(session, model: dict, path: str) -> None:
    """The card's encoder input and mapped outputs exist in the ONNX file."""
    inputs = [i.name for i in session.get_inputs()]
    outputs = {o.name for o in session.get_outputs()}
    if model["input"]["name"] not in inputs:
        raise ValueError(f"{path}: the card's encoder.input.name {model['input']['name']!r} is not an input ({inputs})")
    missing = sorted(set(model["embeddings"].values()) - outputs)
    if missing:
        raise ValueError(f"{path}: the card maps encoder outputs {missing} that the encoder lacks ({sorted(outputs)})")


def embed(session, model: dict, rgb: np.ndarray) -> Dict[str, np.ndarray]:
    """The decoder input -> encoder output tensors of one image, in the card's order (encodeImage)."""
    names = list(dict.fromkeys(model["embeddings"].values()))
    values = dict(zip(names, session.run(names, {model["input"]["name"]: encoder_input(rgb, model["input"])})))
    for name, v in values.items():
        if v.dtype != np.float32:
            raise ValueError(f"encoder output {name!r} is {v.dtype}, embeddings are float32")
    return {decoder_input: values[output] for decoder_input, output in model["embeddings"].items()}


def run(job: dict, root: str, model_file: str, out: str, progress: str, stems: Optional[List[str]]) -> int:
    wanted = None if stems is None else set(stems)
    images = [i for i in job["images"] if wanted is None or i["stem"] in wanted]
    log = _appender(progress)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())  # the service's cancel: stop between images
    session = open_session(model_file)
    provider = session.get_providers()[0]
    log({"type": "start", "provider": provider, "total": len(images)})
    check_io(session, job["model"], model_file)
    os.makedirs(out, exist_ok=True)
    counts, failed, started = {"written": 0, "skipped": 0}, [], time.time()
    for done, item in enumerate(images, 1):
        if stop.is_set():
            break
        line = {"type": "progress", "done": done, "total": len(images), "stem": item["stem"]}
        try:
            line["key"], outcome = _embed_one(session, job["model"], root, item["image"], out)
            counts[outcome] += 1
        except Exception as e:  # the image's: unreadable, or refused by ONNX Runtime (its errors are plain Exceptions)
            failed.append({"path": item["image"], "stem": item["stem"], "message": str(e).replace(root + os.sep, "")})
        log(line)
    seconds = round(time.time() - started, 3)
    log(
        {
            "type": "done",
            **counts,
            "failed": failed,
            "cancelled": stop.is_set(),
            "seconds": seconds,
            "provider": provider,
        }
    )
    return 1 if failed or stop.is_set() else 0


def _embed_one(session, model: dict, root: str, image: str, out: str) -> Tuple[str, str]:
    """(key, "written" or "skipped") for one image of the dataset."""
    real_root = os.path.realpath(root)
    path = os.path.realpath(os.path.join(root, image))
    if os.path.commonpath([path, real_root]) != real_root:
        raise ValueError(f"{image}: outside the dataset")
    key = f"{model['keyPrefix']}-{sha256_file(path)}"
    target = os.path.join(out, key + SUFFIX)
    if os.path.isfile(target):
        return key, "skipped"
    rgb = host_pixels(path)
    data = serialize(rgb.shape[1], rgb.shape[0], embed(session, model, rgb))
    with open(target + ".tmp", "wb") as f:  # a file under its key is complete
        f.write(data)
    os.replace(target + ".tmp", target)
    return key, "written"


def _appender(path: str):
    def log(line: dict) -> None:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    return log


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m seglab_trainer.service.embed_worker", description=__doc__)
    p.add_argument("--root", required=True, help="the dataset folder")
    p.add_argument("--job", required=True, help="the job's embed.json: `seglab embed --check --json`'s answer")
    p.add_argument("--model", required=True, help="the encoder .onnx")
    p.add_argument("--out", required=True, help="the folder for <key>.emb files")
    p.add_argument("--progress", required=True, help="the JSON lines progress file")
    p.add_argument("--stems", help="only these stems (one a line)")
    args = p.parse_args(argv)
    with open(args.job, encoding="utf-8") as f:
        job = json.load(f)
    stems = None
    if args.stems:
        with open(args.stems, encoding="utf-8") as f:
            stems = [line for line in f.read().split("\n") if line]
    return run(job, args.root, args.model, args.out, args.progress, stems)


if __name__ == "__main__":
    sys.exit(main())
