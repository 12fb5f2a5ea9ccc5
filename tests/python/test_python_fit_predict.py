"""FitResult.predict(scenario): prediction bands from parameter draws (the posterior chain, else the
Laplace Gaussian truncated to the bounds), run as one list sweep; ck.open_fit reads a fit file."""
import dataclasses

import numpy as np
import pytest

import calcikin as ck


@pytest.fixture(scope="module")
def folder(tmp_path_factory, copy_recovery_problem):
    d = tmp_path_factory.mktemp("predict")
    copy_recovery_problem(d)
    return d


@pytest.fixture(scope="module")
def result(folder):
    return ck.fit(folder / "recovery.yaml", output=folder / "fit.h5", starts=2, seed=3, threads=1)


def test_bands_contain_the_best_fit_prediction(result, folder):
    p = result.predict(folder / "t50_auto.yaml", n_draws=40, seed=1, threads=2)
    assert p.attrs["draws_from"] == "laplace" and p.attrs["n_draws"] == 40 and p.attrs["failed_draws"] == 0
    for name in ("t50", "crystalline_fraction", "dissolved_total"):
        best, lo, med, hi = (p[name].values, p[f"{name}_lower"].values, p[f"{name}_median"].values,
                             p[f"{name}_upper"].values)
        assert np.all(lo <= med) and np.all(med <= hi)
        tol = 1e-9 * np.abs(best).max()
        assert np.all(lo - tol <= best) and np.all(best <= hi + tol), name
    assert float(p.t50_upper) > float(p.t50_lower)  # a real band
    # the best-fit run is the fitted parameters' run
    np.testing.assert_allclose(p["parameter_best"].values, result.value, rtol=1e-12)
    direct = ck.run(ck.load_scenario(folder / "t50_auto.yaml").with_overrides(
        {path: f"{float(v)!r} 1/s" for path, v in zip(result.paths, result.value)}))
    assert float(p.t50) == pytest.approx(float(direct.t50), rel=1e-12)
    # draws honour the bounds
    x = result.to_scaled(p["parameter_draws"].values)
    assert np.all(x >= result.lower) and np.all(x <= result.upper)


def test_zero_covariance_gives_zero_width_bands(result, folder):
    fixed = dataclasses.replace(result, covariance=np.zeros_like(result.covariance))
    p = fixed.predict(folder / "t50_auto.yaml", n_draws=5, seed=2, variables=["t50", "crystalline_fraction"])
    assert set(p.data_vars) >= {"t50", "t50_lower", "t50_upper", "crystalline_fraction_median"}
    assert "pH" not in p
    for name in ("t50", "crystalline_fraction"):
        np.testing.assert_array_equal(p[f"{name}_lower"].values, p[name].values)
        np.testing.assert_array_equal(p[f"{name}_upper"].values, p[name].values)


def test_the_same_seed_gives_the_same_bands(result, folder):
    a = result.predict(folder / "t50_auto.yaml", n_draws=10, seed=7, variables=["t50"])
    b = result.predict(folder / "t50_auto.yaml", n_draws=10, seed=7, variables=["t50"])
    c = result.predict(folder / "t50_auto.yaml", n_draws=10, seed=8, variables=["t50"])
    np.testing.assert_array_equal(a["parameter_draws"].values, b["parameter_draws"].values)
    assert float(a.t50_upper) == float(b.t50_upper)
    assert not np.array_equal(a["parameter_draws"].values, c["parameter_draws"].values)


def test_draws_come_from_the_chain_after_its_burn_in_when_there_is_one(result):
    rng = np.random.default_rng(0)
    chain = result.value * 10 ** rng.normal(0, 0.01, size=(20, 4, 2))  # (step, walker, parameter), SI
    chain[:10] = result.value * 100  # burn-in far away: never drawn
    sampled = dataclasses.replace(result, chain=chain, burn_in=10)
    x, source = sampled.draws(50, seed=3)
    assert source == "chain"
    kept = np.log10(chain[10:].reshape(-1, 2))
    assert all(np.any(np.all(np.isclose(row, kept), axis=1)) for row in x)


def test_predict_refuses_bad_arguments(result, folder):
    with pytest.raises(ValueError, match="level"):
        result.predict(folder / "t50_auto.yaml", level=1.5)
    with pytest.raises(ValueError, match="unknown output variables"):
        result.predict(folder / "t50_auto.yaml", n_draws=2, variables=["t5O"])


def test_open_fit_reads_the_file_back_and_predicts_the_same(result, folder):
    again = ck.open_fit(folder / "fit.h5")
    assert again.names == result.names and again.paths == result.paths
    np.testing.assert_allclose(again.scaled, result.scaled, rtol=1e-14)
    np.testing.assert_allclose(again.covariance, result.covariance, rtol=1e-14)
    np.testing.assert_allclose(again.lower, result.lower, rtol=1e-14)
    a = result.predict(folder / "t50_auto.yaml", n_draws=8, seed=4, variables=["t50"])
    b = again.predict(folder / "t50_auto.yaml", n_draws=8, seed=4, variables=["t50"])
    assert float(a.t50_lower) == pytest.approx(float(b.t50_lower), rel=1e-12)
    assert list(again.measurements()["condition"][:3]) == ["base", "mg1", "mg2"]


def test_an_undetermined_direction_is_drawn_uniformly_within_the_bounds(result):
    cov = result.covariance.copy()
    cov[0, :] = cov[:, 0] = np.nan  # k0 not determined by the data
    x, source = dataclasses.replace(result, covariance=cov).draws(400, seed=5)
    assert source == "laplace"
    lo, hi = result.lower[0], result.upper[0]
    assert np.all((x[:, 0] >= lo) & (x[:, 0] <= hi))
    assert np.std(x[:, 0]) == pytest.approx((hi - lo) / np.sqrt(12), rel=0.15)  # uniform
    assert np.std(x[:, 1]) == pytest.approx(np.sqrt(result.covariance[1, 1]), rel=0.2)  # still Gaussian
