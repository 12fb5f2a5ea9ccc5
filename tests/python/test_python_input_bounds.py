"""Input bounds reach Python as the documented exceptions (issue 14): a thread count beyond the
limit is a ValueError before anything is written (it used to start a million threads)."""
from __future__ import annotations

import pytest


def test_threads_beyond_the_limit_is_a_value_error_and_writes_nothing(ck, scenarios_dir, tmp_path):
    out = tmp_path / "o.h5"
    with pytest.raises(ValueError, match="threads"):
        ck.run(str(scenarios_dir / "sbf.yaml"), str(out), threads=1_000_000)
    assert list(tmp_path.iterdir()) == []


def test_a_temperature_beyond_the_database_is_a_scenario_error_and_writes_nothing(
        ck, scenarios_dir, tmp_path):
    sc = ck.load_scenario(scenarios_dir / "t50_assay.yaml", {"solution.temperature": "80 degC"})
    with pytest.raises(ck.ScenarioError, match="outside the range of database"):
        ck.run(sc, tmp_path / "o.h5")
    assert list(tmp_path.iterdir()) == []
