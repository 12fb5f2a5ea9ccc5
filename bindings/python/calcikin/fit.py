"""Fit model parameters to measurements: ``ck.fit(problem)``.

The problem is a ``schema: calcikin/calibration/1`` YAML file (conditions = scenario files plus
overrides, observables with noise models, a measurements CSV with units, the fitted parameters
with scales, bounds and priors). The fit runs in the C++ core through the same entry point as
``calcikin fit`` (multistart bounded Levenberg-Marquardt with CVODES sensitivities, Laplace
covariance, optional profile likelihoods).

    import calcikin as ck
    r = ck.fit("problem.yaml", profiles=True)
    r.parameters            # {name: best-fit value (SI)}
    r.intervals             # {name: (lower, upper)} 95 % (profile when computed, else Laplace)
    r.not_identifiable      # names whose profile is flat: not calibrated values

The objective itself, pointwise (the same C++ objective; x on the fit scale, log10 or linear)::

    pb = ck.Problem("problem.yaml")
    pb.names, pb.scales, pb.lower, pb.upper    # fitted parameters, bounds on the fit scale
    pb.residuals(x), pb.cost(x)                # cost = 1/2 sum r^2 (what the optimiser minimises)
    pb.gradient(x), pb.jacobian(x)             # exact: CVODES forward sensitivities
    pb.log_likelihood(x), pb.log_posterior(x)  # for samplers (-inf outside the bounds)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from . import _calcikin

__all__ = ["fit", "FitResult", "Problem"]


class Problem:
    """A calibration problem file prepared once, its objective evaluated pointwise.

    The conditions, observables, noise models and priors are those of ``calcikin fit`` (the same
    C++ objective, models/fit/objective.hpp and posterior.hpp). ``x`` is on the fit scale of each
    parameter (``scales``: log10 or lin) and must lie within ``lower``/``upper``.

    * :meth:`residuals` r(x): one per measurement, then one per normal/log-normal prior;
      -log L = sum r^2/2 + const.
    * :meth:`cost` 1/2 sum r^2, :meth:`gradient` its gradient J^T r and :meth:`jacobian` dr/dx,
      exact from CVODES forward sensitivities (``gradient="finite-differences"``: central
      differences of whole simulations, step ``fd_step``).
    * :meth:`log_likelihood` (data only, with the noise models' constants), :meth:`log_prior` and
      :meth:`log_posterior` = their sum: the density of x on the fit scale (a parameter without a
      prior is uniform on its fit scale; a prior on the SI value includes |d theta/d x|). These
      return -inf outside the bounds or where a simulation fails, as samplers expect.

    Wrong lengths and values outside the bounds raise ValueError; a failed simulation raises
    :class:`calcikin.SolverError` from :meth:`residuals`, :meth:`cost`, :meth:`gradient` and
    :meth:`jacobian`. Bad problem files raise :class:`calcikin.ScenarioError` (file:line:col).
    """

    def __init__(self, problem: str | os.PathLike, *, gradient: str | None = None, fd_step: float = 1e-4):
        self._native = _calcikin.FitProblem(os.fspath(problem), gradient or "", float(fd_step))
        info = self._native.info
        self._info = info
        self.file: str = info["problem_file"]
        self.names: list = list(info["names"])
        self.paths: list = list(info["paths"])
        self.units: list = list(info["units"])
        self.scales: list = list(info["scales"])
        self.priors: list = list(info["priors"])
        self.lower: np.ndarray = np.asarray(info["lower"])
        self.upper: np.ndarray = np.asarray(info["upper"])
        self.nominal: np.ndarray = np.asarray(info["nominal"])
        self.conditions: list = list(info["conditions"])
        self.observables: list = list(info["observables"])
        self.n_residuals: int = int(info["residual_count"])
        self.n_data: int = len(info["measurements"]["value"])

    @property
    def n_parameters(self) -> int:
        return len(self.names)

    def measurements(self):
        """The measurement table (SI values) as a pandas DataFrame."""
        import pandas as pd
        return pd.DataFrame(dict(self._info["measurements"]))

    def __repr__(self) -> str:
        return (f"<calcikin.Problem {os.path.basename(self.file)!r}: {self.n_parameters} parameters, "
                f"{len(self.conditions)} conditions, {self.n_data} data>")

    # -- scales
    def to_si(self, x) -> np.ndarray:
        """Fit-scale values -> SI values."""
        x = np.asarray(x, dtype=float)
        log = np.array([s == "log10" for s in self.scales])
        return np.where(log, 10.0 ** x, x)

    def to_scaled(self, theta) -> np.ndarray:
        """SI values -> fit-scale values."""
        theta = np.asarray(theta, dtype=float)
        log = np.array([s == "log10" for s in self.scales])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(log, np.log10(theta), theta)

    # -- checks
    def _point(self, x, check_bounds: bool = True) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n_parameters,):
            raise ValueError(f"x has shape {x.shape}: expected ({self.n_parameters},), one value per "
                             f"fitted parameter {self.names} on its fit scale {self.scales}")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"x must be finite, got {x.tolist()}")
        if check_bounds:
            out = [j for j in range(self.n_parameters) if not self.lower[j] <= x[j] <= self.upper[j]]
            if out:
                raise ValueError("outside the bounds (fit scale): " + "; ".join(
                    f"{self.names[j]} = {x[j]:g} not in [{self.lower[j]:g}, {self.upper[j]:g}] "
                    f"({self.scales[j]})" for j in out))
        return x

    def _evaluate(self, x, jacobian: bool):
        ok, r, J, failure = self._native.evaluate(self._point(x), jacobian)
        if not ok:
            from .errors import SolverError
            raise SolverError(f"the objective cannot be evaluated at x = {np.asarray(x).tolist()}: {failure}")
        return r, J

    # -- the objective
    def residuals(self, x) -> np.ndarray:
        """r(x): measurements, then normal/log-normal priors."""
        return self._evaluate(x, False)[0]

    def jacobian(self, x) -> np.ndarray:
        """dr/dx (residuals x parameters) on the fit scale."""
        return self._evaluate(x, True)[1]

    def cost(self, x) -> float:
        """1/2 sum r^2: the optimiser's objective (-log posterior without constants and Jacobians)."""
        r = self.residuals(x)
        return float(0.5 * r @ r)

    def gradient(self, x) -> np.ndarray:
        """d cost / dx = J^T r (exact: forward sensitivities)."""
        r, J = self._evaluate(x, True)
        return J.T @ r

    def _density(self, x, which: str):
        x = np.asarray(x, dtype=float)
        single = x.ndim == 1
        X = np.atleast_2d(x)
        if X.ndim != 2 or X.shape[1] != self.n_parameters:
            raise ValueError(f"x has shape {x.shape}: expected ({self.n_parameters},) or "
                             f"(k, {self.n_parameters}) for the parameters {self.names}")
        out = self._native.log_density(X, which)
        return float(out[0]) if single else out

    def log_likelihood(self, x):
        """log L(x) of the data (with the noise models' constants); -inf outside the bounds or where a
        simulation fails. ``x`` may be (k, n): one value per row."""
        return self._density(x, "likelihood")

    def log_prior(self, x):
        """log p(x): the priors as densities of x on the fit scale (-inf outside the bounds)."""
        return self._density(x, "prior")

    def log_posterior(self, x):
        """log L(x) + log p(x) (unnormalised); -inf outside the bounds or where a simulation fails."""
        return self._density(x, "posterior")


@dataclass
class FitResult:
    """The outcome of a fit (values in SI; ``scaled`` on the fitted scale, log10 or linear)."""

    names: list
    units: list
    scales: list
    value: np.ndarray
    scaled: np.ndarray
    std_error_scaled: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    identifiable: np.ndarray
    covariance: np.ndarray
    cost: float
    negative_log_likelihood: float
    start_cost: np.ndarray
    best_start: int
    simulated: np.ndarray
    residuals: np.ndarray
    profiles: list
    seconds: float
    output: str = ""
    parameter_set: str = ""
    parameter_set_text: str = ""
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def parameters(self) -> dict:
        """Best-fit value (SI) of each fitted parameter."""
        return {n: float(v) for n, v in zip(self.names, self.value)}

    @property
    def intervals(self) -> dict:
        """95 % interval (SI) of each parameter; NaN where the data give no bound."""
        return {n: (float(lo), float(hi)) for n, lo, hi in zip(self.names, self.ci_lower, self.ci_upper)}

    @property
    def not_identifiable(self) -> list:
        """Parameters the data do not determine (flat profile or undetermined direction)."""
        return [n for n, ok in zip(self.names, self.identifiable) if not ok]

    def dataset(self):
        """The result file as an xarray Dataset (only when ``output=`` was given)."""
        if not self.output:
            raise ValueError("no output file: call ck.fit(problem, output='fit.h5')")
        import xarray as xr
        return xr.open_dataset(self.output, engine="h5netcdf")


def fit(problem, output: str | os.PathLike | None = None, *, threads: int = 0,
        starts: int | None = None, seed: int | None = None, profiles: bool | None = None,
        overwrite: bool = False) -> FitResult:
    """Fit the calibration problem file ``problem``.

    ``output``: write the HDF5 result file (and a parameter-set YAML beside it), as
    ``calcikin fit -o``. ``starts``, ``seed``, ``profiles`` override the problem's ``fit:``
    settings. Bad problem files raise :class:`calcikin.ScenarioError` with the CLI's message.
    """
    d = _calcikin.fit_problem(os.fspath(problem), "" if output is None else os.fspath(output),
                              int(threads), int(starts or 0), -1 if seed is None else int(seed),
                              profiles, bool(overwrite))
    fields = {k: d[k] for k in FitResult.__dataclass_fields__ if k in d and k != "raw"}
    return FitResult(**fields, raw=d)
