"""calcikin.sensitivity: Morris and Sobol indices (SALib) over scenario outputs, sampled as one list
sweep. On the autocatalytic T50 assay, the autocatalytic rate constant k1 dominates T50, k0 matters
less, and the Mg-whitlockite stability term is inert (WH is not among the scenario's phases)."""
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("SALib")

from calcikin import sensitivity  # noqa: E402

SCENARIO = Path(__file__).resolve().parents[1] / "fit" / "data" / "t50_auto.yaml"
PARAMETERS = {"autocatalytic.k1": {"range": (1e-4, 1e-3)}, "autocatalytic.k0": {"range": (1e-7, 1e-6)},
              "thermodynamics.parameters.WH.dlogK_stab": None}


def test_morris_ranks_the_dominant_parameter_first_and_the_inert_one_at_zero():
    m = sensitivity.morris(SCENARIO, PARAMETERS, ["t50", "final_phase_fraction"], trajectories=6, seed=1, threads=2)
    assert m.attrs["method"] == "morris" and m.attrs["runs"] == 6 * 4
    assert list(m["output"].values) == ["t50", "final_phase_fraction[ACP]", "final_phase_fraction[HAP]"]
    mu = m["mu_star"].sel(output="t50")
    assert float(mu.sel(parameter="thermodynamics.parameters.WH.dlogK_stab")) == 0.0
    assert float(mu.sel(parameter="autocatalytic.k1")) > float(mu.sel(parameter="autocatalytic.k0")) > 0.0
    # ranges within a factor 10 are sampled linearly
    assert list(m["log"].values) == [0, 0, 0]  # explicit ranges within a factor 10: linear


def test_sobol_total_indices_find_the_dominant_and_the_inert_parameter():
    s = sensitivity.sobol(SCENARIO, PARAMETERS, ["t50"], n=64, seed=2, threads=2)
    assert s.attrs["runs"] == 64 * 5
    st = s["ST"].sel(output="t50")
    assert float(st.sel(parameter="thermodynamics.parameters.WH.dlogK_stab")) == pytest.approx(0.0, abs=1e-12)
    assert float(st.sel(parameter="autocatalytic.k1")) == float(st.max())
    assert float(st.sel(parameter="autocatalytic.k1")) > 0.5
    # the samples are the runs' parameter values, within the ranges
    values = s["sample"].values
    assert np.all(values[:, 0] >= 1e-4) and np.all(values[:, 0] <= 1e-3)
    # same seed, same indices
    again = sensitivity.sobol(SCENARIO, PARAMETERS, ["t50"], n=64, seed=2, threads=1)
    np.testing.assert_allclose(again["ST"].values, s["ST"].values, rtol=1e-12)


def test_parameters_default_to_the_catalogue_and_bad_ones_are_named():
    space = sensitivity.parameter_space(["autocatalytic.k1", "thermodynamics.parameters.WH.dlogK_stab"])
    assert space[0]["path"] == "kinetics.parameters.autocatalytic.k1" and space[0]["log"]
    assert space[0]["unit"] == "1/s" and space[0]["low"] > 0
    assert space[1]["unit"] == "1" and not space[1]["log"] and space[1]["low"] < space[1]["high"]
    with pytest.raises(ValueError, match="no range"):
        sensitivity.parameter_space(["thermodynamics.parameters.HAP.log_k_offset"])
    full = sensitivity.parameter_space(["kinetics.parameters.autocatalytic.k1"])[0]
    assert full["name"] == "autocatalytic.k1" and full["path"] == space[0]["path"]
    with pytest.raises(ValueError, match="did you mean"):
        sensitivity.parameter_space(["autocatalytic.k2"])
    with pytest.raises(ValueError, match="needs a range"):
        sensitivity.parameter_space(["solution.totals.Mg"])
    with pytest.raises(ValueError, match="unknown output"):
        sensitivity.morris(SCENARIO, {"autocatalytic.k1": {"range": (1e-4, 1e-3)}}, ["t5O"], trajectories=2, seed=1)


def test_indices_are_stored_in_the_fit_file_beside_the_fit_and_read_back(tmp_path, copy_recovery_problem):
    import calcikin as ck
    import xarray as xr
    out = tmp_path / "fit.h5"
    ck.fit(copy_recovery_problem(tmp_path), output=out, starts=1, seed=3, threads=1)
    m = sensitivity.morris(SCENARIO, PARAMETERS, ["t50"], trajectories=2, seed=1, threads=2)
    assert m.attrs["program_version"] == ck.__version__ and m.attrs["salib_version"]
    assert sensitivity.save(m, out) == "sensitivity/morris"
    back = sensitivity.load(out, "morris")
    xr.testing.assert_identical(back, m)
    with xr.open_dataset(out, engine="h5netcdf") as fit_file:  # the fit at the root is untouched
        assert fit_file.attrs["format"] == "calcikin-fit/1" and "estimate" in fit_file
    assert ck.open_fit(out).names == ["autocatalytic.k0", "autocatalytic.k1"]
    import h5py
    with h5py.File(out) as f:  # netCDF-4 dimension ids unique over the file (netCDF-C readers need it)
        ids = [int(v.attrs["_Netcdf4Dimid"]) for g in (f, f["sensitivity/morris"]) for v in g.values()
               if isinstance(v, h5py.Dataset) and v.attrs.get("CLASS") == b"DIMENSION_SCALE"]
        assert len(ids) == len(set(ids)) > 6
    with pytest.raises(ValueError, match="already has the group"):
        sensitivity.save(m, out)
    sensitivity.save(m.assign_attrs(seed=7), out, overwrite=True)
    assert sensitivity.load(out, "morris").attrs["seed"] == 7
