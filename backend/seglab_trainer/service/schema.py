"""The job contract shared with the extension: the request bodies of POST /v1/jobs and POST /v1/predictions, the
job states and the prediction record's fields the extension reads. `python -m seglab_trainer.service.schema` writes
them to backend/job-contract.schema.json, which the TypeScript client's test reads (a test here fails when the file
is stale); the routes validate with these same models."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, List, Optional

from pydantic import BaseModel, Field, validator
from pydantic.schema import schema as schema_of

from ..models import ARCHS

JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL = JOB_STATES[2:]
BACKBONES = ("resnet18", "resnet50", "resnet101", "mobilenet_v3_large")
OPTIMIZERS = ("adamw", "sgd")
#: job parameters named as in the model card's `architectureOptions` (U-Net's base/depth are unetBase/unetDepth)
OPTION_PARAMS = ("backbone", "asppChannels", "decoderChannels", "widthMult", "reducedTail", "backboneBnMomentum")
#: what each declared type accepts from JSON: integers are numbers too, booleans are not integers
JSON_TYPES = {bool: (bool,), int: (int,), float: (int, float), str: (str,)}
SCHEMA_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "job-contract.schema.json"
)


class StrictRequest(BaseModel):
    """A request body: nothing is coerced, a field with an `enum` takes exactly one of it and unknown fields fail."""

    class Config:
        extra = "forbid"

    @validator("*")
    def _one_of(cls, value: Any, field: Any) -> Any:
        choices = field.field_info.extra.get("enum")
        if choices and value is not None and value not in choices:  # exact: "resnet50\n" is not resnet50
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return value

    @validator("*", pre=True)
    def _strict(cls, value: Any, field: Any) -> Any:
        """pydantic 1 would coerce "2", true and 1.9 into an epoch count: the JSON type must be the field's."""
        declared = next(t for t in JSON_TYPES if issubclass(field.type_, t))  # a constrained int is an int
        accepted = JSON_TYPES[declared]
        if value is not None and (
            not isinstance(value, accepted) or (declared is not bool and isinstance(value, bool))
        ):
            raise ValueError(f"expected {declared.__name__}, got {json.dumps(value)[:40]}")
        return value


class JobRequest(StrictRequest):
    """Strict: no field is coerced (`"2"`, `true` or `1.9` is no epoch count) and unknown fields are refused."""

    dataset: str = Field(..., max_length=64, description="dataset id (sha256) returned by POST /v1/datasets")
    arch: str = Field("deeplabv3plus", enum=list(ARCHS))
    task: str = Field(
        "semantic",
        enum=["semantic", "interactive"],
        description="semantic: a pre-labeling model; interactive: a click model for Smart Select (a promptable card; "
        "imageSize is its crop size)",
    )
    backbone: Optional[str] = Field(None, enum=list(BACKBONES))
    epochs: int = Field(20, ge=1, le=10000)
    patience: Optional[int] = Field(
        None, ge=0, le=10000, description="stop after this many epochs without a better val mIoU (0: never; null: 10)"
    )
    minutes: Optional[float] = Field(
        None, gt=0, le=10080, description="time budget: as many epochs as fit, at most `epochs` (null: no budget)"
    )
    imageSize: Optional[int] = Field(None, ge=32, le=4096, description="training crop (null: from the images' sizes)")
    batchSize: Optional[int] = Field(None, ge=1, le=1024, description="null: from the device's memory and the data")
    lr: Optional[float] = Field(None, gt=0, lt=10)
    weightDecay: Optional[float] = Field(None, ge=0, lt=1)
    optimizer: str = Field("adamw", enum=list(OPTIMIZERS))
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
    sigmoid: bool = Field(
        False,
        description='export the model as one sigmoid channel with a "sigmoid" card; the dataset must have 2 classes',
    )
    initJob: Optional[str] = Field(None, max_length=32, description="start from the model of this succeeded job")
    device: Optional[str] = Field(None, max_length=64, description="one of /v1/health's device names")

    def dump(self) -> dict:
        return self.dict()


class PredictionRequest(StrictRequest):
    """POST /v1/predictions: one of dataset/path and one of job/model (the route checks which); nothing is coerced
    and unknown fields are refused."""

    dataset: Optional[str] = Field(None, max_length=64, description="an uploaded dataset's id")
    path: Optional[str] = Field(None, max_length=4096, description="a dataset folder under an allowed root")
    job: Optional[str] = Field(None, max_length=32, description="a succeeded training job: its model")
    model: Optional[str] = Field(None, max_length=64, description="an uploaded model's id (POST /v1/models)")
    onlyUnlabeled: bool = False
    tileSize: Optional[int] = Field(None, ge=64, le=8192, description="tile side for large images (null: 1024)")
    engine: str = Field(
        "auto",
        enum=["auto", "onnx", "torch"],
        description="onnx: SegLab's pre-labeler (ONNX Runtime, CPU); torch: a training job's checkpoint in PyTorch "
        "(GPU where there is one; same files); auto: torch where it runs the job's model exactly, else onnx",
    )


class RecordPart(BaseModel):
    """Part of a record the service writes: the fields the extension reads; the service may add others."""

    class Config:
        extra = "allow"


class PredictionModel(RecordPart):
    """The model a prediction job runs."""

    kind: str = Field(..., description="job: a training job's model; upload: an uploaded model")
    id: str
    name: str = Field(..., description="the card's name: the predictions folder's name")


class FailedImage(RecordPart):
    """An image the pre-labeler could not predict, and why."""

    path: str
    message: str


class PredictionRecord(RecordPart):
    """A prediction job as GET /v1/predictions/{id} answers it (and its events' `end`)."""

    id: str
    state: str = Field(..., enum=list(JOB_STATES))
    model: PredictionModel
    shards: int
    done: int
    total: int
    written: int
    skipped: int
    failed: List[FailedImage]
    error: Optional[str] = None


def contract() -> dict:
    """The JSON schema of JobRequest, with the job states and the prediction models under definitions."""
    schema = JobRequest.schema()
    definitions = schema.setdefault("definitions", {})
    definitions["JobState"] = {"type": "string", "enum": list(JOB_STATES)}
    definitions.update(schema_of([PredictionRequest, PredictionRecord])["definitions"])
    return schema


def contract_text() -> str:
    return json.dumps(contract(), indent=2) + "\n"


def main() -> int:
    with open(SCHEMA_FILE, "w", encoding="utf-8") as f:
        f.write(contract_text())
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
