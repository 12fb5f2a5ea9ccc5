"""Global sensitivity of any scenario output to model parameters: Morris elementary effects and Sobol
indices, sampled by SALib (Herman & Usher 2017, J Open Source Softw 2:97; Iwanaga et al. 2022,
Socio-Environ Syst Model 4:18155) and run through the sweep engine as one ``list`` sweep (one C++
call, in parallel over ``threads``).

    import calcikin as ck
    from calcikin import sensitivity
    si = sensitivity.sobol("scenarios/t50_assay.yaml",
                           {"HAP.growth.rate_constant": None,
                            "thermodynamics.parameters.HAP.log_k_offset": None,
                            "solution.totals.Mg": {"range": (0, 2), "unit": "mmol/kgw"}},
                           outputs=["t50", "final_phase_fraction"], n=64, seed=1)
    si.ST.sel(output="t50")                       # total-order index of each parameter

Parameters are catalogue names (``calcikin params --kinetic``: ``autocatalytic.k1``;
``thermodynamics.parameters.HAP.log_k_offset``) with their catalogue range (log-uniform when the
range is positive and spans more than a factor 10, as ``calcikin fit`` scales them), or any
sweepable scenario path with a range: ``{"solution.totals.Mg": {"range": (0, 2), "unit": "mmol/kgw"}}``.
Outputs are per-run variables of the result (``t50``, ``induction_time``; a variable along
``phase`` or ``element`` gives one output per label: ``final_phase_fraction[HAP]``; a time series
is taken at the last output time) or ``{name: callable(ds) -> array over run}``. An event that is
not reached by the last output time counts as that time (as ``calcikin fit`` takes ``time.end``); any other failed run is
an error (SALib needs every model evaluation).

:func:`save` stores the indices in the fit's HDF5 file (``calcikin fit -o`` / ``ck.fit(output=)``) as
the group ``sensitivity/<method>``, beside the fit at the root; :func:`load` (or
``xr.open_dataset(path, group="sensitivity/sobol", engine="h5netcdf")``) reads them back. Each
Dataset carries the program version, git commit and SALib version it was made with.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from .results import run
from .scenario import as_scenario

__all__ = ["morris", "sobol", "parameter_space", "save", "load"]

_EVENTS = ("t50", "induction_time")


def parameter_space(parameters: Sequence[str] | Mapping[str, Any]) -> list[dict]:
    """Each parameter as {name, path, low, high, unit, log}: the catalogue's range and SI unit for
    catalogue names, the given ``range``/``unit``/``log`` otherwise (see the module docstring)."""
    from .parameters import kinetic_parameters, thermo_parameters
    items = dict(parameters) if isinstance(parameters, Mapping) else {p: None for p in parameters}
    if not items:
        raise ValueError("give at least one parameter")
    kinetic = thermo = None
    out = []
    for name, spec in items.items():
        if name.startswith("kinetics.parameters."):  # the full scenario path of a catalogue name
            name = name[len("kinetics.parameters."):]
        spec = {} if spec is None else ({"range": tuple(spec)} if not isinstance(spec, Mapping) else dict(spec))
        entry = {"name": name}
        if name.startswith("thermodynamics.parameters."):
            thermo = thermo_parameters() if thermo is None else thermo
            key = name[len("thermodynamics.parameters."):]
            if key not in thermo.index and "range" not in spec:
                raise ValueError(f"unknown thermodynamic parameter {key!r} (calcikin params --thermo)")
            row = thermo.loc[key] if key in thermo.index else None
            entry.update(path=name, unit="1", low=None if row is None else float(row["min"]),
                         high=None if row is None else float(row["max"]))
        elif name.split(".")[0] in ("solution", "minerals", "time", "solver"):
            entry.update(path=name, unit=spec.get("unit", "1"), low=None, high=None)
            if "range" not in spec:
                raise ValueError(f"{name}: a scenario path needs a range, e.g. {{'range': (0, 2), 'unit': 'mmol/kgw'}}")
        else:
            kinetic = kinetic_parameters() if kinetic is None else kinetic
            if name not in kinetic.index:
                import difflib
                close = difflib.get_close_matches(name, list(kinetic.index), n=3)
                raise ValueError(f"unknown kinetic parameter {name!r}" + (f"; did you mean {close}?" if close else "")
                                 + " (calcikin params --kinetic)")
            row = kinetic.loc[name]
            entry.update(path="kinetics.parameters." + name, unit=str(row["unit"]) or "1",
                         low=float(row["min"]), high=float(row["max"]))
        if "range" in spec:
            entry["low"], entry["high"] = (float(v) for v in spec["range"])
        if "unit" in spec:
            entry["unit"] = spec["unit"]
        low, high = entry["low"], entry["high"]
        if not (np.isfinite(low) and np.isfinite(high)) and "range" not in spec:
            raise ValueError(f"{name}: the catalogue gives no range: give one, e.g. {{'range': (-0.5, 0.5)}}")
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"{name}: the range must be finite and low < high, not [{low}, {high}]")
        entry["log"] = bool(spec.get("log", low > 0 and high / low > 10))
        if entry["log"] and low <= 0:
            raise ValueError(f"{name}: a log range needs low > 0, not {low}")
        out.append(entry)
    return out


def _salib_problem(space: list[dict]) -> dict:
    bounds = [[np.log10(p["low"]), np.log10(p["high"])] if p["log"] else [p["low"], p["high"]] for p in space]
    return {"num_vars": len(space), "names": [p["name"] for p in space], "bounds": bounds}


def _value(v: float, unit: str):
    return float(v) if unit in ("", "1") else f"{float(v)!r} {unit}"


def _evaluate(scenario, space: list[dict], X: np.ndarray, outputs, threads, overrides):
    """Runs the sample rows X (SALib scale) as one list sweep; returns (names, Y (rows x outputs), values)."""
    sc = as_scenario(scenario)
    if overrides:
        sc = sc.with_overrides(overrides)
    if "sweep" in (sc.to_dict() or {}):
        raise ValueError("the scenario has a sweep of its own: give one without")
    values = np.array([[10.0 ** x if p["log"] else x for x, p in zip(row, space)] for row in X])
    points = [{p["path"]: _value(v, p["unit"]) for v, p in zip(row, space)} for row in values]
    named = list(outputs.items()) if isinstance(outputs, Mapping) else [(o, None) for o in outputs]
    # Callables may read any time; the named outputs need the last output time only.
    series = None if any(f is not None for _, f in named) else 10**9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ds = run(sc.with_sweep(mode="list", points=points), threads=threads, quiet=True,
                 assume_yes=True, time_series=series)
    status = np.asarray(ds["status"].values)
    if np.any(status != 0):
        bad = int(np.flatnonzero(status != 0)[0])
        raise RuntimeError(f"{int(np.sum(status != 0))} of {len(status)} runs failed (first: run {bad}, "
                           f"{dict(zip([p['name'] for p in space], values[bad]))}: "
                           f"{np.asarray(ds['message'].values)[bad]}); narrow the ranges")
    time_end = float(np.max(ds["time"].values))  # the last output time (time.end)
    names, columns = [], []
    for name, fn in named:
        if fn is not None:
            columns.append(np.asarray(fn(ds), dtype=float).reshape(-1))
            names.append(name)
            continue
        if name not in ds.data_vars:
            raise ValueError(f"unknown output {name!r}; the scenario gives {sorted(ds.data_vars)}")
        var = ds[name].transpose("run", ...)
        if "time" in var.dims:
            var = var.isel(time=-1)
        if var.ndim == 1:
            columns.append(np.asarray(var.values, dtype=float))
            names.append(name)
        else:
            dim = var.dims[1]
            for k, label in enumerate(var[dim].values):
                columns.append(np.asarray(var.isel({dim: k}).values, dtype=float))
                names.append(f"{name}[{label}]")
    Y = np.column_stack(columns)
    for j, name in enumerate(names):
        if name in _EVENTS:
            Y[:, j] = np.where(np.isfinite(Y[:, j]), Y[:, j], time_end)
    if not np.all(np.isfinite(Y)):
        bad = [n for n, c in zip(names, Y.T) if not np.all(np.isfinite(c))]
        raise RuntimeError(f"outputs {bad} are not finite in every run: SALib needs every evaluation")
    return names, Y, values


def _dataset(method: str, space, names, Y, values, results: list[dict], keys: dict, attrs: dict) -> xr.Dataset:
    params = [p["name"] for p in space]
    data = {}
    for key, long_name in keys.items():
        data[key] = (("output", "parameter"), np.array([np.asarray(r[key], dtype=float) for r in results]),
                     {"long_name": long_name})
    if results and "S2" in results[0]:
        data["S2"] = (("output", "parameter", "parameter_b"), np.array([r["S2"] for r in results]),
                      {"long_name": "second-order Sobol index"})
        data["S2_conf"] = (("output", "parameter", "parameter_b"), np.array([r["S2_conf"] for r in results]),
                           {"long_name": "confidence half-width of S2"})
    data["sample"] = (("run", "parameter"), values, {"long_name": "parameter values of each run (unit per parameter)"})
    data["output_value"] = (("run", "output"), Y, {"long_name": "model output of each run"})
    coords = {"parameter": params, "output": names,
              "path": ("parameter", [p["path"] for p in space]),
              "unit": ("parameter", [p["unit"] for p in space]),
              "low": ("parameter", [p["low"] for p in space]),
              "high": ("parameter", [p["high"] for p in space]),
              "log": ("parameter", [int(p["log"]) for p in space])}
    if results and "S2" in results[0]:
        coords["parameter_b"] = params
    from importlib.metadata import version

    from . import _calcikin
    info = dict(_calcikin.build_info())
    provenance = {"program_version": str(info.get("version", "")), "git_commit": str(info.get("git_commit", "")),
                  "salib_version": version("SALib")}
    return xr.Dataset(data, coords=coords, attrs={"method": method, "runs": len(Y), **attrs, **provenance})


def save(indices: xr.Dataset, path: str | os.PathLike, *, group: str | None = None,
         overwrite: bool = False) -> str:
    """Store Morris or Sobol indices (:func:`morris`, :func:`sobol`) in the HDF5 file ``path`` as the
    group ``sensitivity/<method>`` (or ``group``): typically the fit's result file, whose root (the
    fit) stays as it is; a new file when ``path`` does not exist. A group that is already there is
    an error unless ``overwrite``. Returns the group's name."""
    import h5py
    path = os.fspath(path)
    group = group or f"sensitivity/{indices.attrs.get('method', 'indices')}"
    exists = os.path.exists(path)
    if exists:
        with h5py.File(path, "r+") as f:
            if group in f:
                if not overwrite:
                    raise ValueError(f"{path} already has the group {group!r}: pass overwrite=True to replace it")
                del f[group]
            _number_dimensions(f)
    indices.to_netcdf(path, mode="a" if exists else "w", group=group, engine="h5netcdf")
    return group


def _number_dimensions(f) -> None:
    """Give the root's dimension scales netCDF-4 dimension ids (``_Netcdf4Dimid``)
    when the file has none (fit files written before the C++ writer set them): without them the ids of a
    group appended by h5netcdf (0, 1, ...) collide with the root's, and netCDF-C readers (ncdump)
    then attach the root's variables to the group's dimensions. Values are not touched."""
    import h5py
    scales = [k for k in f if isinstance(f[k], h5py.Dataset) and f[k].attrs.get("CLASS") == b"DIMENSION_SCALE"]
    if not scales or any("_Netcdf4Dimid" in f[k].attrs for k in scales):
        return
    for i, name in enumerate(scales):  # any unique numbers will do: the file's own link order
        f[name].attrs["_Netcdf4Dimid"] = np.int32(i)


def load(path: str | os.PathLike, method: str = "sobol", *, group: str | None = None) -> xr.Dataset:
    """The indices :func:`save` stored in ``path`` (group ``sensitivity/<method>``, or ``group``)."""
    with xr.open_dataset(os.fspath(path), group=group or f"sensitivity/{method}", engine="h5netcdf") as ds:
        return ds.load()


def morris(scenario, parameters, outputs: Sequence[str] | Mapping[str, Callable] = ("t50",), *,
           trajectories: int = 10, levels: int = 4, seed: int | None = None, threads: int | None = None,
           overrides: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Morris elementary effects (Morris 1991, Technometrics 33:161; mu* of Campolongo et al. 2007):
    ``trajectories`` x (parameters + 1) runs. Returns a Dataset over (output, parameter) with ``mu``,
    ``mu_star``, ``sigma``, ``mu_star_conf`` (SALib.analyze.morris, on the sampling scale: log10 for
    log parameters), the runs' ``sample`` and ``output_value``."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample
    space = parameter_space(parameters)
    problem = _salib_problem(space)
    X = sample.sample(problem, int(trajectories), num_levels=int(levels), seed=seed)
    names, Y, values = _evaluate(scenario, space, X, outputs, threads, overrides)
    results = [analyze.analyze(problem, X, Y[:, j], num_levels=int(levels), seed=seed) for j in range(Y.shape[1])]
    keys = {"mu": "mean elementary effect", "mu_star": "mean absolute elementary effect",
            "sigma": "sd of the elementary effects", "mu_star_conf": "bootstrap confidence half-width of mu_star"}
    return _dataset("morris", space, names, Y, values, results, keys,
                    {"trajectories": int(trajectories), "levels": int(levels), "seed": -1 if seed is None else int(seed)})


def sobol(scenario, parameters, outputs: Sequence[str] | Mapping[str, Callable] = ("t50",), *, n: int = 64,
          second_order: bool = False, seed: int | None = None, threads: int | None = None,
          overrides: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Sobol indices (Sobol 2001; Saltelli et al. 2010, Comput Phys Commun 181:259) from SALib's
    Sobol sequence sample: ``n`` x (parameters + 2) runs (x (2 parameters + 2) with ``second_order``;
    ``n`` a power of 2). Returns a Dataset over (output, parameter) with ``S1``, ``S1_conf``, ``ST``,
    ``ST_conf`` (and ``S2``, ``S2_conf`` over parameter_b), the runs' ``sample`` and ``output_value``."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample
    space = parameter_space(parameters)
    problem = _salib_problem(space)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # SALib's note on n not being a power of 2
        X = sample.sample(problem, int(n), calc_second_order=bool(second_order), seed=seed)
    names, Y, values = _evaluate(scenario, space, X, outputs, threads, overrides)
    results = []
    for j in range(Y.shape[1]):
        if np.ptp(Y[:, j]) == 0.0:  # a constant output: every index is 0 (SALib would divide by 0)
            zero = np.zeros(len(space))
            r = {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
            if second_order:
                r.update(S2=np.full((len(space),) * 2, np.nan), S2_conf=np.full((len(space),) * 2, np.nan))
            results.append(r)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            results.append(analyze.analyze(problem, Y[:, j], calc_second_order=bool(second_order), seed=seed))
    keys = {"S1": "first-order Sobol index", "S1_conf": "confidence half-width of S1",
            "ST": "total-order Sobol index", "ST_conf": "confidence half-width of ST"}
    return _dataset("sobol", space, names, Y, values, results, keys,
                    {"n": int(n), "second_order": int(bool(second_order)), "seed": -1 if seed is None else int(seed)})
