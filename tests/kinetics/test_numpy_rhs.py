"""Cross-check: the C++ mechanistic right-hand side equals an independent NumPy implementation
(bench/kinetics/numpy_model.py) at states along a trajectory. Needs the `kinetics_rhs_dump` executable
(set CALCIKIN_KINETICS_RHS_DUMP, or it is looked for in the usual build folders)."""
import glob
import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "kinetics"))
from numpy_model import NumpyModel  # noqa: E402


def find_dump():
    exe = os.environ.get("CALCIKIN_KINETICS_RHS_DUMP")
    if exe:
        return exe
    for pattern in ("build*/bin/kinetics_rhs_dump", "build*/*/bin/kinetics_rhs_dump"):
        hits = sorted(glob.glob(os.path.join(ROOT, pattern)), key=os.path.getmtime)
        if hits:
            return hits[-1]
    return None


@pytest.fixture(scope="module")
def dump():
    exe = find_dump()
    if exe is None:
        pytest.skip("kinetics_rhs_dump not built")
    return json.loads(subprocess.run([exe], check=True, capture_output=True, text=True).stdout)


def test_numpy_rhs_matches_the_cpp_rhs_along_a_trajectory(dump):
    model = NumpyModel(dump)
    assert len(dump["states"]) >= 5
    for s in dump["states"]:
        y = np.array(s["y"])
        expected = np.array(s["ydot"])
        got = model.rhs(s["t"], y)
        scale = np.maximum(np.abs(expected), 1e-12 * np.max(np.abs(expected)))
        # Mg in ACP: the exchange k_ex A (x_eq - x) cancels near the partition (the ACP starts at it),
        # so round-off is relative to its gross terms, not to the net rate.
        scale[1] = max(scale[1], model.gross_mg_rate)
        assert np.all(np.abs(got - expected) <= 1e-8 * scale + 1e-300), (s["t"], got, expected)
