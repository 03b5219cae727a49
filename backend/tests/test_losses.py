import pytest
import torch
import torch.nn.functional as F

from seglab_trainer.losses import CEDiceLoss, soft_dice_loss


def test_dice_is_zero_for_a_perfect_prediction_and_ignores_255():
    target = torch.tensor([[[0, 1], [2, 255]]])
    logits = F.one_hot(torch.tensor([[[0, 1], [2, 0]]]), 3).permute(0, 3, 1, 2).float() * 100
    assert soft_dice_loss(logits, target).item() == pytest.approx(0.0, abs=1e-6)
    # changing the logits of the ignored pixel changes nothing
    logits2 = logits.clone()
    logits2[0, :, 1, 1] = torch.tensor([-50.0, 80.0, 3.0])
    assert soft_dice_loss(logits2, target).item() == pytest.approx(soft_dice_loss(logits, target).item(), abs=1e-7)


def test_dice_hand_computed():
    # two pixels, two classes, uniform probabilities, targets 0 and 1: I = 0.5 each, |P| = 1, |G| = 1
    logits = torch.zeros(1, 2, 1, 2)
    target = torch.tensor([[[0, 1]]])
    expected = 1 - (2 * 0.5 + 1) / (2 + 1)
    assert soft_dice_loss(logits, target).item() == pytest.approx(expected)


def test_ce_plus_dice_ignore_255():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 4, 4)
    target = torch.randint(0, 3, (2, 4, 4))
    target[:, 0] = 255
    loss = CEDiceLoss()
    base = loss(logits, target)
    noisy = logits.clone()
    noisy[:, :, 0] = torch.randn(2, 3, 4) * 10
    assert loss(noisy, target).item() == pytest.approx(base.item(), abs=1e-6)
    ce = F.cross_entropy(logits, target, ignore_index=255)
    assert base.item() == pytest.approx(0.5 * ce.item() + 0.5 * soft_dice_loss(logits, target).item(), abs=1e-6)
