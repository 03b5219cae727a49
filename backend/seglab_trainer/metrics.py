"""Confusion matrix and scores with the TypeScript core's semantics, accumulated over a whole split.

Rows are ground truth, columns predictions. Ground-truth pixels equal to the ignore index are skipped.
A ground-truth value outside [0, C) that is not the ignore index is skipped too and counted apart
(`unknownGtPixels`). A prediction outside [0, C) counts as a miss for its ground-truth class and for no
predicted class (an extra `missed` count per row). Same rules and field names as src/core/metrics/.
IoU = I/U (None when U = 0), mIoU = mean of the non-None IoUs, pixel accuracy = diagonal sum / counted pixels,
mean class accuracy = mean of the non-None recalls.
"""
from typing import Any, Dict, List, Optional

import numpy as np
import torch


class ConfusionMatrix:
    def __init__(self, num_classes: int, ignore_index: int = 255):
        self.num_classes, self.ignore_index = num_classes, ignore_index
        self.mat = np.zeros((num_classes, num_classes), dtype=np.int64)
        self.missed = np.zeros(num_classes, dtype=np.int64)
        self.ignored = 0
        self.unknown_gt = 0

    def update(self, gt, pred) -> None:
        """gt, pred: integer arrays or tensors of the same shape."""
        gt = gt.cpu().numpy() if isinstance(gt, torch.Tensor) else np.asarray(gt)
        pred = pred.cpu().numpy() if isinstance(pred, torch.Tensor) else np.asarray(pred)
        if gt.shape != pred.shape:
            raise ValueError(f"ground truth shape {gt.shape} differs from prediction shape {pred.shape}")
        gt, pred = gt.astype(np.int64).ravel(), pred.astype(np.int64).ravel()
        c = self.num_classes
        ignored = gt == self.ignore_index
        keep = ~ignored & (gt >= 0) & (gt < c)
        self.ignored += int(ignored.sum())
        self.unknown_gt += int((~ignored & ~keep).sum())
        gt, pred = gt[keep], pred[keep]
        inside = (pred >= 0) & (pred < c)
        self.mat += np.bincount(gt[inside] * c + pred[inside], minlength=c * c).reshape(c, c)
        self.missed += np.bincount(gt[~inside], minlength=c)

    def compute(self) -> Dict[str, Any]:
        tp = np.diag(self.mat)
        gt_total = self.mat.sum(1) + self.missed
        pred_total = self.mat.sum(0)
        union = gt_total + pred_total - tp
        iou: List[Optional[float]] = [float(tp[i] / union[i]) if union[i] else None for i in range(self.num_classes)]
        acc: List[Optional[float]] = [
            float(tp[i] / gt_total[i]) if gt_total[i] else None for i in range(self.num_classes)
        ]
        counted = int(gt_total.sum())
        valid_iou = [v for v in iou if v is not None]
        valid_acc = [v for v in acc if v is not None]
        return {
            "miou": float(np.mean(valid_iou)) if valid_iou else None,
            "pixelAccuracy": float(tp.sum() / counted) if counted else None,
            "meanAccuracy": float(np.mean(valid_acc)) if valid_acc else None,
            "iou": iou,
            "classAccuracy": acc,
            "pixels": counted,
            "ignoredPixels": self.ignored,
            "unknownGtPixels": self.unknown_gt,
        }
