"""The job contract shared with the extension: the request body of POST /v1/jobs and the job states."""
from __future__ import annotations

from typing import Optional

from pydantic import VERSION as PYDANTIC_VERSION
from pydantic import BaseModel, Field

from ..models import ARCHS

PYDANTIC_V2 = PYDANTIC_VERSION.startswith("2")
JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL = JOB_STATES[2:]
BACKBONES = ("resnet18", "resnet50", "resnet101", "mobilenet_v3_large")
#: job parameters named as in the model card's `architectureOptions` (U-Net's base/depth are unetBase/unetDepth)
OPTION_PARAMS = ("backbone", "asppChannels", "decoderChannels", "widthMult", "reducedTail", "backboneBnMomentum")


def _one_of(choices) -> dict:
    """pydantic 1 calls it `regex`, pydantic 2 `pattern`."""
    p = f"^({'|'.join(choices)})$"
    return {"pattern": p} if PYDANTIC_V2 else {"regex": p}


class JobRequest(BaseModel):
    dataset: str = Field(..., description="dataset id (sha256) returned by POST /v1/datasets")
    arch: str = Field("deeplabv3plus", **_one_of(ARCHS))
    backbone: Optional[str] = Field(None, **_one_of(BACKBONES))
    epochs: int = Field(20, ge=1, le=10000)
    imageSize: int = Field(512, ge=32, le=4096)
    batchSize: int = Field(8, ge=1, le=1024)
    lr: Optional[float] = Field(None, gt=0, lt=10)
    weightDecay: Optional[float] = Field(None, ge=0, lt=1)
    optimizer: str = Field("adamw", **_one_of(("adamw", "sgd")))
    seed: int = Field(0, ge=0, le=2**31)
    unetBase: Optional[int] = Field(None, ge=1, le=512)
    unetDepth: Optional[int] = Field(None, ge=1, le=8)
    asppChannels: Optional[int] = Field(None, ge=8, le=4096, description="deeplabv3plus: ASPP width (default 256)")
    decoderChannels: Optional[int] = Field(
        None, ge=8, le=4096, description="deeplabv3plus: decoder width (default 256)"
    )
    widthMult: Optional[float] = Field(None, gt=0, le=4, description="deeplabv3plus + mobilenet_v3_large (default 1.0)")
    reducedTail: Optional[bool] = Field(None, description="deeplabv3plus + mobilenet_v3_large (default false)")
    backboneBnMomentum: Optional[float] = Field(None, gt=0, le=1, description="deeplabv3plus (default 0.1)")
    initJob: Optional[str] = Field(None, description="start from the model of this succeeded job")
    device: Optional[str] = None

    def dump(self) -> dict:
        return self.model_dump() if PYDANTIC_V2 else self.dict()  # type: ignore[attr-defined]
