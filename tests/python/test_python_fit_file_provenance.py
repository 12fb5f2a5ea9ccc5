"""The fit file (calcikin fit / ck.fit) carries its provenance as a run output does: program version
and commit, the Ceres, SUNDIALS and HDF5 versions, the problem and measurement texts, every
condition's scenario file and overrides, and the text of every scenario file. Its dimension scales carry netCDF-4
dimension ids (_Netcdf4Dimid) written by the C++ writer, so netCDF-C readers (ncdump) attach every
variable to its own dimensions."""
import re
import shutil
import subprocess

import pytest


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory, copy_recovery_problem):
    import calcikin as ck
    folder = tmp_path_factory.mktemp("provenance")
    out = folder / "fit.h5"
    ck.fit(copy_recovery_problem(folder), output=out, starts=1, seed=3, threads=1)
    return out


def test_fit_file_stores_program_library_versions_conditions_and_scenario_texts(fit_file):
    import calcikin as ck
    import xarray as xr
    with xr.open_dataset(fit_file, engine="h5netcdf") as ds:
        assert ds.attrs["program_version"] == ck.__version__ and ds.attrs["git_commit"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", ds.attrs["ceres_version"])
        assert ds.attrs["sundials_version"] and ds.attrs["hdf5_version"]
        scenario = (fit_file.parent / "t50_auto.yaml").read_text()
        assert scenario in ds.attrs["scenario_texts"]  # each scenario file once
        assert ds.attrs["scenario_texts"].count("schema: calcikin/scenario/1") == 1
        lines = ds.attrs["conditions"].splitlines()
        assert [line.split(":")[0] for line in lines] == ["base", "mg1", "mg2"]
        assert lines[1].endswith("t50_auto.yaml; solution.totals.Mg=1 mmol/kgw")


def test_fit_file_dimension_scales_carry_unique_netcdf4_dimension_ids(fit_file):
    import h5py
    with h5py.File(fit_file) as f:
        scales = [k for k, v in f.items() if isinstance(v, h5py.Dataset) and v.attrs.get("CLASS") == b"DIMENSION_SCALE"]
        ids = [int(f[k].attrs["_Netcdf4Dimid"]) for k in scales]
        assert f[scales[0]].attrs["_Netcdf4Dimid"].dtype == "int32"
    assert sorted(ids) == list(range(len(scales))) and len(scales) == 5
    if shutil.which("ncdump"):
        header = subprocess.run(["ncdump", "-h", str(fit_file)], capture_output=True, text=True, check=True).stdout
        assert "estimate(parameter)" in header and "residual(datum)" in header
