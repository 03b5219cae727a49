import numpy as np
import pytest

from seglab_trainer.metrics import ConfusionMatrix


def test_hand_made_masks_with_ignore_and_out_of_range():
    gt = np.array([[0, 0, 1, 1],
                   [2, 2, 255, 255]])
    pred = np.array([[0, 1, 1, 7],      # 7: outside [0, 3) -> a miss for gt class 1, no predicted class
                     [2, 0, 1, 2]])      # the last two pixels are ignored whatever is predicted
    cm = ConfusionMatrix(3)
    cm.update(gt, pred)
    r = cm.compute()
    # class 0: tp 1, gt 2, pred 2 -> 1/3; class 1: tp 1, gt 2 (one miss), pred 2 -> 1/3; class 2: tp 1, gt 2, pred 1 -> 1/2
    assert r["iou"] == pytest.approx([1 / 3, 1 / 3, 1 / 2])
    assert r["miou"] == pytest.approx((1 / 3 + 1 / 3 + 1 / 2) / 3)
    assert r["pixels"] == 6
    assert r["pixelAccuracy"] == pytest.approx(3 / 6)
    assert r["classAccuracy"] == pytest.approx([0.5, 0.5, 0.5])


def test_absent_class_is_null_and_left_out_of_means():
    cm = ConfusionMatrix(3)
    cm.update(np.array([0, 0, 1]), np.array([0, 0, 1]))
    r = cm.compute()
    assert r["iou"] == [1.0, 1.0, None] and r["miou"] == 1.0 and r["meanClassAccuracy"] == 1.0
    # a class that is only predicted has U > 0 and IoU 0
    cm.update(np.array([0]), np.array([2]))
    assert cm.compute()["iou"][2] == 0.0


def test_accumulates_over_the_dataset_not_per_image():
    cm = ConfusionMatrix(2)
    cm.update(np.array([0, 0, 0, 0]), np.array([0, 0, 0, 0]))  # per-image mIoU 1.0 (class 1 null)
    cm.update(np.array([1]), np.array([0]))                    # per-image mIoU 0.0
    r = cm.compute()
    assert r["iou"] == pytest.approx([4 / 5, 0.0]) and r["miou"] == pytest.approx(0.4)


def test_all_ignored_gives_nulls():
    cm = ConfusionMatrix(2)
    cm.update(np.full((2, 2), 255), np.zeros((2, 2)))
    r = cm.compute()
    assert r["miou"] is None and r["pixelAccuracy"] is None and r["pixels"] == 0
