"""Cross-entropy with ignore_index plus soft Dice over the softmax, both blind to ignored pixels."""
import torch
import torch.nn.functional as F
from torch import nn


def soft_dice_loss(
    logits: torch.Tensor, target: torch.Tensor, ignore_index: int = 255, smooth: float = 1.0
) -> torch.Tensor:
    """1 - mean over classes of (2|P∩G| + smooth) / (|P| + |G| + smooth), sums over the valid pixels of the batch.
    logits (N,C,H,W), target (N,H,W) int64."""
    num_classes = logits.shape[1]
    probs = logits.float().softmax(dim=1)
    valid = (target != ignore_index).unsqueeze(1)
    onehot = F.one_hot(torch.where(valid.squeeze(1), target, torch.zeros_like(target)), num_classes)
    onehot = onehot.permute(0, 3, 1, 2).to(probs.dtype) * valid
    probs = probs * valid
    dims = (0, 2, 3)
    inter = (probs * onehot).sum(dims)
    card = probs.sum(dims) + onehot.sum(dims)
    return 1.0 - ((2.0 * inter + smooth) / (card + smooth)).mean()


class CEDiceLoss(nn.Module):
    def __init__(self, ignore_index: int = 255, ce_weight: float = 0.5, dice_weight: float = 0.5, smooth: float = 1.0):
        super().__init__()
        self.ignore_index, self.ce_weight, self.dice_weight, self.smooth = ignore_index, ce_weight, dice_weight, smooth

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = logits.new_zeros((), dtype=torch.float32)
        if self.ce_weight:
            loss = loss + self.ce_weight * F.cross_entropy(logits.float(), target, ignore_index=self.ignore_index)
        if self.dice_weight:
            loss = loss + self.dice_weight * soft_dice_loss(logits, target, self.ignore_index, self.smooth)
        return loss


class BinaryBCEDiceLoss(nn.Module):
    """The click model's loss on one logit map: binary cross-entropy plus soft Dice of the sigmoid, both over the
    valid pixels only (target (N,H,W) int64: 0, 1, or ignore_index where the label is unknown or past the image).
    BCE trains every pixel; Dice keeps small targets from drowning in the background."""

    def __init__(self, ignore_index: int = 255, bce_weight: float = 0.5, dice_weight: float = 0.5, smooth: float = 1.0):
        super().__init__()
        self.ignore_index, self.bce_weight, self.dice_weight, self.smooth = (
            ignore_index,
            bce_weight,
            dice_weight,
            smooth,
        )

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        logits = logits.float()[:, 0]
        valid = (target != self.ignore_index).float()
        truth = (target == 1).float()
        bce = F.binary_cross_entropy_with_logits(logits, truth, reduction="none")
        bce = (bce * valid).sum() / valid.sum().clamp(min=1)
        probs = logits.sigmoid() * valid
        dims = (1, 2)
        dice = (2 * (probs * truth).sum(dims) + self.smooth) / (
            probs.sum(dims) + (truth * valid).sum(dims) + self.smooth
        )
        return self.bce_weight * bce + self.dice_weight * (1 - dice.mean())
