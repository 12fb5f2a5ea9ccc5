"""Figures of a fit (``ck.fit``, ``ck.open_fit``), re-exported by :mod:`calcikin.plot`:

* :func:`plot_fit` — data (with their sigma) against the best fit, one panel per observable, one
  colour per condition;
* :func:`plot_waterfall` — the multistart waterfall: final cost of every start, sorted;
* :func:`plot_profiles` — profile likelihood of each parameter with the 95 % threshold;
* :func:`plot_corner` — corner plot of a posterior chain (the ``corner`` package);
* :func:`plot_prediction` — a predicted output with its band (``FitResult.predict``).

Each returns a matplotlib Figure (works with the Agg backend).
"""
from __future__ import annotations

import numpy as np

__all__ = ["plot_fit", "plot_waterfall", "plot_profiles", "plot_corner", "plot_prediction"]

#: chi2(1, 0.95)/2: the rise of the cost that bounds a 95 % profile interval.
PROFILE_THRESHOLD = 1.920729410347062

_TIME = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def _figure(n: int, ncols: int | None = None, size: float = 3.2):
    import matplotlib.pyplot as plt
    ncols = ncols or min(n, 3)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols + 0.6, size * nrows * 0.85 + 0.4),
                             constrained_layout=True, squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n]


def _display(values: np.ndarray, unit: str) -> tuple[np.ndarray, str]:
    from .plot import display_scale
    factor, shown = display_scale(unit)
    return np.asarray(values, dtype=float) * factor, shown


def _condition_curves(result, last_time: dict) -> dict:
    """Each condition's run at the best fit (its scenario, its `set:` overrides and the fitted
    values) on 150 output times up to its last measured time (``last_time``, s), for smooth model
    curves; {} when the problem's scenario files are not known."""
    import os
    from .results import run
    from .scenario import load_scenario, scenario_from_dict
    files = result.problem.get("scenario_files")
    sets = result.problem.get("condition_sets")
    if not files or sets is None:
        return {}
    fitted = {path: (float(v) if unit in ("", "1") else f"{float(v)!r} {unit}")
              for path, v, unit in zip(result.paths, result.value, result.units)}
    runs = {}
    for cond, file, applied in zip(result.problem["conditions"], files, sets):
        if cond not in last_time:
            continue
        stop = float(last_time[cond])  # <= time.end (the problem file is checked for that)
        overrides = {k: v for k, v in (a.split("=", 1) for a in applied) if k != "time.end"}
        overrides.update(fitted)
        data = load_scenario(file).to_dict(overrides=False)
        data.setdefault("time", {})["end"] = f"{stop!r} s"
        data["time"]["output"] = {"linspace": ["0 s", f"{stop!r} s"], "points": 150}
        data.pop("sweep", None)
        sc = scenario_from_dict(data, name=file, base_dir=os.path.dirname(file))
        runs[cond] = run(sc.with_overrides(overrides), quiet=True)
    return runs


def _curve(ds, expr: str):
    """The run variable an observable expression names (``dissolved_total.Ca`` ...), or None."""
    name, _, label = expr.partition(".")
    if name == "phase_fraction" and "solid_element" in ds:
        # The phase's share of the solid phosphate at each time (as the fit computes it).
        p = ds["solid_element"].sel(element="P").clip(min=0.0)
        if label not in [str(v) for v in p["phase"].values]:
            return None
        total = p.sum("phase")
        return (p.sel(phase=label) / total.where(total > 0.0)).rename("phase_fraction")
    if name not in ds or "time" not in ds[name].dims:
        return None
    var = ds[name]
    if label:
        dim = next((d for d in var.dims if d != "time"), None)
        if dim is None or label not in [str(v) for v in var[dim].values]:
            return None
        var = var.sel({dim: label})
    return var


def plot_fit(result, *, time_unit: str = "h", event_unit: str = "min", curves: bool = True):
    """Measured values (error bars: their sigma; log-normal sigma as a factor) and the best fit's
    simulated values, one panel per observable: time courses against time, one colour per
    condition (``curves``: the model's whole trajectory at the best fit, each condition run once
    with its scenario's output times; else lines through the simulated values at the measured
    times); event times (T50, induction time) and other end-point data against the condition.
    Censored data are drawn as open triangles at their bound."""
    import matplotlib.pyplot as plt
    table = result.measurements()
    exprs = dict(zip(result.problem.get("observables", []), result.problem.get("observable_exprs", [])))
    timed = table[table["time"].notna()]
    runs = _condition_curves(result, timed.groupby("condition")["time"].max().to_dict()) \
        if curves and len(timed) else {}
    units = dict(zip(result.problem.get("observables", []), result.problem.get("observable_units", [])))
    observables = list(dict.fromkeys(table["observable"]))
    conditions = list(dict.fromkeys(table["condition"]))
    colours = {c: plt.cm.tab10(i % 10) for i, c in enumerate(conditions)}
    fig, axes = _figure(len(observables))
    for ax, obs in zip(axes, observables):
        rows = table[table["observable"] == obs]
        unit = units.get(obs, "1")
        series = np.isfinite(rows["time"].to_numpy(dtype=float)).any()
        is_event = unit == "s" and not series
        if is_event:
            scale, shown = 1.0 / _TIME[event_unit], event_unit
        else:
            scale, shown = _display(1.0, unit)
        if series:
            for cond in dict.fromkeys(rows["condition"]):
                r = rows[rows["condition"] == cond].sort_values("time")
                t = r["time"].to_numpy(dtype=float) / _TIME[time_unit]
                y = r["value"].to_numpy(dtype=float) * scale
                sig = r["sigma"].to_numpy(dtype=float) * scale
                ax.errorbar(t, y, yerr=sig, fmt="o", ms=4, color=colours[cond], label=f"{cond} data")
                curve = _curve(runs[cond], exprs.get(obs, "")) if cond in runs else None
                if curve is not None:
                    tc = np.asarray(curve["time"].values, dtype=float) / _TIME[time_unit]
                    ax.plot(tc, np.asarray(curve.values, dtype=float) * scale, "-", color=colours[cond],
                            label=f"{cond} fit")
                    ax.plot(t, r["simulated"].to_numpy(dtype=float) * scale, "x", ms=4, color=colours[cond])
                else:
                    ax.plot(t, r["simulated"].to_numpy(dtype=float) * scale, "-", color=colours[cond],
                            label=f"{cond} fit")
            ax.set_xlabel(f"time ({time_unit})")
        else:
            x = np.array([conditions.index(c) for c in rows["condition"]], dtype=float)
            y = rows["value"].to_numpy(dtype=float) * scale
            sim = rows["simulated"].to_numpy(dtype=float) * scale
            sig = rows["sigma"].to_numpy(dtype=float)
            censored = rows["censored"].to_numpy(dtype=float) > 0 if "censored" in rows else np.zeros(len(rows), bool)
            if is_event:  # log-normal sigma: a factor exp(+-sigma)
                err = np.vstack([y - y * np.exp(-sig), y * np.exp(sig) - y])
            else:
                err = sig * scale
            ok = ~censored
            ax.errorbar(x[ok], y[ok], yerr=err[:, ok] if np.ndim(err) == 2 else err[ok], fmt="o", color="k",
                        label="data")
            if censored.any():
                ax.plot(x[censored], y[censored], "^", mfc="none", color="k", label="data (> bound)")
            ax.plot(x, sim, "s", mfc="none", color="C3", ms=8, label="fit")
            ax.set_xticks(range(len(conditions)))
            ax.set_xticklabels(conditions, rotation=30, ha="right")
            ax.set_xlabel("condition")
        ax.set_ylabel(f"{obs} ({shown})" if shown else obs)
        ax.set_title(obs)
        ax.legend(fontsize="x-small")
    fig.suptitle(f"data and best fit (cost {result.cost:.4g})")
    return fig


def plot_waterfall(result, ax=None):
    """Multistart waterfall: the final cost of every start in ascending order (log axis, relative
    to the best: cost - best + 1); a plateau of several starts at the bottom is a reproducible optimum."""
    import matplotlib.pyplot as plt
    costs = np.sort(np.asarray(result.start_cost, dtype=float))
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.5), constrained_layout=True)
    else:
        fig = ax.figure
    finite = np.isfinite(costs)
    best = costs[finite].min() if finite.any() else 0.0
    ax.semilogy(np.arange(1, len(costs) + 1)[finite], costs[finite] - best + 1.0, "o-", color="k")
    ax.axhline(1.0 + PROFILE_THRESHOLD, color="C3", ls="--", lw=0.8, label="best + 1.92")
    ax.set_xlabel("start (sorted by final cost)")
    ax.set_ylabel("cost - best + 1")
    ax.set_title(f"multistart: {int(finite.sum())} of {len(costs)} starts finished")
    ax.legend(fontsize="small")
    return fig


def plot_profiles(result):
    """Profile likelihood of each profiled parameter: the cost rise over the optimum against the
    parameter value (SI; log axis for log10-scaled parameters spanning more than a decade) with the 95 % threshold (1.92) and
    the best fit; a profile that stays below the threshold on a side is marked not identifiable."""
    profiles = list(result.profiles)
    if not profiles:
        raise ValueError("the fit has no profiles: run ck.fit(..., profiles=True)")
    fig, axes = _figure(len(profiles))
    for j, (ax, prof) in enumerate(zip(axes, profiles)):
        values = np.asarray(prof["values"], dtype=float)
        costs = np.asarray(prof["costs"], dtype=float)
        keep = np.isfinite(values) & np.isfinite(costs)
        log = result.scales[j] == "log10"
        x = 10.0 ** values[keep] if log else values[keep]
        ax.plot(x, costs[keep] - result.cost, "o-", color="k", ms=3)
        ax.axhline(PROFILE_THRESHOLD, color="C3", ls="--", lw=0.8, label="95 % (1.92)")
        ax.axvline(result.value[j], color="C0", lw=0.8, label="best fit")
        lo, hi = result.ci_lower[j], result.ci_upper[j]
        if np.isfinite(lo) and np.isfinite(hi):
            ax.axvspan(lo, hi, color="C0", alpha=0.1, lw=0)
        if log and len(x) and x.max() > 10 * x.min():  # within a decade a linear axis reads better
            ax.set_xscale("log")
        unit = result.units[j]
        ax.set_xlabel(f"{result.names[j]}" + (f" ({unit})" if unit not in ("", "1") else ""))
        ax.set_ylabel("cost - best")
        ax.set_ylim(bottom=-0.1)
        ok = bool(prof.get("identifiable", True))
        ax.set_title(result.names[j] + ("" if ok else "  (not identifiable)"), fontsize="small",
                     color="k" if ok else "C3")
        ax.legend(fontsize="x-small")
    return fig


def plot_corner(samples, *, burn_in: int | None = None, truths=None, scaled: bool = True, **kwargs):
    """Corner plot (Foreman-Mackey 2016, J Open Source Softw 1:24) of a posterior chain: a
    :class:`~calcikin.FitResult` with a chain (``truths`` default: its best fit) or the Dataset of
    :func:`calcikin.fit.sample_emcee`. ``scaled``: on the fit scale (log10 for log parameters),
    else SI. Samples after ``burn_in`` (default: the one recorded). Extra keywords go to
    ``corner.corner``."""
    import corner
    if hasattr(samples, "data_vars"):
        chain = np.asarray(samples["chain"].values, dtype=float)
        names = [str(n) for n in samples["parameter"].values]
        scales = [str(s) for s in samples["scale"].values] if "scale" in samples else ["lin"] * len(names)
        start = int(samples.attrs.get("burn_in", 0)) if burn_in is None else int(burn_in)
    else:
        if samples.chain is None:
            raise ValueError("the fit has no chain: sample one (calcikin fit --sample, or "
                             "calcikin.fit.sample_emcee and FitResult.with_chain)")
        chain = np.asarray(samples.chain, dtype=float)
        names, scales = list(samples.names), list(samples.scales)
        start = (samples.burn_in or 0) if burn_in is None else int(burn_in)
        if truths is None:
            truths = np.asarray(samples.value, dtype=float)
    flat = chain[start:].reshape(-1, chain.shape[-1])
    flat = flat[np.all(np.isfinite(flat), axis=1)]
    labels = list(names)
    if scaled:
        log = np.array([s == "log10" for s in scales])
        flat = np.where(log, np.log10(flat), flat)
        labels = [f"log10 {n}" if lg else n for n, lg in zip(names, log)]
        if truths is not None:
            truths = np.where(log, np.log10(np.asarray(truths, dtype=float)), truths)
    options = {"labels": labels, "truths": truths, "quantiles": [0.025, 0.5, 0.975], "show_titles": True,
               "title_fmt": ".3g", "title_kwargs": {"fontsize": "small"}, "label_kwargs": {"fontsize": "small"}}
    options.update(kwargs)
    return corner.corner(flat, **options)


def plot_prediction(prediction, variable: str = "crystalline_fraction", *, select: dict | None = None,
                    time_unit: str = "h", ax=None, label: str | None = None):
    """One output of :meth:`FitResult.predict` against time: the best fit, the median and the band
    (``level`` of the prediction). ``select`` picks one label of extra dimensions
    (``{"phase": "HAP"}``). A per-run value (``t50``) is drawn as a point with its band."""
    import matplotlib.pyplot as plt
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.8), constrained_layout=True)
    else:
        fig = ax.figure
    parts = [prediction[f"{variable}{s}"] for s in ("", "_median", "_lower", "_upper")]
    if select:
        parts = [p.sel(select) for p in parts]
    best, med, lo, hi = parts
    unit = str(best.attrs.get("units", "1"))
    level = float(prediction.attrs.get("level", 0.95))
    name = label or variable + (f" {dict(select)}" if select else "")
    if "time" in best.dims:
        t = np.asarray(best["time"].values, dtype=float) / _TIME[time_unit]
        keep = t > 0
        y = [(_display(np.asarray(p.values), unit)[0])[keep] for p in (best, med, lo, hi)]
        shown = _display(1.0, unit)[1]
        ax.fill_between(t[keep], y[2], y[3], color="C0", alpha=0.25, lw=0, label=f"{100 * level:g} % band")
        ax.plot(t[keep], y[1], color="C0", ls="--", lw=1, label="median")
        ax.plot(t[keep], y[0], color="k", lw=1.5, label="best fit")
        ax.set_xscale("log")
        ax.set_xlabel(f"time ({time_unit})")
    else:
        scale, shown = (1.0 / _TIME["min"], "min") if unit == "s" else _display(1.0, unit)
        b, m, lo_, hi_ = (float(p.values) * scale for p in (best, med, lo, hi))
        ax.errorbar([0], [m], yerr=[[m - lo_], [hi_ - m]], fmt="o", color="C0", capsize=4,
                    label=f"median, {100 * level:g} % band")
        ax.plot([0], [b], "ks", mfc="none", ms=9, label="best fit")
        ax.set_xticks([])
    ax.set_ylabel(f"{name} ({shown})" if shown else name)
    ax.set_title(f"prediction: {prediction.attrs.get('n_draws')} draws from {prediction.attrs.get('draws_from')}",
                 fontsize="small")
    ax.legend(fontsize="small")
    return fig
