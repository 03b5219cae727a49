import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.synthetic import make_dataset  # noqa: E402


@pytest.fixture
def dataset(tmp_path):
    return make_dataset(str(tmp_path / "ds"), count=6, size=64)
