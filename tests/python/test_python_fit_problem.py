"""ck.Problem: the C++ objective of `calcikin fit` evaluated pointwise from Python (residuals,
cost, exact gradient from the sensitivities, log-likelihood, log-prior, log-posterior), with
clear errors for wrong lengths and values outside the bounds."""

import shutil

import numpy as np
import pytest

import calcikin as ck


@pytest.fixture(scope="module")
def problem(tmp_path_factory, copy_recovery_problem):
    return ck.Problem(copy_recovery_problem(tmp_path_factory.mktemp("problem")), threads=1)


def test_problem_knows_its_parameters_bounds_and_data(problem):
    assert problem.names == ["autocatalytic.k0", "autocatalytic.k1"]
    assert problem.paths == ["kinetics.parameters.autocatalytic.k0", "kinetics.parameters.autocatalytic.k1"]
    assert problem.scales == ["log10", "log10"]
    np.testing.assert_allclose(problem.lower, [-9, -6])
    np.testing.assert_allclose(problem.upper, [-4, -2])
    assert problem.conditions == ["base", "mg1", "mg2"]
    assert problem.n_data == 9 and problem.n_residuals == 9
    np.testing.assert_allclose(problem.to_scaled(problem.to_si(problem.nominal)), problem.nominal)
    table = problem.measurements()
    assert list(table["observable"][:3]) == ["T50"] * 3
    assert table["value"][0] == pytest.approx(330 * 60)  # SI (s)


def test_cost_is_half_the_squared_residuals_and_the_likelihood_adds_the_noise_constants(problem):
    x = problem.nominal + 0.1
    r = problem.residuals(x)
    assert r.shape == (9,)
    assert problem.cost(x) == pytest.approx(0.5 * r @ r, rel=1e-14)
    # normal (alpha, sigma 0.02) and log-normal (T50, sigma 0.05 on ln t): c = ln sigma (+ ln y) + ln(2 pi)/2
    y = problem.measurements()["value"].to_numpy()
    c = np.where(np.arange(9) < 3, np.log(0.05 * y), np.log(0.02)) + 0.5 * np.log(2 * np.pi)
    assert problem.log_likelihood(x) == pytest.approx(-0.5 * r @ r - c.sum(), rel=1e-12)
    # no priors: uniform on the fit scale within the bounds
    assert problem.log_prior(x) == pytest.approx(-np.log(5.0) - np.log(4.0), rel=1e-14)
    assert problem.log_posterior(x) == pytest.approx(problem.log_likelihood(x) + problem.log_prior(x))


def test_gradient_from_the_sensitivities_equals_central_differences(problem):
    for x in (problem.nominal, np.array([-6.3, -3.3])):
        g = problem.gradient(x)
        J = problem.jacobian(x)
        np.testing.assert_allclose(g, J.T @ problem.residuals(x), rtol=1e-12)
        h = 1e-3
        for j in range(2):
            e = np.zeros(2)
            e[j] = h
            fd = (problem.cost(x + e) - problem.cost(x - e)) / (2 * h)
            # Integration noise at the fit's rtol (1e-8) limits the differences to ~1e-4.
            assert g[j] == pytest.approx(fd, rel=1e-3), (x, j)
            fd_r = (problem.residuals(x + e) - problem.residuals(x - e)) / (2 * h)
            np.testing.assert_allclose(J[:, j], fd_r, rtol=2e-3, atol=1e-3 * np.abs(J[:, j]).max())


def test_log_densities_take_rows_and_are_minus_infinity_outside_the_bounds(problem):
    X = np.array([problem.nominal, problem.nominal + 0.05, problem.upper + 0.1])
    lp = problem.log_posterior(X)
    assert lp.shape == (3,)
    assert lp[0] == pytest.approx(problem.log_posterior(X[0]))
    assert np.isfinite(lp[:2]).all() and lp[2] == -np.inf
    assert problem.log_likelihood(problem.lower - 1) == -np.inf


def test_wrong_lengths_and_values_outside_the_bounds_are_clear_errors(problem):
    with pytest.raises(ValueError, match=r"expected \(2,\).*autocatalytic.k0"):
        problem.cost([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"autocatalytic.k1 = -1 not in \[-6, -2\]"):
        problem.gradient([-6.0, -1.0])
    with pytest.raises(ValueError, match="finite"):
        problem.residuals([np.nan, -3.0])
    with pytest.raises(ValueError, match="shape"):
        problem.log_posterior(np.zeros((2, 3)))


def test_priors_enter_the_residuals_and_the_log_prior_on_the_fit_scale(tmp_path, copy_recovery_problem):
    path = copy_recovery_problem(tmp_path)
    path.write_text(path.read_text().replace(
        "bounds: [1e-6 1/s, 1e-2 1/s]}", "bounds: [1e-6 1/s, 1e-2 1/s], prior: {lognormal: [3e-4 1/s, 0.5]}}"))
    pb = ck.Problem(path)
    assert pb.priors == ["", "lognormal"] and pb.n_residuals == 10
    x = np.array([-6.4, -3.2])
    r = pb.residuals(x)
    z = (np.log(10 ** -3.2) - np.log(3e-4)) / 0.5
    assert r[-1] == pytest.approx(z, rel=1e-12)
    # log-normal on theta, times |d theta/d x| = theta ln 10: a normal density of x
    expected = -np.log(5.0) - 0.5 * z * z - np.log(0.5) - 0.5 * np.log(2 * np.pi) + np.log(np.log(10))
    assert pb.log_prior(x) == pytest.approx(expected, rel=1e-12)


def test_a_bad_problem_file_raises_scenario_error(tmp_path, copy_recovery_problem):
    path = copy_recovery_problem(tmp_path)
    path.write_text(path.read_text().replace("autocatalytic.k1", "autocatalytic.k9"))
    with pytest.raises(ck.ScenarioError) as e:
        ck.Problem(path)
    assert "^" in str(e.value)


def test_rows_evaluated_in_parallel_equal_the_serial_ones(problem):
    parallel = ck.Problem(problem.file, threads=2)
    X = problem.nominal + 0.05 * np.random.default_rng(1).standard_normal((6, 2))
    X[3] = problem.upper + 1.0  # outside: -inf in any thread
    serial = np.array([problem.log_posterior(x) for x in X])
    np.testing.assert_array_equal(parallel.log_posterior(X), serial)
    np.testing.assert_array_equal(parallel.log_likelihood(X[:3]), [problem.log_likelihood(x) for x in X[:3]])
    # one point: its conditions in parallel, the same numbers
    x = problem.nominal + 0.1
    np.testing.assert_array_equal(parallel.residuals(x), problem.residuals(x))
    np.testing.assert_array_equal(parallel.gradient(x), problem.gradient(x))
    with pytest.raises(ValueError, match="threads"):
        ck.Problem(problem.file, threads=0)


def test_event_time_gradients_of_the_mechanistic_model_equal_central_differences(tmp_path, repo_root):
    # T50 and the induction time of the mechanistic T50 assay (event-time sensitivities
    # dt*/dp = -(dg/dy s + dg/dp)/(dg/dt)), for a kinetic parameter and a thermodynamic offset,
    # against whole-simulation central differences at rtol 1e-10, Richardson-extrapolated from the
    # steps 1e-3 and 2e-3 in the fitted scale: 1e-5 relative (measured: 4e-6 at most).
    shutil.copy(repo_root / "scenarios" / "t50_assay.yaml", tmp_path / "t50_assay.yaml")
    (tmp_path / "data.csv").write_text("condition,observable,time [h],value,sigma,source\n"
                                       "assay,T50,,300,,\nassay,ind,,100,,\n")
    (tmp_path / "p.yaml").write_text("""schema: calcikin/calibration/1
conditions:
  - {id: assay, scenario: t50_assay.yaml}
observables:
  - {id: T50, expr: t50, noise: lognormal, sigma: 0.05, unit: min}
  - {id: ind, expr: induction_time, noise: lognormal, sigma: 0.1, unit: min}
measurements: data.csv
parameters:
  - {name: HAP.growth.rate_constant}
  - {name: HAP.nucleation.heterogeneous_prefactor}
  - {name: thermodynamics.parameters.HAP.log_k_offset, scale: lin, bounds: [-1, 1]}
fit: {rtol: 1e-10}
""")
    p = tmp_path / "p.yaml"
    x = ck.Problem(p).nominal
    exact = ck.Problem(p).jacobian(x)
    j1 = ck.Problem(p, gradient="finite-differences", fd_step=1e-3).jacobian(x)
    j2 = ck.Problem(p, gradient="finite-differences", fd_step=2e-3).jacobian(x)
    reference = (4.0 * j1 - j2) / 3.0
    assert np.all(np.abs(reference) > 1.0)  # every entry matters: no entry compared against ~0
    np.testing.assert_allclose(exact, reference, rtol=1e-5, atol=0.0)


def test_every_kinetic_phase_can_be_observed_and_be_a_categorical_outcome(tmp_path):
    # Brushite (DCPD) and newberyite data (e.g. Cheng's cells) fit like the apatite phases: amounts,
    # final shares and outcomes name any phase of the condition's scenario.
    (tmp_path / "cells.yaml").write_text("""schema: calcikin/scenario/1
name: cells
solution:
  temperature: 37 degC
  pH: 7.0
  charge_balance: Cl
  totals: {Ca: 1 mmol/kgw, Mg: 9 mmol/kgw, P: 20 mmol/kgw, Na: 140 mmol/kgw, Cl: 130 mmol/kgw}
minerals:
  ACP: {equilibrate: true, radius: 25 nm}
kinetics:
  model: mechanistic
  phases: [ACP, HAP, DCPD, newberyite]
  parameters: {substrate.area: 0.3 m2/kg}
time: {end: 1 h, output: {logspace: [1 s, 1 h], points: 5}}
""")
    (tmp_path / "data.csv").write_text("condition,observable,time [h],value,sigma,source\n"
                                       "c,dcpd,0.5,1e-4,,\nc,newb,,0.01,,\nc,outcome,,DCPD,,\nc,outcome,,newberyite,,\n"
                                       "c,dcpd_share,0.5,0.3,,\n")
    (tmp_path / "p.yaml").write_text("""schema: calcikin/calibration/1
conditions:
  - {id: c, scenario: cells.yaml}
observables:
  - {id: dcpd, expr: phase_amount.DCPD, noise: normal, sigma: 1e-4 mmol/kgw, unit: mmol/kgw}
  - {id: newb, expr: final_phase_fraction.newberyite, noise: normal, sigma: 0.05}
  - {id: outcome, expr: final_phase, noise: categorical}
  - {id: dcpd_share, expr: phase_fraction.DCPD, noise: normal, sigma: 0.05}
measurements: data.csv
parameters:
  - {name: DCPD.growth.rate_constant}
""")
    p = ck.Problem(tmp_path / "p.yaml", threads=1)
    assert list(p.measurements()["category"]) == ["", "", "DCPD", "newberyite", ""]
    assert np.isfinite(p.cost(p.nominal))
    assert np.all(np.isfinite(p.jacobian(p.nominal)))
    (tmp_path / "data.csv").write_text("condition,observable,time [h],value,sigma,source\nc,outcome,,WH,,\n")
    with pytest.raises(ck.ScenarioError, match="condition 'c' has no phase 'WH'"):
        ck.Problem(tmp_path / "p.yaml")
