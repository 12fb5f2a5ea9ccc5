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
import sys
from dataclasses import dataclass, field

import numpy as np

from . import _calcikin

__all__ = ["fit", "FitResult", "Problem", "open_fit", "sample_emcee"]


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
      return -inf outside the bounds or where a simulation fails, as samplers expect. Given a
      (k, n) array they return k values, the rows evaluated in parallel over ``threads`` OpenMP
      threads (default: OMP_NUM_THREADS or all cores), one evaluator per thread; a single point
      runs its conditions in parallel instead. Results do not depend on the thread count.

    Wrong lengths and values outside the bounds raise ValueError; a failed simulation raises
    :class:`calcikin.SolverError` from :meth:`residuals`, :meth:`cost`, :meth:`gradient` and
    :meth:`jacobian`. Bad problem files raise :class:`calcikin.ScenarioError` (file:line:col).
    """

    def __init__(self, problem: str | os.PathLike, *, gradient: str | None = None, fd_step: float = 1e-4,
                 threads: int | None = None):
        if threads is not None and (isinstance(threads, bool) or int(threads) < 1):
            raise ValueError(f"threads must be an int >= 1, not {threads!r}")
        self._native = _calcikin.FitProblem(os.fspath(problem), gradient or "", float(fd_step), int(threads or 0))
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
        """1/2 sum r^2: the optimiser's objective without a robust ``fit.loss`` (-log posterior without
        constants and Jacobians)."""
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
    """The outcome of a fit (values in SI; ``scaled`` on the fitted scale, log10 or linear).

    ``covariance``: the Laplace covariance of the scaled parameters, or None when the fit has none
    (``covariance_available`` False: a derivative-free Nelder-Mead fit, e.g. of categorical
    outcomes only, whose cost has no usable Jacobian; its standard errors and Laplace intervals
    are NaN and only a profile can mark a parameter identifiable). Then use ``profiles=True`` or
    ``sample=True`` for intervals.

    ``fisher_eigenvalues`` (ascending) and ``fisher_eigenvectors`` (parameter x direction: column k
    belongs to eigenvalue k) are the eigen-directions of JᵀJ on the fitted scale: a near-zero
    eigenvalue is a combination of parameters the data do not determine (None without a covariance).
    """

    names: list
    units: list
    scales: list
    value: np.ndarray
    scaled: np.ndarray
    std_error_scaled: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    identifiable: np.ndarray
    covariance: np.ndarray | None
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
    problem: dict = field(default_factory=dict, repr=False)
    chain: np.ndarray | None = field(default=None, repr=False)
    chain_log_posterior: np.ndarray | None = field(default=None, repr=False)
    burn_in: int | None = None
    covariance_available: bool = True
    fisher_eigenvalues: np.ndarray | None = field(default=None, repr=False)
    fisher_eigenvectors: np.ndarray | None = field(default=None, repr=False)
    raw: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if not self.covariance_available:  # the C++ fit leaves NaN there: absent, not a covariance
            self.covariance = self.fisher_eigenvalues = self.fisher_eigenvectors = None

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

    # -- where the parameters go in a scenario, their fit scale and bounds
    @property
    def paths(self) -> list:
        """Scenario path of each fitted parameter (kinetics.parameters.X, thermodynamics.parameters.Y)."""
        return list(self.problem["paths"])

    @property
    def lower(self) -> np.ndarray:
        """Lower bounds on the fit scale."""
        return np.asarray(self.problem["lower"], dtype=float)

    @property
    def upper(self) -> np.ndarray:
        """Upper bounds on the fit scale."""
        return np.asarray(self.problem["upper"], dtype=float)

    def to_si(self, x) -> np.ndarray:
        """Fit-scale values (..., parameter) -> SI values."""
        log = np.array([sc == "log10" for sc in self.scales])
        x = np.asarray(x, dtype=float)
        return np.where(log, 10.0 ** x, x)

    def to_scaled(self, theta) -> np.ndarray:
        log = np.array([sc == "log10" for sc in self.scales])
        theta = np.asarray(theta, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(log, np.log10(theta), theta)

    def measurements(self):
        """Every datum with its simulated value and residual at the best fit (pandas DataFrame, SI)."""
        import pandas as pd
        table = pd.DataFrame(dict(self.problem["measurements"]))
        table["simulated"] = self.simulated
        table["residual"] = self.residuals
        return table

    def with_chain(self, samples) -> "FitResult":
        """A copy carrying a posterior chain (the Dataset of :func:`sample_emcee`, or an array
        (step, walker, parameter) in SI), so that :meth:`draws` and :meth:`predict` use it."""
        import dataclasses
        if hasattr(samples, "data_vars"):
            return dataclasses.replace(self, chain=np.asarray(samples["chain"].values),
                                       chain_log_posterior=np.asarray(samples["chain_log_posterior"].values),
                                       burn_in=int(samples.attrs.get("burn_in", 0)))
        return dataclasses.replace(self, chain=np.asarray(samples, dtype=float), burn_in=0)

    # -- parameter draws and predictions
    def draws(self, n_draws: int = 200, seed: int | None = None) -> tuple[np.ndarray, str]:
        """``n_draws`` parameter vectors (fit scale, n_draws x parameters) and where they come from.

        From the posterior chain when the fit has one (``chain``: the steps after ``burn_in``, or the
        second half of the chain when no burn-in is recorded; drawn with replacement), else from the
        Laplace approximation: a Gaussian on the fit scale with the fit's covariance, truncated to
        the bounds (rejection). A direction the data do not determine (NaN variance) is drawn
        uniformly within the bounds. A fit without a covariance (``covariance_available`` False,
        Nelder-Mead) and without a chain raises ValueError.
        """
        rng = np.random.default_rng(seed)
        n = len(self.names)
        if self.chain is not None and np.size(self.chain):
            chain = np.asarray(self.chain, dtype=float)  # (step, walker, parameter), SI
            start = self.burn_in if self.burn_in is not None else chain.shape[0] // 2
            flat = chain[start:].reshape(-1, n)
            flat = flat[np.all(np.isfinite(flat), axis=1)]
            if len(flat) == 0:
                raise ValueError("the chain has no finite samples after its burn-in")
            return self.to_scaled(flat[rng.integers(0, len(flat), size=n_draws)]), "chain"
        if self.covariance is None:
            raise ValueError("this fit has no Laplace covariance (a derivative-free Nelder-Mead fit): "
                             "draw from a posterior chain instead (ck.fit(..., sample=True), or "
                             "result.with_chain(calcikin.fit.sample_emcee(problem)))")
        x0 = np.asarray(self.scaled, dtype=float)
        cov = np.asarray(self.covariance, dtype=float)
        lo, hi = self.lower, self.upper
        free = ~np.isfinite(np.diag(cov))
        while True:  # the determined block must be finite: free the rows with NaN inside it
            fixed_rows = np.flatnonzero(~free)
            bad = [j for j in fixed_rows if not np.all(np.isfinite(cov[j, fixed_rows]))]
            if not bad:
                break
            free[bad[0]] = True
        fixed = ~free
        out = np.empty((n_draws, n))
        out[:, free] = rng.uniform(lo[free], hi[free], size=(n_draws, int(free.sum())))
        if fixed.any():
            sub = cov[np.ix_(fixed, fixed)]
            w, V = np.linalg.eigh(0.5 * (sub + sub.T))
            root = V * np.sqrt(np.clip(w, 0.0, None))
            got = np.empty((0, int(fixed.sum())))
            for _ in range(100):
                z = x0[fixed] + rng.standard_normal((2 * n_draws, int(fixed.sum()))) @ root.T
                ok = np.all((z >= lo[fixed]) & (z <= hi[fixed]), axis=1)
                got = np.vstack([got, z[ok]])
                if len(got) >= n_draws:
                    break
            if len(got) < n_draws:  # the bounds cut almost all of the Gaussian away: clip the rest
                z = x0[fixed] + rng.standard_normal((n_draws - len(got), int(fixed.sum()))) @ root.T
                got = np.vstack([got, np.clip(z, lo[fixed], hi[fixed])])
            out[:, fixed] = got[:n_draws]
        return out, "laplace"

    def predict(self, scenario, n_draws: int = 100, seed: int | None = None, level: float = 0.95, *,
                threads: int | None = None, overrides: dict | None = None, variables: list | None = None):
        """The scenario's outputs at the best fit and their prediction bands.

        ``n_draws`` parameter vectors (:meth:`draws`: the posterior chain when there is one, else the
        Laplace Gaussian truncated to the bounds) and the best fit are run as one ``list`` sweep of
        the fitted parameters' scenario paths (one :func:`calcikin.run`, in parallel over ``threads``).
        Returns an xarray Dataset: for every numeric output ``V`` of the scenario, ``V`` at the best
        fit, ``V_median``, ``V_lower`` and ``V_upper`` (the (1 - level)/2 and (1 + level)/2
        quantiles over the draws; failed draws are left out, counted in ``failed_draws``), and the
        draws themselves (``parameter_draws``, SI, dims draw x parameter). Same seed, same bands.
        ``variables``: only these outputs (default: every model output; solver statistics left out).
        """
        from .results import run
        from .scenario import as_scenario
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must lie in (0, 1), not {level}")
        if int(n_draws) < 1:
            raise ValueError(f"n_draws must be >= 1, not {n_draws}")
        sc = as_scenario(scenario)
        if overrides:
            sc = sc.with_overrides(overrides)
        if "sweep" in (sc.to_dict() or {}):
            raise ValueError("predict() runs its own list sweep over the fitted parameters: give a "
                             "scenario without a sweep")
        x, source = self.draws(int(n_draws), seed)
        theta = self.to_si(np.vstack([np.asarray(self.scaled, dtype=float)[None, :], x]))
        points = [{path: _value_text(v, unit) for path, v, unit in zip(self.paths, row, self.units)}
                  for row in theta]
        ds = run(sc.with_sweep(mode="list", points=points), threads=threads, quiet=True)
        return _bands(ds, theta, self.names, self.units, level, source, seed, variables)


def fit(problem, output: str | os.PathLike | None = None, *, threads: int = 0,
        starts: int | None = None, seed: int | None = None, profiles: bool | None = None,
        sample: bool | None = None, overwrite: bool = False, progress=False) -> FitResult:
    """Fit the calibration problem file ``problem``.

    ``output``: write the HDF5 result file (and a parameter-set YAML beside it), as
    ``calcikin fit -o``. ``starts``, ``seed``, ``profiles``, ``sample`` override the problem's
    ``fit:`` settings; ``sample=True`` runs the C++ ensemble sampler (``sampling:`` settings) after
    the fit, as ``calcikin fit --sample``: ``chain`` (kept samples x walkers x parameters, SI),
    ``chain_log_posterior``, ``acceptance_fraction`` and ``autocorrelation_time`` in ``raw``, and
    :meth:`FitResult.predict` draws from the chain. Bad problem files raise :class:`calcikin.ScenarioError` with the CLI's message.

    ``progress``: True prints the fit's progress lines (one per finished start, with an ETA) to
    stderr, as ``calcikin fit`` does; a callable is called with each line instead.

    Ctrl-C (KeyboardInterrupt) stops the fit once the starts in flight have finished. With
    ``output=``, the finished starts are kept in ``output + ".checkpoint"`` and no result file is
    written; the same call again resumes from there and gives the same result as an uninterrupted
    fit. The KeyboardInterrupt's message says what was kept.
    """
    if progress is True:
        def on_progress(line: str) -> None:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
    elif callable(progress):
        on_progress = progress
    elif progress in (False, None):
        on_progress = None
    else:
        raise TypeError(f"progress must be True, False or a callable, not {progress!r}")
    d = _calcikin.fit_problem(os.fspath(problem), "" if output is None else os.fspath(output),
                              int(threads), int(starts or 0), -1 if seed is None else int(seed),
                              profiles, bool(overwrite), sample, on_progress)
    fields = {k: d[k] for k in FitResult.__dataclass_fields__ if k in d and k != "raw"}
    return FitResult(**fields, raw=d)


def _value_text(value: float, unit: str):
    """A parameter value as a scenario override (dimensionless: a number)."""
    return float(value) if unit in ("", "1") else f"{float(value)!r} {unit}"


#: Per-run bookkeeping of a run result, not model outputs: no bands for these.
_NOT_OUTPUTS = {"status", "completed", "steps", "rhs_evaluations", "jacobian_evaluations", "error_test_failures",
                "nonlinear_convergence_failures", "conservation_error"}


def _bands(ds, theta: np.ndarray, names: list, units: list, level: float, source: str, seed,
           variables: list | None = None):
    """Best fit (run 0), median and quantile bands over the draws (runs 1..) of a list sweep."""
    import warnings
    import xarray as xr
    if variables is not None:
        unknown = [v for v in variables if v not in ds.data_vars]
        if unknown:
            raise ValueError(f"unknown output variables {unknown}; the scenario gives {sorted(ds.data_vars)}")
    q_lo, q_hi = 0.5 * (1.0 - level), 0.5 * (1.0 + level)
    out = xr.Dataset()
    status = np.asarray(ds["status"].values) if "status" in ds else np.zeros(ds.sizes["run"])
    good = status[1:] == 0
    for name, var in ds.data_vars.items():
        if "run" not in var.dims or not np.issubdtype(var.dtype, np.number) or name in _NOT_OUTPUTS:
            continue
        if variables is not None and name not in variables:
            continue
        if "sweep_path" in var.attrs:
            continue
        var = var.transpose("run", ...)
        values = np.asarray(var.values, dtype=float)
        draws = values[1:][good]
        rest = var.dims[1:]
        coords = {k: v for k, v in var.coords.items() if "run" not in v.dims}
        attrs = dict(var.attrs)
        out[name] = xr.DataArray(values[0], dims=rest, coords=coords, attrs=attrs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices (events not reached)
            for suffix, q in (("median", 0.5), ("lower", q_lo), ("upper", q_hi)):
                band = np.nanquantile(draws, q, axis=0) if len(draws) else np.full(values.shape[1:], np.nan)
                out[f"{name}_{suffix}"] = xr.DataArray(band, dims=rest, coords=coords,
                                                      attrs={**attrs, "band": f"{suffix} ({q:g} quantile)"})
    out["parameter_draws"] = xr.DataArray(theta[1:], dims=("draw", "parameter"),
                                          coords={"parameter": list(names)},
                                          attrs={"units": " ".join(units), "long_name": "parameter draws (SI)"})
    out["parameter_best"] = xr.DataArray(theta[0], dims=("parameter",), attrs={"long_name": "best fit (SI)"})
    out.attrs.update({"level": level, "n_draws": int(len(theta) - 1), "draws_from": source,
                      "failed_draws": int((~good).sum()), "seed": -1 if seed is None else int(seed)})
    return out


def open_fit(path: str | os.PathLike) -> FitResult:
    """A fit result file (``calcikin fit -o``) as a :class:`FitResult` (with its posterior chain when
    the fit sampled one), e.g. to :meth:`FitResult.predict` from a fit done on the command line."""
    import xarray as xr
    path = os.fspath(path)
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds.load()
    names = [str(n) for n in ds["parameter"].values]
    scales = [str(v) for v in ds["scale"].values]
    units = [str(v) or "1" for v in ds["unit"].values]
    log = np.array([s == "log10" for s in scales])

    def scaled(v):
        v = np.asarray(v, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(log, np.log10(v), v)

    meas = {k: np.asarray(ds[k].values) for k in ("condition", "observable", "time", "measured", "sigma",
                                                     "censored", "source") if k in ds}
    problem = {
        "names": names, "units": units, "scales": scales,
        "paths": [n if n.startswith("thermodynamics.parameters.") else "kinetics.parameters." + n for n in names],
        "lower": scaled(ds["lower_bound"].values), "upper": scaled(ds["upper_bound"].values),
        "lower_si": np.asarray(ds["lower_bound"].values), "upper_si": np.asarray(ds["upper_bound"].values),
        "measurements": {"condition": [str(c) for c in meas.get("condition", [])],
                         "observable": [str(c) for c in meas.get("observable", [])],
                         "time": meas.get("time", np.array([])), "value": meas.get("measured", np.array([])),
                         "sigma": meas.get("sigma", np.array([])), "censored": meas.get("censored", np.array([])),
                         "source": [str(c) for c in meas.get("source", [])]},
        "problem_file": str(ds.attrs.get("problem_file", "")),
    }
    profiles = []
    if "profile_value" in ds:
        for j in range(len(names)):
            v = np.asarray(ds["profile_value"].values[j], dtype=float)
            c = np.asarray(ds["profile_cost"].values[j], dtype=float)
            keep = np.isfinite(v)
            if keep.any():
                profiles.append({"values": v[keep], "costs": c[keep], "identifiable": bool(ds["identifiable"].values[j])})
    chain = np.asarray(ds["chain"].values, dtype=float) if "chain" in ds else None
    chain_lp = np.asarray(ds["chain_log_posterior"].values, dtype=float) if "chain_log_posterior" in ds else None
    # `calcikin fit --sample` keeps the samples after its burn-in (root attribute sampling_burn).
    burn = 0 if "sampling_burn" in ds.attrs else ds.attrs.get("burn_in")
    return FitResult(
        names=names, units=units, scales=scales, value=np.asarray(ds["estimate"].values, dtype=float),
        scaled=np.asarray(ds["estimate_scaled"].values, dtype=float),
        std_error_scaled=np.asarray(ds["std_error_scaled"].values, dtype=float),
        ci_lower=np.asarray(ds["ci_lower"].values, dtype=float), ci_upper=np.asarray(ds["ci_upper"].values, dtype=float),
        identifiable=np.asarray(ds["identifiable"].values, dtype=float),
        covariance=np.asarray(ds["covariance"].values, dtype=float),
        cost=float(ds.attrs.get("cost", np.nan)),
        negative_log_likelihood=float(ds.attrs.get("negative_log_likelihood", np.nan)),
        start_cost=np.asarray(ds["start_cost"].values, dtype=float) if "start_cost" in ds else np.array([]),
        best_start=int(ds.attrs.get("best_start", 0)),
        simulated=np.asarray(ds["simulated"].values, dtype=float) if "simulated" in ds else np.array([]),
        residuals=np.asarray(ds["residual"].values, dtype=float) if "residual" in ds else np.array([]),
        profiles=profiles, seconds=float(ds.attrs.get("wall_seconds", np.nan)), output=path,
        problem=problem, chain=chain, chain_log_posterior=chain_lp,
        burn_in=None if burn is None else int(burn),
        covariance_available=bool(int(ds.attrs.get("covariance_available", 1))),
        fisher_eigenvalues=np.asarray(ds["fisher_eigenvalue"].values, dtype=float) if "fisher_eigenvalue" in ds else None,
        fisher_eigenvectors=(np.asarray(ds["fisher_eigenvector"].transpose("parameter", "direction").values, dtype=float)
                             if "fisher_eigenvector" in ds else None))


def sample_emcee(problem, n_walkers: int = 16, n_steps: int = 500, *, seed: int | None = None,
                 x0=None, spread=None, burn_in: int | None = None, progress: bool = False,
                 threads: int | None = None):
    """Posterior samples of a calibration problem with emcee (Foreman-Mackey et al. 2013, PASP
    125:306), the affine-invariant ensemble sampler, on the C++ log-posterior
    (:meth:`Problem.log_posterior`: all walkers of a step in one call, in parallel over the
    problem's threads; ``threads`` when ``problem`` is a file).

    ``problem``: a :class:`Problem` or a problem file. The walkers start in a small Gaussian ball
    around ``x0`` (fit scale; default the problem's catalogue defaults; pass ``result.scaled`` of a
    fit) of width ``spread`` (default 1e-3 of each bound range), clipped into the bounds. ``seed``
    makes the chain reproducible. Returns an xarray Dataset: ``chain`` (sample_step, walker,
    parameter) in SI units, ``chain_scaled`` on the fit scale, ``chain_log_posterior`` (sample_step,
    walker); attributes ``burn_in`` (default half the steps), ``acceptance_fraction`` (mean),
    ``seed``. ``FitResult.with_chain(ds)`` makes predictions draw from it. Needs ``pip install emcee``.
    """
    try:
        import emcee
    except ImportError as e:  # pragma: no cover
        raise ImportError("sample_emcee needs emcee: pip install emcee") from e
    import xarray as xr
    pb = problem if isinstance(problem, Problem) else Problem(problem, threads=threads)
    n = pb.n_parameters
    if int(n_walkers) < 2 * n:
        raise ValueError(f"emcee needs at least 2 x {n} walkers, not {n_walkers}")
    rng = np.random.default_rng(seed)
    centre = pb.nominal if x0 is None else pb._point(x0)
    width = 1e-3 * (pb.upper - pb.lower) if spread is None else np.broadcast_to(np.asarray(spread, float), (n,))
    start = np.clip(centre + width * rng.standard_normal((int(n_walkers), n)), pb.lower, pb.upper)
    sampler = emcee.EnsembleSampler(int(n_walkers), n, pb.log_posterior, vectorize=True,
                                    parameter_names=None)
    sampler.random_state = np.random.RandomState(rng.integers(0, 2**32 - 1)).get_state()
    sampler.run_mcmc(start, int(n_steps), progress=progress)
    chain = sampler.get_chain()  # (step, walker, parameter), fit scale
    lp = sampler.get_log_prob()
    coords = {"parameter": pb.names}
    ds = xr.Dataset(
        {"chain": (("sample_step", "walker", "parameter"), pb.to_si(chain), {"long_name": "posterior chain (SI)"}),
         "chain_scaled": (("sample_step", "walker", "parameter"), chain, {"long_name": "posterior chain (fit scale)"}),
         "chain_log_posterior": (("sample_step", "walker"), lp, {"long_name": "log posterior of the fit-scale x"}),
         "scale": (("parameter",), np.array(pb.scales)), "unit": (("parameter",), np.array(pb.units))},
        coords=coords,
        attrs={"sampler": f"emcee {emcee.__version__} EnsembleSampler (stretch move)",
               "burn_in": int(n_steps) // 2 if burn_in is None else int(burn_in),
               "acceptance_fraction": float(np.mean(sampler.acceptance_fraction)),
               "seed": -1 if seed is None else int(seed), "problem_file": pb.file})
    return ds
