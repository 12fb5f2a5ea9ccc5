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
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from . import _calcikin

__all__ = ["fit", "FitResult"]


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
