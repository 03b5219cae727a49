"""backend/job-contract.schema.json is what the TypeScript client is checked against
(test/training/jobContract.test.ts): it must be the service's JobRequest and job states as they are now."""
from seglab_trainer.models import ARCHS
from seglab_trainer.service.schema import JOB_STATES, SCHEMA_FILE, contract, contract_text


def test_the_committed_contract_is_current():
    with open(SCHEMA_FILE, encoding="utf-8") as f:
        assert f.read() == contract_text(), "stale: run `python -m seglab_trainer.service.schema` in backend/"


def test_the_contract_holds_the_architectures_and_the_states():
    schema = contract()
    assert schema["properties"]["arch"]["enum"] == list(ARCHS)
    assert schema["definitions"]["JobState"]["enum"] == list(JOB_STATES)
    assert schema["additionalProperties"] is False and schema["required"] == ["dataset"]
