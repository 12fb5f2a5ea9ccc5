"""Every notebook in notebooks/ runs top to bottom without error, in well under a minute each.

Notebooks are stored without outputs; here they are executed by nbclient with the "python3" kernel,
which jupyter_client resolves to this interpreter (sys.executable), with the build-tree package on
PYTHONPATH (conftest.py). Outputs are discarded (the stored files are not modified).
"""
from __future__ import annotations

import os
import pathlib
import sys
import time

import nbformat
import pytest
from nbclient import NotebookClient

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
TIME_LIMIT_S = 60.0

_PROBE = "import sys, calcikin\nprint(sys.executable)\nprint(calcikin.__file__)"


def _stream_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def test_notebooks_are_present():
    names = [p.name for p in NOTEBOOKS]
    for prefix in ("01_", "02_", "03_", "04_", "05_", "06_"):
        assert any(n.startswith(prefix) for n in names), f"no notebook {prefix}* in {names}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{path.name}: cell {i} has stored outputs"
            assert cell.get("execution_count") is None, f"{path.name}: cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_without_error_within_a_minute(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(_PROBE))
    client = NotebookClient(nb, kernel_name="python3", timeout=int(TIME_LIMIT_S * 2),
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start

    executable, module_file = _stream_text(nb.cells[0]).split()[:2]
    assert pathlib.Path(executable).resolve() == pathlib.Path(sys.executable).resolve(), \
        "the notebook kernel is not this interpreter"
    assert pathlib.Path(module_file).resolve().is_relative_to(
        pathlib.Path(os.environ["PYTHONPATH"].split(os.pathsep)[0]).resolve()), \
        f"the kernel imported calcikin from {module_file}, not from the build tree"
    assert elapsed < TIME_LIMIT_S, f"{path.name} took {elapsed:.1f} s"
