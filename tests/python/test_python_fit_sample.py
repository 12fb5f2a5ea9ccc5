"""Posterior sampling from Python: calcikin.fit.sample_emcee (emcee on the C++ log-posterior of
ck.Problem). On a one-condition problem whose posterior is close to Gaussian on the fit scale, the
chain's mean and sd agree with the fit's Laplace approximation and with the C++ sampler of
`calcikin fit --sample` (ck.fit(sample=True)), whose chain carries the same log-posterior; a chain
feeds FitResult.predict."""
import shutil
from pathlib import Path

import numpy as np
import pytest

import calcikin as ck
from calcikin.fit import sample_emcee

pytest.importorskip("emcee")

DATA = Path(__file__).resolve().parents[1] / "fit" / "data"

PROBLEM = """schema: calcikin/calibration/1
conditions:
  - {id: base, scenario: t50_auto.yaml}
observables:
  - {id: T50, expr: t50, noise: lognormal, sigma: 0.05, unit: min}
  - {id: alpha, expr: crystalline_fraction, noise: normal, sigma: 0.02}
measurements: data.csv
parameters:
  - {name: autocatalytic.k0, scale: log10, bounds: [1e-9 1/s, 1e-4 1/s]}
  - {name: autocatalytic.k1, scale: log10, bounds: [1e-6 1/s, 1e-2 1/s]}
fit: {starts: 2, seed: 3, max_iterations: 50}
sampling: {walkers: 8, steps: 250, burn: 50, seed: 5}
"""


@pytest.fixture(scope="module")
def problem_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("sample")
    shutil.copy(DATA / "t50_auto.yaml", d / "t50_auto.yaml")
    rows = [r for r in (DATA / "recovery.csv").read_text().splitlines() if not r.startswith(("mg1", "mg2"))]
    (d / "data.csv").write_text("\n".join(rows) + "\n")
    (d / "problem.yaml").write_text(PROBLEM)
    return d / "problem.yaml"


@pytest.fixture(scope="module")
def fitted(problem_file):
    return ck.fit(problem_file, threads=1)


@pytest.fixture(scope="module")
def samples(problem_file, fitted):
    sd = np.sqrt(np.diag(fitted.covariance))
    return sample_emcee(ck.Problem(problem_file), n_walkers=8, n_steps=250, seed=11, x0=fitted.scaled,
                        spread=sd, burn_in=50)


def test_emcee_chain_agrees_with_the_laplace_approximation(fitted, samples):
    assert samples["chain"].dims == ("sample_step", "walker", "parameter")
    assert samples.attrs["burn_in"] == 50 and 0.2 < samples.attrs["acceptance_fraction"] < 0.9
    x = samples["chain_scaled"].values[50:].reshape(-1, 2)
    sd = np.sqrt(np.diag(fitted.covariance))
    np.testing.assert_allclose(x.mean(axis=0), fitted.scaled, atol=0.35 * sd.max())
    np.testing.assert_allclose(x.std(axis=0), sd, rtol=0.35)
    # the chain in SI is the scaled chain in SI; the log posterior is the problem's
    np.testing.assert_allclose(samples["chain"].values, 10 ** samples["chain_scaled"].values, rtol=1e-14)
    pb = ck.Problem(samples.attrs["problem_file"])
    last = samples["chain_scaled"].values[-1]
    np.testing.assert_allclose(samples["chain_log_posterior"].values[-1], pb.log_posterior(last), rtol=1e-10)


def test_the_same_seed_gives_the_same_chain(problem_file):
    pb = ck.Problem(problem_file)
    a = sample_emcee(pb, n_walkers=4, n_steps=5, seed=2)
    b = sample_emcee(pb, n_walkers=4, n_steps=5, seed=2)
    np.testing.assert_array_equal(a["chain"].values, b["chain"].values)
    with pytest.raises(ValueError, match="walkers"):
        sample_emcee(pb, n_walkers=3, n_steps=5)


def test_predictions_draw_from_an_attached_chain(fitted, samples, problem_file):
    with_chain = fitted.with_chain(samples)
    x, source = with_chain.draws(20, seed=1)
    assert source == "chain"
    kept = samples["chain_scaled"].values[50:].reshape(-1, 2)
    assert all(np.any(np.all(np.isclose(row, kept, rtol=1e-12), axis=1)) for row in x)
    p = with_chain.predict(problem_file.parent / "t50_auto.yaml", n_draws=10, seed=1, variables=["t50"])
    assert p.attrs["draws_from"] == "chain"
    assert float(p.t50_lower) <= float(p.t50_median) <= float(p.t50_upper)


def test_the_cpp_sampler_agrees_with_emcee_on_the_same_posterior(problem_file, fitted, samples, tmp_path):
    cpp = ck.fit(problem_file, output=tmp_path / "fit.h5", threads=2, sample=True)
    chain = cpp.chain  # kept samples (after burn-in) x walkers x parameters, SI
    assert chain.shape == (200, 8, 2) and cpp.burn_in == 0
    assert 0.2 < cpp.raw["acceptance_fraction"] < 0.9
    # the same log-posterior: ck.Problem at the C++ chain's points gives the C++ values
    pb = ck.Problem(problem_file)
    last = np.log10(chain[-1])
    np.testing.assert_allclose(pb.log_posterior(last), cpp.chain_log_posterior[-1], rtol=1e-9)
    # mean and sd of the two samplers' chains agree (within their Monte Carlo error)
    x_cpp = np.log10(chain.reshape(-1, 2))
    x_py = samples["chain_scaled"].values[50:].reshape(-1, 2)
    sd = np.sqrt(np.diag(fitted.covariance))
    np.testing.assert_allclose(x_cpp.mean(axis=0), x_py.mean(axis=0), atol=0.4 * sd.max())
    np.testing.assert_allclose(x_cpp.std(axis=0), x_py.std(axis=0), rtol=0.35)
    # the fit file's chain comes back through ck.open_fit, and predictions draw from it
    again = ck.open_fit(tmp_path / "fit.h5")
    np.testing.assert_allclose(again.chain, chain, rtol=1e-14)
    assert again.burn_in == 0 and again.draws(5, seed=1)[1] == "chain"
