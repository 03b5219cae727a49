"""backend/job-contract.schema.json is what the TypeScript client is checked against
(test/training/jobContract.test.ts): it must be the service's requests, job states and prediction record as they
are now."""
import pytest
from pydantic import ValidationError

from seglab_trainer.models import ARCHS
from seglab_trainer.service.schema import (
    JOB_STATES,
    SCHEMA_FILE,
    PredictionRecord,
    PredictionRequest,
    contract,
    contract_text,
)


def test_the_committed_contract_is_current():
    with open(SCHEMA_FILE, encoding="utf-8") as f:
        assert f.read() == contract_text(), "stale: run `python -m seglab_trainer.service.schema` in backend/"


def test_the_contract_holds_the_architectures_and_the_states():
    schema = contract()
    assert schema["properties"]["arch"]["enum"] == list(ARCHS)
    assert schema["definitions"]["JobState"]["enum"] == list(JOB_STATES)
    assert schema["additionalProperties"] is False and schema["required"] == ["dataset"]


def test_prediction_requests_are_strict_and_records_keep_their_other_fields():
    for body in (
        {"tileSize": "64"},
        {"tileSize": 32},
        {"tileSize": 64.0},
        {"onlyUnlabeled": 1},
        {"dataset": 5},
        {"x": 1},
    ):
        with pytest.raises(ValidationError):
            PredictionRequest.parse_obj(body)
    assert PredictionRequest.parse_obj({"dataset": "d", "job": "j", "tileSize": 64}).onlyUnlabeled is False
    model = {"kind": "job", "id": "j", "name": "unet"}
    record = {"id": "p", "state": "queued", "model": model, "shards": 1, "failed": [], "attempts": 0}
    record.update(done=0, total=3, written=0, skipped=0)
    assert PredictionRecord.parse_obj(record).dict() == {**record, "error": None}
    assert set(contract()["definitions"]) >= {"JobState", "PredictionRequest", "PredictionRecord"}
