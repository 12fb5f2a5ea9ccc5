"""Shared set-up for the Python tests (pytest, tests/python).

The package under test is the one in the CMake build tree: <build>/python/calcikin (the .py files and
the compiled _calcikin next to them), with <build> = $CALCIKIN_BUILD_DIR or <repo>/build. It is put on
sys.path here and on PYTHONPATH for subprocesses (notebook kernels, scripts). The CLI is
<build>/bin/calcikin.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import sys

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD_DIR = pathlib.Path(os.environ.get("CALCIKIN_BUILD_DIR", REPO_ROOT / "build")).resolve()
PYTHON_PACKAGE_DIR = BUILD_DIR / "python"
CLI = BUILD_DIR / "bin" / "calcikin"


def _use_build_tree_package() -> None:
    path = str(PYTHON_PACKAGE_DIR)
    if path not in sys.path:
        sys.path.insert(0, path)
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if path not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([path, *parts])
    os.environ.setdefault("MPLBACKEND", "Agg")


_use_build_tree_package()


@pytest.fixture(scope="session")
def repo_root() -> pathlib.Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def scenarios_dir() -> pathlib.Path:
    return REPO_ROOT / "scenarios"


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    """The calcikin executable of the build tree."""
    if not CLI.exists():
        pytest.fail(f"{CLI} not found: build the project first (cmake --build {BUILD_DIR})")
    return CLI


@pytest.fixture(scope="session")
def ck():
    """The calcikin package of the build tree (fails, not skips, when it is missing)."""
    import calcikin

    return calcikin


@pytest.fixture(scope="session")
def copy_recovery_problem():
    """copy(folder) -> problem path: the synthetic recovery fit problem of tests/fit/data (its
    scenario, problem file and measurements) copied into `folder`, so a fit writes nothing into
    the source tree."""
    data = REPO_ROOT / "tests" / "fit" / "data"

    def copy(folder: pathlib.Path) -> pathlib.Path:
        for name in ("t50_auto.yaml", "recovery.yaml", "recovery.csv"):
            shutil.copy(data / name, folder / name)
        return folder / "recovery.yaml"

    return copy
