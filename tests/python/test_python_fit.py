"""ck.fit: the same C++ entry point as `calcikin fit` (same numbers), errors as ScenarioError with
the CLI's caret text and nothing written, the result file opens in xarray."""
from pathlib import Path

import numpy as np
import pytest

import calcikin as ck


@pytest.fixture
def problem(tmp_path, copy_recovery_problem):
    return copy_recovery_problem(tmp_path)


def test_fit_returns_parameters_intervals_and_writes_an_xarray_file(problem, tmp_path):
    out = tmp_path / "fit.h5"
    r = ck.fit(problem, output=out, starts=2, seed=3, threads=1)
    assert set(r.parameters) == {"autocatalytic.k0", "autocatalytic.k1"}
    assert r.cost > 0 and np.isfinite(r.negative_log_likelihood)
    for name, (lo, hi) in r.intervals.items():
        assert lo < r.parameters[name] < hi
    assert r.not_identifiable == []
    assert r.covariance.shape == (2, 2)
    ds = r.dataset()
    assert list(ds["parameter"].values) == r.names
    np.testing.assert_allclose(ds["estimate"].values, r.value)
    assert ds.attrs["format"] == "calcikin-fit/1"
    assert (tmp_path / "fit.yaml").read_text() == r.parameter_set_text
    # eigen-directions of J^T J: ascending, and the covariance is their inverse (full rank here)
    w, V = r.fisher_eigenvalues, r.fisher_eigenvectors
    assert w.shape == (2,) and V.shape == (2, 2) and 0 < w[0] <= w[1]
    np.testing.assert_allclose(V @ np.diag(1.0 / w) @ V.T, r.covariance, rtol=1e-8)
    back = ck.open_fit(out)
    np.testing.assert_array_equal(back.fisher_eigenvalues, w)
    np.testing.assert_array_equal(back.fisher_eigenvectors, V)


def test_fit_gives_the_same_numbers_as_the_cli(problem, tmp_path):
    import subprocess
    import os
    cli = Path(ck.__file__).resolve().parents[2] / "bin" / "calcikin"
    if not cli.exists():
        pytest.skip("no calcikin executable beside the build-tree package")
    subprocess.run([str(cli), "fit", str(problem), "-o", str(tmp_path / "cli.h5"), "--starts", "2",
                    "--seed", "3", "-j", "1", "-q"], check=True, capture_output=True)
    import xarray as xr
    cli_ds = xr.open_dataset(tmp_path / "cli.h5", engine="h5netcdf")
    r = ck.fit(problem, starts=2, seed=3, threads=1)
    np.testing.assert_allclose(cli_ds["estimate"].values, r.value, rtol=1e-12)


def test_a_bad_problem_raises_scenario_error_with_a_caret_and_writes_nothing(problem, tmp_path):
    csv = problem.parent / "recovery.csv"
    csv.write_text(csv.read_text().replace("mg1,T50", "mg9,T50"))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ck.ScenarioError) as e:
        ck.fit(problem, output=out / "fit.h5")
    assert "unknown condition 'mg9'" in str(e.value)
    assert "^" in str(e.value)
    assert e.value.line == 3
    assert list(out.iterdir()) == []


CATEGORICAL = """schema: calcikin/calibration/1
conditions:
  - {id: mid, scenario: t50_auto.yaml, set: {time.end: 6 h}}
observables:
  - {id: phase, expr: final_phase, noise: categorical, temperature: 0.5}
measurements: outcomes.csv
parameters:
  - {name: autocatalytic.k1, scale: log10, bounds: [1e-6 1/s, 1e-2 1/s]}
fit: {starts: 3, seed: 2}
"""


def test_a_nelder_mead_fit_has_no_covariance_and_draws_only_from_a_chain(problem, tmp_path):
    # Categorical outcomes only: fitted derivative-free, so there is no Laplace covariance; the
    # result says so (None, not a NaN matrix), here and when read back from its file.
    (tmp_path / "outcomes.csv").write_text("condition,observable,value\nmid,phase,ACP\nmid,phase,HAP\n")
    (tmp_path / "cat.yaml").write_text(CATEGORICAL)
    r = ck.fit(tmp_path / "cat.yaml", output=tmp_path / "cat_fit.h5", threads=1)
    np.testing.assert_allclose(r.simulated, [0.5, 0.5], atol=2e-3)  # p(ACP) = p(HAP) at the optimum
    back = ck.open_fit(tmp_path / "cat_fit.h5")
    for result in (r, back):
        assert result.covariance_available is False and result.covariance is None
        assert result.fisher_eigenvalues is None and result.fisher_eigenvectors is None
        assert np.isnan(result.std_error_scaled).all()
        assert result.not_identifiable == ["autocatalytic.k1"]
        with pytest.raises(ValueError, match="no Laplace covariance"):
            result.draws(10, seed=1)
    chain = np.full((4, 2, 1), r.value[0])
    x, source = r.with_chain(chain).draws(5, seed=1)
    assert source == "chain" and np.allclose(x, r.scaled)
    lm = ck.fit(problem, starts=1, seed=3, threads=1)
    assert lm.covariance_available is True and np.isfinite(lm.covariance).all()
