"""Hostile and broken uploads against the real service (`serve` in a subprocess): archives built to exhaust
memory are refused while the service's peak RSS stays low, bad training files get a 422 that names them as in
the archive, and uploads beyond the concurrency limit get a 429."""
import gzip
import io
import json
import os
import struct
import tarfile
import threading
import time
import zlib

import numpy as np
import pytest
from PIL import Image

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from seglab_trainer.service.client import LocalService, tar_of  # noqa: E402
from tests.synthetic import make_dataset  # noqa: E402

TOKEN = "upload-token"
#: how much a refused bomb may raise the service's peak RSS (the old tarfile-based reader took 256 MB and more)
RSS_BOUND_MB = 64


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = LocalService(
        str(tmp_path_factory.mktemp("svc") / "data"), TOKEN, ["--max-upload-mb", "1", "--max-uploads", "1"]
    )
    yield svc
    svc.stop()


def _header(name: str, kind: bytes, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.type, info.size = kind, size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _gzip_stream(parts) -> bytes:
    """gzip of the concatenated byte strings, built piece by piece so the test never holds the expansion."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    out = [z.compress(p) for p in parts]
    return b"".join(out) + z.flush()


def _extended_bomb(kind: bytes, mb: int = 256) -> bytes:
    """A PAX (`x`) or GNU long-name (`L`) header announcing `mb` MB (tarfile would read all of it), then a file."""
    name = "././@LongLink" if kind == b"L" else "pax"
    return _gzip_stream([_header(name, kind, mb << 20), *[b"a" * (1 << 20)] * mb, _header("x", b"0", 0)])


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def _reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS


BOMBS = {
    "PAX header of 256 MB": (lambda: _extended_bomb(b"x"), 413, "extended header"),
    "GNU long name of 256 MB": (lambda: _extended_bomb(b"L"), 413, "extended header"),
    "250 000 ./ entries": (lambda: _gzip_stream([_header("./", b"5", 0)] * 250_000), 413, "more than 200000 entries"),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_memory_bombs_are_refused_within_a_memory_bound(service, name):
    make, status, words = BOMBS[name]
    body = make()
    assert len(body) < 1 << 20  # under the upload limit: only the reader's own limits can stop it
    pid = service.proc.pid
    _reset_peak(pid)
    before = _peak_rss_mb(pid)
    r = service.client.post("/v1/datasets", content=body)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    assert (
        _peak_rss_mb(pid) - before < RSS_BOUND_MB
    ), f"peak RSS rose from {before:.0f} MB to {_peak_rss_mb(pid):.0f} MB"
    assert os.listdir(os.path.join(service.data_dir, "tmp")) == []


def test_paths_deeper_than_the_limit_are_refused(service):
    info = tarfile.TarInfo("a/" * 40 + "x.png")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        tf.addfile(info, io.BytesIO(b""))
    r = service.client.post("/v1/datasets", content=buf.getvalue())
    assert r.status_code == 400 and "folders deep" in r.json()["detail"]


def _png(width: int, height: int, depth: int = 8, color: int = 3) -> bytes:
    """A PNG whose IHDR says width x height, with a few bytes of pixel data: only a header check refuses it cheaply."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _save(root: str, rel: str, array: np.ndarray, mode: str) -> None:
    Image.fromarray(array, mode=mode).save(os.path.join(root, rel))


def test_bad_training_files_get_a_422_naming_each_by_its_archive_path(service, tmp_path):
    root = make_dataset(str(tmp_path / "ds"), count=8, size=32)
    _save(root, "masks/img000.png", np.zeros((32, 32, 3), np.uint8), "RGB")
    Image.fromarray(np.zeros((32, 32), np.uint16)).save(os.path.join(root, "masks/img001.png"))  # 16-bit
    _save(root, "masks/img002.png", np.full((32, 32), 7, np.uint8), "L")  # 3 classes, ignore 255
    _save(root, "masks/img003.png", np.zeros((16, 32), np.uint8), "L")  # image is 32x32
    with open(os.path.join(root, "masks/img004.png"), "w") as f:
        f.write("not a png at all")
    with open(os.path.join(root, "masks/img005.png"), "wb") as f:
        f.write(_png(100_000, 100_000))
    with open(os.path.join(root, "images/img006.png"), "wb") as f:
        f.write(_png(100_000, 100_000, color=2))
    started = time.time()
    r = service.client.post("/v1/datasets", content=tar_of(root))
    assert r.status_code == 422, r.text
    assert time.time() - started < 20  # nothing 100000x100000 was decoded
    problems = {p["file"]: p["problem"] for p in r.json()["files"]}
    assert problems.keys() == {f"masks/img00{i}.png" for i in range(6)} | {"images/img006.png"}, problems
    assert "8-bit RGB" in problems["masks/img000.png"] and "16-bit" in problems["masks/img001.png"]
    assert "mask value 7" in problems["masks/img002.png"] and "32x16 differs" in problems["masks/img003.png"]
    assert "not a PNG" in problems["masks/img004.png"] and "100000x100000" in problems["masks/img005.png"]
    assert "pixels" in problems["images/img006.png"]
    for name in problems:
        assert name in r.json()["detail"]
    assert service.data_dir not in r.text and str(tmp_path) not in r.text


def test_an_archive_with_one_top_folder_is_named_with_it(service, tmp_path):
    root = make_dataset(str(tmp_path / "top"), count=3, size=32)
    _save(root, "masks/img001.png", np.full((32, 32), 9, np.uint8), "L")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        tf.add(root, arcname="mydata")
    r = service.client.post("/v1/datasets", content=buf.getvalue())
    assert r.status_code == 422 and [p["file"] for p in r.json()["files"]] == ["mydata/masks/img001.png"], r.text


CONFIGS = {
    "unknown key": ({"ignoreindex": 0}, 'unknown key "ignoreindex"'),
    "unknown class key": (
        {"classes": [{"id": 0, "name": "bg", "color": [0, 0, 0], "colour": 1}]},
        'unknown key "colour"',
    ),
    "imagesDir 123": ({"imagesDir": 123}, "imagesDir: expected a non-empty relative path"),
    "splits.train 5": ({"splits": {"train": 5}}, "splits.train: expected a non-empty relative path"),
    "splits a list": ({"splits": ["train.txt"]}, "splits: expected an object"),
    "classes a number": ({"classes": 5}, '"classes" must be a non-empty list'),
    "imagesDir with NUL": ({"imagesDir": "images\u0000"}, "imagesDir: expected a non-empty relative path"),
    "empty split name": ({"splits": {"": "train.txt"}}, "a split name is empty"),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_seglab_json_is_checked_as_the_cli_checks_it(service, tmp_path, name):
    change, words = CONFIGS[name]
    root = make_dataset(str(tmp_path / "ds"), count=2, size=32)
    with open(os.path.join(root, "seglab.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(root, "seglab.json"), "w") as f:
        json.dump({**cfg, **change}, f)
    r = service.client.post("/v1/datasets", content=tar_of(root))
    assert r.status_code == 422 and words in r.json()["detail"] and "seglab.json" in r.json()["detail"], r.text


def test_a_seglab_json_nested_thousands_deep_is_a_422(service, tmp_path):
    root = make_dataset(str(tmp_path / "ds"), count=2, size=32)
    with open(os.path.join(root, "seglab.json"), "w") as f:
        f.write('{"classes": ' + "[" * 3000 + "]" * 3000 + "}")
    r = service.client.post("/v1/datasets", content=tar_of(root))
    assert r.status_code == 422 and "not valid JSON" in r.json()["detail"], r.text


def test_seglab_json_keys_are_the_typescript_lists():
    """The CLI's rule lives in src/core/dataset/config.ts: the service must accept and refuse the same keys."""
    from seglab_trainer.config_rules import CLASS_KEYS, CONFIG_KEYS

    path = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "dataset", "config.ts")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    known = source.split("const KNOWN_KEYS = [", 1)[1].split("]", 1)[0]
    assert tuple(k.strip().strip("'") for k in known.split(",")) == CONFIG_KEYS
    assert f"!{list(CLASS_KEYS)!r}.includes(k)" in source


def test_uploads_beyond_the_limit_get_a_429(service, tmp_path):
    """--max-uploads 1: a second upload while one is still arriving is refused at once."""
    started = threading.Event()

    def slow_body():
        yield b"\0" * 512
        started.set()
        time.sleep(3)
        yield b"\0" * 512

    first = {}
    thread = threading.Thread(target=lambda: first.update(r=service.client.post("/v1/datasets", content=slow_body())))
    thread.start()
    started.wait(10)
    time.sleep(0.5)
    r = service.client.post("/v1/datasets", content=tar_of(make_dataset(str(tmp_path / "ds"), count=2, size=32)))
    thread.join()
    assert r.status_code == 429 and "retry" in r.json()["detail"], r.text
    assert first["r"].status_code == 422  # an empty archive: the slot was the first upload's
    again = service.client.post("/v1/datasets", content=tar_of(str(tmp_path / "ds")))
    assert again.status_code == 201, again.text


def test_gzip_uploads_are_read_too(service, tmp_path):
    body = gzip.compress(tar_of(make_dataset(str(tmp_path / "ds"), count=3, size=32)))
    r = service.client.post("/v1/datasets", content=body)
    assert r.status_code == 201 and r.json()["labeled"] == 3, r.text
