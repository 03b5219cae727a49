"""The click model: any registered architecture with one output channel, conditioned on clicks and a previous mask.

Input (N, 6, H, W): the normalised RGB crop, then the positive-click map, the negative-click map and the previous
mask (0/1). The three maps pass a small convolution stack whose output is added to the image (RITM's "conv1s"
fusion, moved before the first layer so every architecture takes it unchanged); the output is one logit map.
"""

import torch
from torch import nn

#: the input's channels, in order (recorded in the model card)
CHANNELS = ("red", "green", "blue", "positive", "negative", "previous")


class ClickModel(nn.Module):
    def __init__(self, net: nn.Module, hidden: int = 16):
        super().__init__()
        self.net = net
        self.maps = nn.Sequential(nn.Conv2d(3, hidden, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(hidden, 3, 1))
        self.multiple_of = getattr(net, "multiple_of", 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x[:, :3] + self.maps(x[:, 3:]))
