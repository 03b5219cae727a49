import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from seglab_trainer.metrics import ConfusionMatrix


def test_hand_made_masks_with_ignore_and_out_of_range():
    gt = np.array([[0, 0, 1, 1], [2, 2, 255, 255]])
    pred = np.array(
        [[0, 1, 1, 7], [2, 0, 1, 2]]  # 7: outside [0, 3) -> a miss for gt class 1, no predicted class
    )  # the last two pixels are ignored whatever is predicted
    cm = ConfusionMatrix(3)
    cm.update(gt, pred)
    r = cm.compute()
    # class 0: tp 1, gt 2, pred 2 -> 1/3; class 1: tp 1, gt 2 (one miss), pred 2 -> 1/3;
    # class 2: tp 1, gt 2, pred 1 -> 1/2
    assert r["iou"] == pytest.approx([1 / 3, 1 / 3, 1 / 2])
    assert r["miou"] == pytest.approx((1 / 3 + 1 / 3 + 1 / 2) / 3)
    assert r["pixels"] == 6
    assert r["pixelAccuracy"] == pytest.approx(3 / 6)
    assert r["classAccuracy"] == pytest.approx([0.5, 0.5, 0.5]) and r["meanAccuracy"] == pytest.approx(0.5)
    assert r["ignoredPixels"] == 2 and r["unknownGtPixels"] == 0


def test_absent_class_is_null_and_left_out_of_means():
    cm = ConfusionMatrix(3)
    cm.update(np.array([0, 0, 1]), np.array([0, 0, 1]))
    r = cm.compute()
    assert r["iou"] == [1.0, 1.0, None] and r["miou"] == 1.0 and r["meanAccuracy"] == 1.0
    # a class that is only predicted has U > 0 and IoU 0
    cm.update(np.array([0]), np.array([2]))
    assert cm.compute()["iou"][2] == 0.0


def test_accumulates_over_the_dataset_not_per_image():
    cm = ConfusionMatrix(2)
    cm.update(np.array([0, 0, 0, 0]), np.array([0, 0, 0, 0]))  # per-image mIoU 1.0 (class 1 null)
    cm.update(np.array([1]), np.array([0]))  # per-image mIoU 0.0
    r = cm.compute()
    assert r["iou"] == pytest.approx([4 / 5, 0.0]) and r["miou"] == pytest.approx(0.4)


def test_all_ignored_gives_nulls():
    cm = ConfusionMatrix(2)
    cm.update(np.full((2, 2), 255), np.zeros((2, 2)))
    r = cm.compute()
    assert r["miou"] is None and r["pixelAccuracy"] is None and r["pixels"] == 0


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_SCRIPT = """
const { ConfusionMatrix } = require('./src/core/metrics/confusion');
const { computeScores } = require('./src/core/metrics/scores');
let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => {
  const inp = JSON.parse(s); const cm = new ConfusionMatrix(inp.c, inp.ignore);
  for (const im of inp.images) cm.accumulate(Uint8Array.from(im.gt), Uint8Array.from(im.pred));
  const r = computeScores(cm);
  console.log(JSON.stringify({ miou: r.miou, pixelAccuracy: r.pixelAccuracy, meanAccuracy: r.meanAccuracy,
    pixels: r.pixels, ignoredPixels: r.ignoredPixels, unknownGtPixels: r.unknownGtPixels,
    iou: r.classes.map((c) => c.iou), classAccuracy: r.classes.map((c) => c.accuracy) }));
});
"""


@pytest.mark.skipif(
    shutil.which("node") is None
    or not os.path.isdir(os.path.join(REPO, "node_modules", "tsx"))
    or not os.path.isfile(os.path.join(REPO, "src", "core", "metrics", "scores.ts")),
    reason="needs node and the repository's TypeScript core with tsx installed (npm ci)",
)
def test_same_figures_as_the_typescript_core():
    rng = np.random.default_rng(3)
    images = []
    for h, w in ((17, 23), (8, 40), (31, 5)):
        gt = rng.integers(0, 4, (h, w))
        gt[rng.random((h, w)) < 0.1] = 255  # ignored
        gt[rng.random((h, w)) < 0.03] = 9  # unknown ground truth
        pred = np.where(rng.random((h, w)) < 0.6, gt, rng.integers(0, 4, (h, w)))
        pred[rng.random((h, w)) < 0.05] = 200  # outside the classes
        pred[pred == 9] = 3
        images.append({"gt": gt.ravel().tolist(), "pred": pred.ravel().tolist()})
    images.append({"gt": [3] * 5, "pred": [3] * 5})  # class 3 appears in one image only
    cm = ConfusionMatrix(5)  # class 4 never appears: null
    for im in images:
        cm.update(np.array(im["gt"]), np.array(im["pred"]))
    ours = cm.compute()
    out = subprocess.run(
        ["node", "--import", "tsx", "-e", NODE_SCRIPT],
        cwd=REPO,
        capture_output=True,
        text=True,
        input=json.dumps({"c": 5, "ignore": 255, "images": images}),
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    theirs = json.loads(out.stdout)
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, abs=1e-12), key
    assert ours["iou"][4] is None and ours["unknownGtPixels"] > 0
