"""`python -m seglab_trainer train` with a DeepLabV3+ slim enough for a demo model under 10 MB (fp32).

The trainer's DeepLabV3+ has a 256-channel ASPP and decoder and the full MobileNetV3-Large (47 MB
exported); it has no option to narrow them yet. This runs the unchanged trainer (same CLI, loop,
export and card) with `--arch deeplabv3plus --backbone mobilenet_v3_large` built as: MobileNetV3-Large
at width 0.75 with the reduced tail, ASPP and decoder of 64 channels (about 7 MB), and the backbone's
BatchNorm momentum at PyTorch's usual 0.1 instead of torchvision's 0.01 for MobileNetV3: a short run
(100 steps) otherwise validates and exports with running statistics still near their initial values
and predicts one class everywhere. Run with PYTHONPATH=backend.
"""
import sys
from functools import partial
from types import SimpleNamespace

import torchvision.models as tvm
from torch import nn

from seglab_trainer import train
from seglab_trainer.models import ARCHS, backbones
from seglab_trainer.models.deeplabv3plus import ASPP, DeepLabV3Plus, _conv_bn

WIDTH_MULT, CHANNELS, BN_MOMENTUM = 0.75, 64, 0.1
SLIM = {"widthMult": WIDTH_MULT, "reducedTail": True, "asppChannels": CHANNELS, "decoderChannels": CHANNELS,
        "backboneBnMomentum": BN_MOMENTUM}


class SlimDeepLabV3Plus(DeepLabV3Plus):
    def __init__(self, num_classes: int, backbone: str = "mobilenet_v3_large", backbone_weights=None):
        super().__init__(num_classes, backbone, backbone_weights)
        self.aspp = ASPP(self.backbone.out_channels, CHANNELS)
        self.decoder = nn.Sequential(_conv_bn(CHANNELS + 48, CHANNELS, 3), _conv_bn(CHANNELS, CHANNELS, 3))
        self.classifier = nn.Conv2d(CHANNELS, num_classes, 1)


if __name__ == "__main__":
    # Only MobileNetFeatures reads backbones.tvm.mobilenet_v3_large.
    backbones.tvm = SimpleNamespace(
        mobilenet_v3_large=partial(tvm.mobilenet_v3_large, width_mult=WIDTH_MULT, reduced_tail=True,
                                   norm_layer=partial(nn.BatchNorm2d, eps=0.001, momentum=BN_MOMENTUM)))
    ARCHS["deeplabv3plus"] = SlimDeepLabV3Plus
    sys.exit(train.run(sys.argv[1:]))
