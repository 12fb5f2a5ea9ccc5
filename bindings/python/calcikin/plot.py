"""Figures of calcikin results (matplotlib; works with the non-interactive Agg backend).

* :func:`plot_run` — phase amounts, saturation indices and free Ca2+ activity versus time for one run;
* :func:`plot_t50_map` — T50 (or any per-run scalar) over two swept parameters;
* :func:`plot_dominant_phase_map` — the phase holding most of the solid phosphate at the end.

Fits (:mod:`calcikin.plot_fit`): :func:`plot_fit` (data vs fit), :func:`plot_waterfall` (multistart),
:func:`plot_profiles` (profile likelihoods), :func:`plot_corner` (posterior chain),
:func:`plot_prediction` (prediction bands).

Values in the files are SI; the axes show mmol/kgw, °C, hours or minutes.
Command line (used by scripts/demo): ``python -m calcikin.plot RESULT.h5 -o FIGURE.png``.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

import numpy as np
import xarray as xr

__all__ = ["plot_run", "plot_t50_map", "plot_dominant_phase_map", "display_scale", "main",
           "plot_fit", "plot_waterfall", "plot_profiles", "plot_corner", "plot_prediction"]

# (unit in the file) -> (factor, unit shown). Temperatures are shifted, see display_values.
_DISPLAY = {
    "mol/kg": (1e3, "mmol/kgw"),
    "mol/m3": (1.0, "mmol/L"),
    "s": (1.0 / 3600.0, "h"),
    "m": (1e9, "nm"),
    "1": (1.0, ""),
    "": (1.0, ""),
}
_TIME_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def display_scale(units: str) -> tuple[float, str]:
    """Factor and unit label used to show a value stored in SI ``units``."""
    return _DISPLAY.get(units, (1.0, units))


def display_values(da: xr.DataArray) -> tuple[np.ndarray, str]:
    """Values of ``da`` in display units, and the axis label."""
    units = str(da.attrs.get("units", ""))
    name = da.attrs.get("sweep_path") or da.attrs.get("long_name") or da.name
    if units == "K":
        return np.asarray(da.values) - 273.15, f"{name} (°C)"
    factor, shown = display_scale(units)
    return np.asarray(da.values) * factor, f"{name} ({shown})" if shown else str(name)


from .plot_fit import plot_corner, plot_fit, plot_prediction, plot_profiles, plot_waterfall  # noqa: E402


def _axes(n: int, axes, figsize):
    import matplotlib.pyplot as plt

    if axes is not None:
        axes = np.atleast_1d(axes)
        return axes[0].figure, axes
    fig, axes = plt.subplots(n, 1, sharex=True, figsize=figsize, constrained_layout=True)
    return fig, np.atleast_1d(axes)


def _select_run(ds: xr.Dataset, run: int) -> xr.Dataset:
    return ds.isel(run=run) if "run" in ds.dims else ds


def plot_run(ds: xr.Dataset, run: int = 0, *, time_unit: str = "h", axes=None, title: str | None = None):
    """Phase amounts, saturation indices and free Ca2+ activity versus time of one run.

    Returns the matplotlib Figure (three stacked panels sharing the time axis).
    """
    one = _select_run(ds, run)
    t = np.asarray(one["time"].values) / _TIME_UNITS[time_unit]
    positive = t > 0
    fig, (ax_amount, ax_si, ax_ca) = _axes(3, axes, (7, 8))
    phases = [str(p) for p in one["phase"].values]
    for i, phase in enumerate(phases):
        ax_amount.plot(t[positive], 1e3 * one["phase_amount"].values[positive, i], label=phase)
        ax_si.plot(t[positive], one["saturation_index"].values[positive, i], label=phase)
    ax_amount.set_ylabel("amount (mmol/kgw)")
    ax_amount.legend(loc="best", fontsize="small")
    ax_si.axhline(0.0, color="0.6", lw=0.8, ls="--")
    ax_si.set_ylabel("saturation index")
    ax_ca.plot(t[positive], 1e3 * one["free_calcium_activity"].values[positive], color="k")
    ax_ca.set_ylabel("free Ca²⁺ activity × 10³")
    for name, style in (("t50", "-"), ("induction_time", ":")):
        if name in one and np.isfinite(one[name].values):
            for ax in (ax_amount, ax_si, ax_ca):
                ax.axvline(float(one[name].values) / _TIME_UNITS[time_unit], color="0.4", lw=0.8, ls=style)
    ax_ca.set_xscale("log")
    ax_ca.set_xlabel(f"time ({time_unit})")
    if "t50" in one and np.isfinite(one["t50"].values):
        ax_amount.text(0.01, 0.95, f"T50 = {float(one['t50'].values) / 60:.0f} min", transform=ax_amount.transAxes,
                       va="top", fontsize="small")
    fig.suptitle(title if title is not None else str(ds.attrs.get("title", "")))
    return fig


def _grid(ds: xr.Dataset, x: str | None, y: str | None) -> tuple[xr.Dataset, str, str]:
    from .results import unstack_sweep

    grid = unstack_sweep(ds)
    swept = [d for d in grid.dims if d not in ("time", "phase", "element", "parameter", "run")]
    if x is None or y is None:
        if len(swept) != 2:
            raise ValueError(f"expected a sweep over two parameters, found {swept}; pass x= and y=")
        x = x or swept[1]
        y = y or ([s for s in swept if s != x][0])
    for name in (x, y):
        if name not in grid.dims:
            raise ValueError(f"{name!r} is not a swept parameter of this result (swept: {swept})")
    return grid, x, y


def plot_t50_map(ds: xr.Dataset, x: str | None = None, y: str | None = None, *, variable: str = "t50",
                 ax=None, cmap: str = "viridis", log: bool = False):
    """Heat map of a per-run scalar (T50 in minutes by default) over two swept parameters.

    ``x``/``y`` name the swept variables (e.g. ``"solution_totals_Mg"``); default: the two swept ones.
    Runs where the quantity was not reached (NaN) are grey.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    grid, x, y = _grid(ds, x, y)
    da = grid[variable].transpose(y, x)
    values = np.asarray(da.values, dtype=float)
    units = str(ds[variable].attrs.get("units", ""))
    label = variable
    if units == "s":
        values = values / 60.0
        label = f"{variable} (min)"
    xs, xlabel = display_values(grid[x])
    ys, ylabel = display_values(grid[y])
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    cm = plt.get_cmap(cmap).with_extremes(bad="0.85")  # grey: not reached / failed
    finite = values[np.isfinite(values)]
    norm = LogNorm(vmin=finite.min(), vmax=finite.max()) if log and finite.size and finite.min() > 0 else None
    mesh = ax.pcolormesh(xs, ys, np.ma.masked_invalid(values), cmap=cm, norm=norm, shading="nearest")
    ax.figure.colorbar(mesh, ax=ax, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_dominant_phase_map(ds: xr.Dataset, x: str | None = None, y: str | None = None, *, ax=None,
                            colors: dict | None = None):
    """Map of ``dominant_phase`` (the phase holding most solid phosphate at the end of each run)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    grid, x, y = _grid(ds, x, y)
    labels = np.asarray(grid["dominant_phase"].transpose(y, x).values).astype(str)
    names = sorted(set(labels.ravel()))
    palette = {"ACP": "#9ecae1", "HAP": "#e6550d", "WH": "#31a354", "OCP": "#756bb1", "": "#d9d9d9",
               "none": "#d9d9d9"}
    palette.update(colors or {})
    fallback = iter(plt.get_cmap("tab10").colors)
    color_list = [palette.get(n) or next(fallback) for n in names]
    codes = np.vectorize(names.index)(labels)
    xs, xlabel = display_values(grid[x])
    ys, ylabel = display_values(grid[y])
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    cmap = ListedColormap(color_list)
    ax.pcolormesh(xs, ys, codes, cmap=cmap, norm=BoundaryNorm(np.arange(len(names) + 1) - 0.5, len(names)),
                  shading="nearest")
    shown = {"ACP": "ACP kept", "": "none"}  # ACP dominant at the end = the transformation was inhibited
    ax.legend(handles=[Patch(color=c, label=shown.get(n, n)) for n, c in zip(names, color_list)],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), title="dominant phase", fontsize="small")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calcikin.plot",
                                     description="Draw a calcikin result file (one run: time courses).")
    parser.add_argument("result", help="HDF5 file written by `calcikin run`")
    parser.add_argument("-o", "--output", required=True, help="figure file (.png, .pdf, .svg)")
    parser.add_argument("--run", type=int, default=0, help="run index for time courses (default 0)")
    args = parser.parse_args(argv)

    import matplotlib

    if "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")
    from .results import open as open_result

    with open_result(args.result) as ds:
        fig = plot_run(ds, run=args.run)
        fig.savefig(args.output, dpi=150)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
