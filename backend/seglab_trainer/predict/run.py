"""One prediction run over a dataset, as src/core/model/prelabelDataset.ts does it: images already predicted by
the same export are skipped, each mask is written atomically, a label mask is never overwritten, one bad image
is reported and the run goes on, a stop request ends it between batches and the manifest is saved. Decoding and
PNG encoding run in a thread pool with bounded prefetch while the model runs batches of images of one size;
results are committed (manifest, progress) in the images' order, so the files and the manifest are the same
for any batch size or pool size."""
from __future__ import annotations

import collections
import json
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Deque, Dict, List, Optional, Set, Tuple

import numpy as np

from ..dataset import DatasetConfig, DatasetError
from .card import TorchModel
from .images import Entry, decode_image, encode_mask, entries, palette, write_atomic
from .infer import Predicted, Predictor
from .manifest import read_manifest, record, write_manifest

MANIFEST_SAVE_S = 2.0


@dataclass
class RunOptions:
    out_dir: str
    only_unlabeled: bool = False
    stems: Optional[Set[str]] = None
    batch: int = 8
    workers: int = 4
    progress: Optional[str] = None  # the --progress file


@dataclass
class Slot:
    """An image in flight: its decode, then (once its batch ran) its PNG write, which yields its record."""

    entry: Entry
    target: str
    decoded: "Optional[Future[np.ndarray]]" = None
    written: "Optional[Future[dict]]" = None


@dataclass
class Result:
    out_dir: str
    total: int
    written: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    failed: List[dict] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    warnings: List[str] = field(default_factory=list)


def check_out_dir(root: str, cfg: DatasetConfig, out_dir: str) -> None:
    """Predictions stay out of the label masks and images folders."""
    for rel, what in ((cfg.masks_dir, "label masks"), (cfg.images_dir, "images")):
        folder = os.path.realpath(os.path.join(root, rel))
        if rel not in ("", ".") and os.path.commonpath([os.path.realpath(out_dir), folder]) == folder:
            raise DatasetError(out_dir, f"is inside the dataset's {what} folder ({folder})")


class PredictionRun:
    def __init__(self, root: str, cfg: DatasetConfig, model: TorchModel, predictor: Predictor, opts: RunOptions):
        self.cfg, self.model, self.predictor, self.opts = cfg, model, predictor, opts
        self.todo = entries(root, cfg, opts.only_unlabeled, opts.stems)
        self.label_masks = {os.path.realpath(e.mask) for e in entries(root, cfg, False, None) if e.mask}
        self.result = Result(opts.out_dir, len(self.todo))
        self.plte = palette(cfg)
        self.stop = threading.Event()
        self.slots: Deque[Slot] = collections.deque()  # oldest first: committed in this order
        self.decoding: Deque[Slot] = collections.deque()
        self.buckets: Dict[Tuple[int, int], List[Tuple[Slot, np.ndarray]]] = {}
        self.seen = np.zeros(256, dtype=bool)
        self.prefetch = 2 * opts.batch + opts.workers
        self.pool = ThreadPoolExecutor(opts.workers, thread_name_prefix="seglab-predict")

    def log(self, line: dict) -> None:
        if self.opts.progress:
            with open(self.opts.progress, "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")

    def done_count(self) -> int:
        r = self.result
        return len(r.written) + len(r.skipped) + len(r.failed)

    def run(self) -> Result:
        start = time.time()
        os.makedirs(self.opts.out_dir, exist_ok=True)
        self.manifest = read_manifest(self.opts.out_dir, self.model.name, self.model.sha256)
        self.manifest.update(sha256=self.model.sha256, mapping=self.model.mapping)
        self.last_save = time.time()
        try:
            for entry in self.todo:
                if self.stop.is_set():
                    break
                self._start(entry)
                while len(self.decoding) >= self.prefetch and not self.stop.is_set():
                    self._take_decoded()
            while self.decoding and not self.stop.is_set():
                self._take_decoded()
            for size in list(self.buckets):
                if not self.stop.is_set():
                    self._flush(size)
            self._commit(wait=True)
        finally:
            self._drop_unfinished()
            write_manifest(self.opts.out_dir, self.manifest)
        self.result.cancelled = self.stop.is_set()
        self.result.seconds = time.time() - start
        self._warn_one_class()
        return self.result

    def _start(self, entry: Entry) -> None:
        target = os.path.join(self.opts.out_dir, f"{entry.stem}.png")
        if self.manifest["images"].get(entry.stem, {}).get("sha256") == self.model.sha256 and os.path.isfile(target):
            self.result.skipped.append(entry.stem)
            return
        self.log({"type": "progress", "done": self.done_count(), "total": self.result.total, "current": entry.stem})
        slot = Slot(entry, target)
        self.slots.append(slot)
        if os.path.realpath(target) in self.label_masks:
            slot.written = _failed(DatasetError(target, "is a label mask; not overwritten"))
        else:
            slot.decoded = self.pool.submit(decode_image, entry.image)
            self.decoding.append(slot)
        self._commit(wait=len(self.slots) > 2 * self.prefetch)

    def _take_decoded(self) -> None:
        """The oldest decode: a failure is the image's outcome; a tiled image runs now; others join a batch."""
        slot = self.decoding.popleft()
        assert slot.decoded is not None
        try:
            image = slot.decoded.result()
        except Exception as e:  # noqa: BLE001 (the image's own failure, reported as the pre-labeler does)
            slot.written = _failed(e)
            return
        h, w = image.shape[:2]
        if self.predictor.tiled(h, w):
            self._write(slot, self.predictor.predict_tiled(image))
            return
        bucket = self.buckets.setdefault((h, w), [])
        bucket.append((slot, image))
        if len(bucket) >= self.opts.batch:
            self._flush((h, w))
        elif sum(len(b) for b in self.buckets.values()) >= self.opts.batch:
            self._flush(max(self.buckets, key=lambda s: len(self.buckets[s])))

    def _flush(self, size: Tuple[int, int]) -> None:
        items = self.buckets.pop(size)
        try:
            predicted = self.predictor.predict_batch([image for _, image in items])
        except (RuntimeError, ValueError) as e:  # e.g. out of memory: the batch's images fail, named
            for slot, _ in items:
                slot.written = _failed(e)
            return
        for (slot, _), p in zip(items, predicted):
            self._write(slot, p)

    def _write(self, slot: Slot, p: Predicted) -> None:
        slot.written = self.pool.submit(self._encode_write, slot.target, p)

    def _encode_write(self, target: str, p: Predicted) -> dict:
        write_atomic(target, encode_mask(p.labels, self.plte))
        return record(self.model.sha256, p)

    def _commit(self, wait: bool) -> None:
        """Records the oldest slots whose outcome is known (waits for the oldest first when `wait`)."""
        while self.slots and self.slots[0].written is not None and (wait or self.slots[0].written.done()):
            slot = self.slots.popleft()
            assert slot.written is not None
            try:
                rec = self.manifest["images"][slot.entry.stem] = slot.written.result()
                self.result.written.append(slot.entry.stem)
                self.seen[[int(v) for v in rec["classPixels"]]] = True
            except Exception as e:  # noqa: BLE001
                path = e.path if isinstance(e, DatasetError) else slot.entry.image
                self.result.failed.append({"path": path, "message": getattr(e, "detail", str(e))})
            if time.time() - self.last_save > MANIFEST_SAVE_S:
                write_manifest(self.opts.out_dir, self.manifest)
                self.last_save = time.time()

    def _drop_unfinished(self) -> None:
        """After a stop (or an error): decodes not started are cancelled and images not yet predicted dropped;
        writes already running finish and are recorded."""
        for slot in self.decoding:
            if slot.decoded is not None:
                slot.decoded.cancel()
        self.decoding.clear()
        self.buckets.clear()
        self.pool.shutdown(wait=True)
        self.slots = collections.deque(s for s in self.slots if s.written is not None)
        self._commit(wait=True)

    def _warn_one_class(self) -> None:
        values = np.flatnonzero(self.seen)
        if len(self.result.written) > 1 and len(values) == 1:
            v = int(values[0])
            name = next(
                (c.name for c in self.cfg.classes if c.id == v), "unlabeled" if v == self.cfg.ignore_index else "?"
            )
            self.result.warnings.append(
                f"every pixel of all {len(self.result.written)} predictions is class {v} ({name}): "
                "check the model card (output.kind, normalisation, classes)"
            )


def _failed(error: Exception) -> "Future[dict]":
    f: "Future[dict]" = Future()
    f.set_exception(error)
    return f
