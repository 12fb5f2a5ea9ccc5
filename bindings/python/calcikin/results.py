"""Runs and result files as xarray Datasets.

:func:`run` calls the C++ entry point of ``calcikin run`` (api::run). Without ``output`` the results
stay in memory: the C++ core stores them as its file writer would (one description of variables,
dimensions and attributes) and the Dataset is built from those arrays, with no file in between; it
equals what reading the file gives (tests/python/test_python_run.py). With ``output`` the file is
written and read lazily.
"""
from __future__ import annotations

import os
import pathlib
import warnings
from typing import Any, Callable

import numpy as np
import pandas as pd
import xarray as xr

from . import _calcikin
from ._progress import TextProgress
from .errors import OutputError, SolverError
from .scenario import Scenario, as_scenario

__all__ = ["run", "open", "unstack_sweep", "FORMAT_NAME", "FORMAT_VERSIONS"]

#: Root attributes naming the file format (docs/file-format.md, solver/io/output_names.hpp).
FORMAT_NAME = "calcikin/output"
FORMAT_ATTRIBUTE = "calcikin_format"
FORMAT_VERSION_ATTRIBUTE = "calcikin_format_version"
#: The format versions this package reads.
FORMAT_VERSIONS = (1, 2)


def _check_format(ds: xr.Dataset, path: str) -> None:
    name = ds.attrs.get(FORMAT_ATTRIBUTE)
    if isinstance(name, bytes):
        name = name.decode()
    if name != FORMAT_NAME:
        raise OutputError(f"{path}: not a calcikin result file (attribute {FORMAT_ATTRIBUTE} is {name!r}, "
                          f"expected {FORMAT_NAME!r})")
    version = ds.attrs.get(FORMAT_VERSION_ATTRIBUTE)
    if version is None or int(version) not in FORMAT_VERSIONS:
        raise OutputError(f"{path}: file format version {version} is not supported by calcikin "
                          f"{_calcikin.__version__} (reads version {', '.join(map(str, FORMAT_VERSIONS))})")


def _label_dimensions(ds: xr.Dataset) -> xr.Dataset:
    """Format 2 keeps the names along ``phase``, ``element`` and ``parameter`` in the CF auxiliary
    coordinates ``phase_name``, ... (CF forbids a string variable named like its dimension); make
    them the index of their dimension again, so that ``ds.sel(phase="HAP")`` works."""
    swaps = {dim: f"{dim}_name" for dim in ds.dims
             if dim not in ds.variables and ds.variables.get(f"{dim}_name") is not None
             and ds.variables[f"{dim}_name"].dims == (dim,)}
    if not swaps:
        return ds
    return ds.set_coords(list(swaps.values())).swap_dims(swaps).rename({v: k for k, v in swaps.items()})


def open(path: str | os.PathLike, *, load: bool = False) -> xr.Dataset:  # noqa: A001 (ck.open)
    """Opens a result file written by ``calcikin run`` (or :func:`run`), checking its format version.

    Data are read lazily unless ``load=True`` (then the file is closed before returning). A single run
    (no sweep) comes without the ``run`` dimension: ``ds.t50`` is a scalar (as from :func:`run`).
    Raises :class:`calcikin.OutputError` for a missing, partial or foreign file.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        hint = " (an interrupted run: resume it with resume=True or `calcikin run --resume`)" \
            if os.path.exists(path + ".partial") else ""
        raise OutputError(f"{path}: no such file{hint}")
    try:
        ds = xr.open_dataset(path, engine="h5netcdf", phony_dims="access")
    except (OSError, ValueError) as e:
        raise OutputError(f"{path}: cannot be read as a calcikin result file: {e}") from e
    try:
        _check_format(ds, path)
    except OutputError:
        ds.close()
        raise
    if load:
        ds.load()
        ds.close()
    return _single_run(_label_dimensions(ds))


def _single_run(ds: xr.Dataset) -> xr.Dataset:
    """A scenario without a sweep: the ``run`` dimension (length 1) is dropped, so ``ds.t50`` is a
    scalar; ``run`` stays as a scalar coordinate (0). The file keeps ``run`` (docs/file-format.md)."""
    swept = any("sweep_path" in v.attrs for v in ds.variables.values())
    total = ds.attrs.get("total_runs")
    if "run" in ds.dims and ds.sizes["run"] == 1 and not swept and total is not None and int(total) == 1:
        return ds.isel(run=0)
    return ds


def unstack_sweep(ds: xr.Dataset) -> xr.Dataset:
    """A grid sweep as a Dataset with one dimension per swept parameter instead of ``run``.

    The swept inputs are the 1-D variables along ``run`` that carry a ``sweep_path`` attribute. A
    result without them (a single run) is returned unchanged; a sweep that is not a full grid (zip,
    list, Latin hypercube) raises ValueError: keep its ``run`` dimension.

    The result equals ``ds.set_index(run=swept).unstack("run")`` (the swept dimensions last, their
    coordinates sorted), but is lazy: only the swept coordinates are read here, and a variable read
    later (``grid.phase_amount.sel(phase="HAP").values``) reads just the rows it needs, once, from the
    file (or takes a view of an in-memory result). ``unstack("run")`` would load and copy everything.
    """
    swept = [name for name, v in ds.variables.items() if v.dims == ("run",) and "sweep_path" in v.attrs]
    if not swept:
        return ds
    ds = ds.set_coords(swept)
    if len(swept) == 1:
        return ds.swap_dims(run=swept[0])
    values = [np.asarray(ds.variables[name].values) for name in swept]
    cells = 1
    for v in values:
        cells *= len(pd.unique(v))
    if cells != ds.sizes["run"]:
        raise ValueError(f"the runs do not form a grid over {swept} ({ds.sizes['run']} runs, {cells} "
                         "combinations): use the run dimension")
    grid = _grid_layout(values)
    if grid is None or any(v.dims[0] != "run" for v in ds.variables.values() if "run" in v.dims):
        return ds.set_index(run=swept).unstack("run")  # rows not in the order a grid sweep writes
    c_shape, axes = grid
    data_vars, coords = {}, {}
    for name, variable in ds.variables.items():
        if name == "run" or name in swept:
            continue
        if "run" in variable.dims:
            lazy = xr.core.indexing.LazilyIndexedArray(_GridRows(variable, c_shape, axes))
            variable = xr.Variable(variable.dims[1:] + tuple(swept), lazy, variable.attrs, variable.encoding)
        (coords if name in ds.coords else data_vars)[name] = variable
    for name, v, (_, order) in zip(swept, values, axes):
        original = ds.variables[name]
        coords[name] = xr.Variable((name,), pd.unique(v)[order], original.attrs, original.encoding)
    return xr.Dataset(data_vars, coords=coords, attrs=ds.attrs)


def _grid_layout(values: list[np.ndarray]):
    """How the rows of a grid sweep map onto its grid, or None when they are not in grid order.

    A grid sweep writes its points in C order over the parameters (the last one fastest), whatever the
    order in which a file lists the swept variables. Returns the grid shape in that C order and, per
    swept variable (in the given order), its C axis and the permutation taking its sorted values to
    the order in which they first appear in the rows.
    """
    rows = len(values[0])
    codes, sizes, strides = [], [], []
    for v in values:
        code, unique = pd.factorize(v, use_na_sentinel=False)
        changes = np.flatnonzero(code != code[0])
        codes.append(code)
        sizes.append(len(unique))
        strides.append(int(changes[0]) if len(changes) else rows)
    c_order = sorted(range(len(values)), key=lambda j: -strides[j])  # slowest first
    c_shape = tuple(sizes[j] for j in c_order)
    position = np.arange(rows)
    stride = rows
    for j in c_order:
        stride //= sizes[j]
        if not np.array_equal(codes[j], (position // stride) % sizes[j]):
            return None
    axes = []
    for j, v in enumerate(values):
        unique = pd.unique(v)
        axes.append((c_order.index(j), np.argsort(unique, kind="stable")))
    return c_shape, axes


class _GridRows(xr.backends.BackendArray):
    """A per-run variable (run, *rest) seen as (*rest, *grid) without reading it: an index into the
    grid becomes the run rows it covers, and only those rows are read from the underlying variable
    (a lazily read file variable or an in-memory array)."""

    def __init__(self, variable: xr.Variable, c_shape: tuple, axes: list):
        self.variable = variable
        self.c_shape = c_shape
        self.axes = axes  # per grid dimension: (its axis in c_shape, sorted position -> appearance)
        self.shape = variable.shape[1:] + tuple(len(order) for _, order in axes)
        self.dtype = variable.dtype

    def __getitem__(self, key):
        return xr.core.indexing.explicit_indexing_adapter(
            key, self.shape, xr.core.indexing.IndexingSupport.BASIC, self._read)

    def _read(self, key: tuple) -> np.ndarray:
        n_rest = self.variable.ndim - 1
        rest_key, grid_key = key[:n_rest], key[n_rest:]
        c_index = [None] * len(self.c_shape)
        scalar = []
        for (c_axis, order), k in zip(self.axes, grid_key):
            c_index[c_axis] = np.atleast_1d(order[k])
            scalar.append(np.ndim(order[k]) == 0)
        runs = np.ravel_multi_index(np.meshgrid(*c_index, indexing="ij"), self.c_shape).ravel()
        rest = dict(zip(self.variable.dims[1:], rest_key))
        if runs.size and np.array_equal(runs, np.arange(runs[0], runs[0] + runs.size)):
            data = np.asarray(self.variable.isel(run=slice(int(runs[0]), int(runs[-1]) + 1), **rest).values)
        else:
            unique, inverse = np.unique(runs, return_inverse=True)
            data = np.asarray(self.variable.isel(run=unique, **rest).values)[inverse]
        n_kept_rest = data.ndim - 1
        data = data.reshape(tuple(len(i) for i in c_index) + data.shape[1:])
        k = len(self.c_shape)
        data = data.transpose(tuple(range(k, k + n_kept_rest)) + tuple(c_axis for c_axis, _ in self.axes))
        drop = tuple(n_kept_rest + j for j, is_scalar in enumerate(scalar) if is_scalar)
        return data.squeeze(axis=drop) if drop else data


def _dataset_from_memory(result: dict) -> xr.Dataset:
    """The Dataset of an in-memory run, equal to what :func:`open` gives for the file of the same run.

    The C++ side hands the variables already decoded as xarray decodes the file (CF fill values
    applied and moved to ``encoding``, ``coordinates`` in ``encoding``); float arrays are views of the
    C++ result, not copies. A single run (no sweep) is built without the ``run`` dimension (``run`` a
    scalar coordinate), as :func:`_single_run` makes of the file.
    """
    attrs = result["attrs"]
    total = attrs.get("total_runs")
    single = not result["swept"] and total is not None and int(total) == 1
    variables = {}
    coord_names = set()
    indexes = {}
    for name, dims, values, var_attrs, encoding, labels in result["variables"]:
        if labels is not None:  # label index -> text ("" for none, as the file's empty string)
            values = np.array([*labels, ""], dtype=object)[values]
        if "_Encoding" in encoding:  # the file's UTF-8 strings: xarray decodes them to fixed-width str
            values = np.array(values, dtype=str)
        if single and dims and dims[0] == "run":
            dims, values = dims[1:], values[0]
        if dims == (name,):  # a dimension coordinate, with its index
            index = xr.indexes.PandasIndex(pd.Index(values, name=name), name, coord_dtype=values.dtype)
            variable = index.create_variables({name: xr.Variable(dims, values, var_attrs, encoding)})[name]
            indexes[name] = index
            coord_names.add(name)
        else:
            variable = xr.Variable(dims, values, var_attrs, encoding, fastpath=True)
            if name == "run":
                coord_names.add(name)
        variables[name] = variable
        coord_names.update(encoding.get("coordinates", "").split())
    if _DIRECT_CONSTRUCTOR:
        try:
            # The variables are consistent by construction (one C++ description): skip the Dataset
            # constructor's merge and alignment, which cost more than the rest of a short run.
            dims = {}
            for v in variables.values():
                dims.update(zip(v.dims, v.shape))
            return xr.Dataset._construct_direct(variables, coord_names, dims, dict(attrs), indexes)
        except (AttributeError, TypeError):  # an xarray without this internal constructor
            pass
    coords = {k: v for k, v in variables.items() if k in coord_names}
    data_vars = {k: v for k, v in variables.items() if k not in coord_names}
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


#: Build in-memory Datasets with xarray's internal Dataset._construct_direct (falls back to the
#: public constructor, which gives the same Dataset more slowly; tests/python/test_python_run.py).
_DIRECT_CONSTRUCTOR = True


def _shard_text(shard: Any) -> str:
    if shard is None:
        return ""
    if isinstance(shard, str):
        return shard
    if isinstance(shard, tuple) and len(shard) == 2 and all(isinstance(k, int) for k in shard):
        return f"{shard[0]}/{shard[1]}"
    raise TypeError(f"shard must be 'K/N', (K, N) or 'slurm', not {shard!r}")


def _time_series_text(time_series: Any) -> str:
    if time_series is None:
        return ""
    if isinstance(time_series, bool) or not isinstance(time_series, (str, int)):
        raise TypeError(f"time_series must be 'all', 'none' or an int N (every N-th output time), "
                        f"not {time_series!r}")
    if isinstance(time_series, int):
        if time_series < 1:
            raise ValueError(f"time_series={time_series}: every N-th output time needs N >= 1")
        return str(time_series)
    if time_series not in ("all", "none"):
        raise ValueError(f"time_series={time_series!r}: expected 'all', 'none' or an int N")
    return time_series


def run(scenario: Scenario | str | os.PathLike | dict, output: str | os.PathLike | None = None, *,
        threads: int | None = None, progress: bool | Callable[[dict], Any] = False,
        overrides: dict | None = None, resume: bool = False, assume_yes: bool = False,
        shard: str | tuple[int, int] | None = None, quiet: bool = False,
        time_series: str | int | None = None, compression: int | None = None,
        precision: str | None = None, overwrite: bool = False) -> xr.Dataset:
    """Runs a scenario (a single run or its sweep) and returns the results as an xarray Dataset.

    Parameters
    ----------
    scenario: a :class:`Scenario`, a scenario file path or a dict.
    output: HDF5 file to write (kept; the Dataset reads from it lazily). Without it nothing is written:
        the Dataset is built in memory, equal to what reading the file would give.
    threads: OpenMP threads for a sweep (default: OMP_NUM_THREADS or all cores); recorded in the
        ``threads`` attribute.
    progress: True for a one-line display on stderr, or a callable given dicts with the keys
        done, total, failed, resumed, elapsed_seconds.
    overrides: dotted-path overrides applied first (see :meth:`Scenario.with_overrides`).
    resume: continue ``output + ".partial"`` left by an interrupted run (on a finished ``output`` of
        the same scenario: nothing to do, the Dataset is returned; needs ``output``).
    overwrite: replace an existing ``output`` or ``output + ".partial"``; without it an existing
        file is never overwritten (:class:`calcikin.InputError`).
    assume_yes: allow sweeps larger than the scenario's ``sweep.confirm_above``.
    shard: compute only shard K of N of the sweep (points K, K+N, ...): ``"K/N"``, ``(K, N)``, or
        ``"slurm"`` for K/N from the SLURM array variables. Default: every point; the environment
        (SLURM_ARRAY_TASK_ID, ...) is never read unless asked for.
    quiet: no summary line on stderr ("calcikin: done: ...").
    time_series: ``"all"``, ``"none"`` (per-run results only) or N (every N-th output time and the
        last); default: the scenario's ``output.time_series``.
    compression: gzip level 0-9 of the file (``output`` only); default: the scenario's.
    precision: ``"float32"`` stores the time series in single precision (half the size, about 7
        significant digits; per-run values stay float64), ``"float64"``; default: the scenario's
        ``output.precision``. Applies in memory as in the file.

    A scenario without a sweep gives a Dataset without the ``run`` dimension (``float(ds.t50)``); a
    sweep keeps ``run`` (see :func:`unstack_sweep`). Files always have ``run``.

    Ctrl-C stops the sweep cleanly: points in flight finish, ``output + ".partial"`` is kept (resumable),
    and KeyboardInterrupt is raised. Failed points of a sweep are recorded (NaN, ``status``/``message``)
    and reported with a warning; a scenario without a sweep whose run fails raises
    :class:`calcikin.SolverError` with the solver's message (the file, if any, is kept as the CLI keeps it).
    """
    sc = as_scenario(scenario)
    if overrides:
        sc = sc.with_overrides(overrides)
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer))):
        raise TypeError(f"threads must be an int, not {threads!r}")
    if threads is not None and int(threads) < 1:
        raise ValueError(f"threads must be >= 1, not {threads}")
    if compression is not None and (isinstance(compression, bool) or not isinstance(compression, int)
                                    or not 0 <= compression <= 9):
        raise ValueError(f"compression must be a gzip level 0-9, not {compression!r}")
    if precision is not None and precision not in ("float32", "float64"):
        raise ValueError(f"precision must be 'float32' or 'float64', not {precision!r}")
    if output is None and resume:
        raise ValueError("resume=True needs the output file of the interrupted run")
    shard_text = _shard_text(shard)
    series = _time_series_text(time_series)
    display = TextProgress() if progress is True else None
    callback = display if display is not None else (progress or None)

    target = "" if output is None else os.fspath(output)
    if target:
        pathlib.Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = _calcikin.run(sc._native, target, int(threads or 0), bool(resume), bool(assume_yes),
                                sc.set_arguments, callback, shard_text, output is None, bool(quiet),
                                series, -1 if compression is None else int(compression),
                                overwrite=bool(overwrite), precision=precision or "")
    finally:
        if display is not None:
            display.close()
    if output is None:
        ds = _dataset_from_memory(summary["result"])
        where = ""
    else:
        ds = open(summary["output_path"])
        where = f" (recorded in {summary['output_path']})"
    if summary["failed"] and summary["points"] == 1:
        message = str(np.ravel(ds["message"].values)[0])
        ds.close()
        raise SolverError(message + where)
    if summary["failed"]:
        warnings.warn(f"{summary['failed']} of {summary['points']} runs failed; see the 'status' and "
                      f"'message' variables", RuntimeWarning, stacklevel=2)
    return ds
