"""The sweep output file opens as-is in xarray (engine h5netcdf) and h5py: named dimensions, swept
inputs as coordinates along `run`, a grid unstacks with one call, time in s, strings decoded, NaN
for failed runs.

The engine file comes from tests/sweep's logistic test model (bin/sweep_test_driver: the same plan,
runner and writer as `calcikin run`, independent of the chemistry); the chemistry file from
`calcikin run` on a scenario sweep.
"""
from __future__ import annotations

import math
import subprocess

import numpy as np
import pytest

from conftest import BUILD_DIR

h5py = pytest.importorskip("h5py")
xr = pytest.importorskip("xarray")

DRIVER = BUILD_DIR / "bin" / "sweep_test_driver"


@pytest.fixture(scope="module")
def grid_file(tmp_path_factory):
    if not DRIVER.exists():
        pytest.fail(f"{DRIVER} not found: build the tests first (cmake --build {BUILD_DIR})")
    path = tmp_path_factory.mktemp("sweep") / "grid.h5"
    rc = subprocess.run([str(DRIVER), "grid", str(path)], check=False).returncode
    assert rc == 4, "the grid holds failing points on purpose: exit code 4"
    return path


def test_xarray_opens_the_file_with_named_dimensions_and_swept_coordinates(grid_file):
    with xr.open_dataset(grid_file, engine="h5netcdf") as ds:
        assert ds.sizes["run"] == 18
        assert ds["x"].dims == ("run", "time")
        assert ds["fraction"].dims == ("run", "phase")
        assert {"model_rate", "model_initial"} <= set(ds.coords)
        assert ds["model_rate"].attrs["sweep_path"] == "model.rate"
        assert ds["model_rate"].attrs["units"] == "1/s"
        # time stays a float in seconds (units "s", not "seconds", which xarray would decode)
        assert ds["time"].dtype == np.float64
        assert ds["time"].attrs["units"] == "s"
        # CF: the phase names are the auxiliary coordinate phase_name (ck.open makes them the index)
        assert list(ds["phase_name"].values) == ["grown", "free"]
        assert ds["dominant"].values[0] in ("grown", "free")


def test_a_grid_unstacks_with_one_call_and_holds_the_analytic_half_time(grid_file):
    with xr.open_dataset(grid_file, engine="h5netcdf") as ds:
        grid = ds.set_index(run=["model_rate", "model_initial"]).unstack("run")
        assert grid["t_half"].dims == ("model_rate", "model_initial")
        assert grid.sizes == {"model_rate": 6, "model_initial": 3, "time": 12, "phase": 2}
        t_half = grid["t_half"].sel(model_rate=2.0, model_initial=0.1).item()
        assert t_half == pytest.approx(math.log(9.0) / 2.0, rel=1e-4)  # ln((1 - x0)/x0) / r


def test_failed_runs_are_nan_with_status_and_a_message_naming_their_values(grid_file):
    with xr.open_dataset(grid_file, engine="h5netcdf") as ds:
        failed = ds.where(ds["status"] == 1, drop=True)
        assert failed.sizes["run"] == 8
        assert bool(np.isnan(failed["x"]).all())
        assert (ds["completed"] == 1).all()
        message = str(ds["message"].sel(run=2).item())
        assert message.endswith("; run 2 (model.rate=0.5 1/s, model.initial=-1)")
        assert str(ds["message"].sel(run=0).item()) == ""


def test_h5py_sees_dimension_scales_and_root_attributes(grid_file):
    with h5py.File(grid_file, "r") as f:
        assert f["x"].dims[0][0].name == "/run"
        assert f["x"].dims[1][0].name == "/time"
        assert f["time"].attrs["units"] in (b"s", "s")
        assert int(f.attrs["total_runs"]) == 18
        assert "scenario_hash" in f.attrs
        assert f["steps"].dtype == np.int64


@pytest.fixture(scope="module")
def model_file(cli, repo_root, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "mg_ph_grid.h5"
    scenario = repo_root / "tests" / "sweep" / "data" / "mg_ph_grid.yaml"
    subprocess.run([str(cli), "run", str(scenario), "-o", str(path), "-j", "2", "--no-progress"], check=True)
    return path


def test_calcikin_run_output_unstacks_into_the_swept_grid_with_si_units(model_file):
    with xr.open_dataset(model_file, engine="h5netcdf") as ds:
        assert ds["solution_totals_Mg"].attrs == {"sweep_path": "solution.totals.Mg", "units": "mol/kg",
                                                  "long_name": "swept input solution.totals.Mg"}
        assert ds["t50"].attrs["units"] == "s"
        assert ds["time"].attrs["units"] == "s" and ds["time"].dtype == np.float64
        assert ds["phase_amount"].dims == ("run", "time", "phase")
        grid = ds.set_index(run=["solution_totals_Mg", "solution_pH"]).unstack("run")
        assert grid["t50"].dims == ("solution_totals_Mg", "solution_pH")
        assert list(grid["solution_totals_Mg"].values) == pytest.approx([0.0, 0.5e-3, 1e-3, 2e-3])
        assert list(grid["solution_pH"].values) == pytest.approx([7.0, 7.4])
        assert (ds["status"] == 0).all()


def test_calcikin_run_output_carries_scenario_text_hash_and_versions(model_file, repo_root):
    scenario_text = (repo_root / "tests" / "sweep" / "data" / "mg_ph_grid.yaml").read_text()
    with xr.open_dataset(model_file, engine="h5netcdf") as ds:
        assert ds.attrs["scenario"] == scenario_text
        assert len(ds.attrs["scenario_hash"]) == 16
        for key in ("program_version", "git_commit", "sundials_version", "hdf5_version", "created_utc", "finished_utc"):
            assert ds.attrs[key], key
        assert int(ds.attrs["threads"]) == 2 and int(ds.attrs["mpi_ranks"]) == 1
