"""calcikin fit against what a Python user writes today: scipy.optimize.least_squares with finite
differences over ck.run, on the same synthetic problem (6 parameters, 30 conditions mixing T50 and
time courses; the Level-1 autocatalytic model of the T50 assay), from the same start (the catalogue
defaults), one thread each. Prints wall times (medians of --repeat runs of each side, since the
machine is shared), final costs (1/2 sum r^2, the same residuals) and the ratio. Not a test.

    PYTHONPATH=build/python .venv/bin/python bench/fit/fit_vs_scipy.py [--quick] [--repeat N]
        [--model autocatalytic|mechanistic]

--model mechanistic runs the same comparison on a Level-2 problem (3 parameters, 20 conditions),
where no closed form exists and every run is stepped by CVODE(S).
"""
from __future__ import annotations

import argparse
import itertools
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

import calcikin as ck

HERE = Path(__file__).resolve().parent
# Per model: the scenario, the Mg x pH grid of the conditions and the fitted parameters as
# (name, scale, lower, upper (SI), unit text for ck.run overrides), with the true values.
MODELS = {
    # Level 1 (the benchmark): six parameters, 30 conditions; solved in closed form.
    "autocatalytic": dict(
        scenario="t50_auto.yaml",
        mg=[0.2, 0.5, 1.0, 1.5, 2.0, 3.0],  # mmol/kgw
        ph=[7.0, 7.2, 7.4, 7.6, 7.8],
        params=[
            ("autocatalytic.k0", "log10", 1e-9, 1e-4, "1/s"),
            ("autocatalytic.k1", "log10", 1e-6, 1e-2, "1/s"),
            ("autocatalytic.ph_slope", "lin", 0.0, 1.0, ""),
            ("autocatalytic.mg.langmuir_constant", "log10", 0.1, 100.0, "m3/mol"),
            ("autocatalytic.mg.effectiveness", "lin", 0.0, 5.0, ""),
            ("thermodynamics.parameters.ACP.log_k_offset", "lin", -0.3, 0.3, ""),
        ],
        truth=[6e-7, 2.5e-4, 0.6, 2.0, 0.8, 0.1]),
    # Level 2 (CVODE with sensitivities, no closed form): the HAP nucleation barrier, its Mg
    # blocking and its growth constant, 20 conditions whose T50 stays within the 24 h.
    "mechanistic": dict(
        scenario="t50_mech.yaml",
        mg=[0.2, 0.5, 1.0, 1.5, 2.0],
        ph=[7.3, 7.4, 7.5, 7.6],
        params=[
            ("HAP.nucleation.interfacial_energy", "lin", 0.13, 0.17, "J/m2"),
            ("HAP.mg.langmuir_constant", "log10", 0.1, 100.0, "m3/mol"),
            ("HAP.growth.rate_constant", "log10", 1e-10, 1e-6, "mol/m2/s"),
        ],
        truth=[0.148, 2.0, 1.5e-8]),
}
MG, PH, PARAMS, TRUTH, SCENARIO = (MODELS["autocatalytic"][k]
                                   for k in ("mg", "ph", "params", "truth", "scenario"))
TIMES_H = [2.0, 5.0, 9.0]                    # time-course points (h), conditions 0, 3, 6, ...
SIGMA_T50, SIGMA_ALPHA = 0.05, 0.02


def conditions():
    return [(f"c{i}", mg, ph) for i, (mg, ph) in enumerate(itertools.product(MG, PH))]


def to_x(theta):
    return np.array([math.log10(v) if s == "log10" else v for v, (_, s, *_r) in zip(theta, PARAMS)])


def to_theta(x):
    return [10 ** v if s == "log10" else v for v, (_, s, *_r) in zip(x, PARAMS)]


def simulate(scenario, cond, theta, times_s):
    """One ck.run of a condition at parameters theta: T50 (s) and alpha at times_s."""
    _, mg, ph = cond
    # The scenario's output times are TIMES_H and 24 h (t50_auto.yaml, t50_mech.yaml).
    overrides = {"solution.totals.Mg": f"{mg} mmol/kgw", "solution.pH": ph, "solver.rtol": 1e-8}
    for (name, _s, _lo, _hi, unit), v in zip(PARAMS, theta):
        path = name if name.startswith("thermodynamics.") else "kinetics.parameters." + name
        overrides[path] = f"{float(v)!r} {unit}" if unit else float(v)
    ds = ck.run(scenario, overrides=overrides, quiet=True)
    alpha = ds["crystalline_fraction"].values[: len(times_s)]
    return float(ds["t50"].values), alpha


def residuals(scenario, conds, theta, data):
    r = []
    for cond in conds:
        t50_meas, alpha_meas = data[cond[0]]
        times_s = [t * 3600 for t in TIMES_H] if alpha_meas is not None else []
        t50, alpha = simulate(scenario, cond, theta, times_s)
        if not np.isfinite(t50):
            t50 = 24 * 3600.0
        r.append((math.log(t50) - math.log(t50_meas)) / SIGMA_T50)
        if alpha_meas is not None:
            r.extend((alpha - alpha_meas) / SIGMA_ALPHA)
    return np.array(r)


def write_problem(folder: Path, conds, data):
    lines = ["schema: calcikin/calibration/1", "conditions:"]
    for cid, mg, ph in conds:
        lines.append(f"  - {{id: {cid}, scenario: {SCENARIO}, "
                     f"set: {{solution.totals.Mg: {mg} mmol/kgw, solution.pH: {ph}}}}}")
    lines += ["observables:",
              f"  - {{id: T50, expr: t50, noise: lognormal, sigma: {SIGMA_T50}}}",
              f"  - {{id: alpha, expr: crystalline_fraction, noise: normal, sigma: {SIGMA_ALPHA}}}",
              "measurements: data.csv", "parameters:"]
    for name, scale, lo, hi, unit in PARAMS:
        u = f" {unit}" if unit else ""
        lines.append(f"  - {{name: {name}, scale: {scale}, bounds: [{lo}{u}, {hi}{u}]}}")
    lines.append("fit: {starts: 1, seed: 1, max_iterations: 100, rtol: 1e-8}")
    (folder / "problem.yaml").write_text("\n".join(lines) + "\n")
    rows = ["condition,observable,time [h],value,sigma,source"]
    for cid, *_ in conds:
        t50, alpha = data[cid]
        rows.append(f"{cid},T50,,{float(t50) / 60.0!r},,synthetic")
        if alpha is not None:
            rows += [f"{cid},alpha,{t},{float(a)!r},,synthetic" for t, a in zip(TIMES_H, alpha)]
    (folder / "data.csv").write_text("\n".join(rows) + "\n")
    text = (folder / "problem.yaml").read_text().replace(
        "noise: lognormal, sigma: 0.05}", "noise: lognormal, sigma: 0.05, unit: min}")
    (folder / "problem.yaml").write_text(text)


def timed(fn, repeat):
    """(last result, median seconds, every run's seconds) of `repeat` calls of fn()."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, float(np.median(times)), times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="6 conditions instead of 30")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--model", choices=sorted(MODELS), default="autocatalytic",
                    help="autocatalytic: the issue's benchmark (Level 1, closed form); "
                         "mechanistic: a Level-2 problem stepped by CVODES")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each side; the medians are compared (the machine is shared)")
    args = ap.parse_args()
    global MG, PH, PARAMS, TRUTH, SCENARIO
    cfg = MODELS[args.model]
    MG, PH, PARAMS, TRUTH, SCENARIO = cfg["mg"], cfg["ph"], cfg["params"], cfg["truth"], cfg["scenario"]
    conds = conditions()[: 6 if args.quick else None]
    folder = Path(tempfile.mkdtemp(prefix="calcikin_bench_fit_"))
    try:
        shutil.copy(HERE / SCENARIO, folder / SCENARIO)
        scenario = ck.load_scenario(folder / SCENARIO)
        rng = np.random.default_rng(args.seed)
        data = {}
        for i, cond in enumerate(conds):
            with_course = i % 3 == 0
            t50, alpha = simulate(scenario, cond, TRUTH,
                                  [t * 3600 for t in TIMES_H] if with_course else [])
            data[cond[0]] = (t50 * math.exp(SIGMA_T50 * rng.standard_normal()),
                             alpha + SIGMA_ALPHA * rng.standard_normal(alpha.size)
                             if with_course else None)
        write_problem(folder, conds, data)
        n_data = sum(1 + (len(TIMES_H) if a is not None else 0) for _, a in data.values())
        print(f"problem: {len(PARAMS)} parameters, {len(conds)} conditions, {n_data} data")

        for gradient in ("finite-differences", "sensitivities"):
            text = (folder / "problem.yaml").read_text()
            for g in ("finite-differences", "sensitivities"):
                text = text.replace(f", gradient: {g}", "")
            text = text.replace("rtol: 1e-8}", f"rtol: 1e-8, gradient: {gradient}}}")
            (folder / "problem.yaml").write_text(text)
            rg, tg, times = timed(lambda: ck.fit(folder / "problem.yaml", threads=1, starts=1),
                                  args.repeat)
            print(f"calcikin fit ({gradient}, 1 thread): median {tg:.3f} s of {args.repeat} "
                  f"({', '.join(f'{t:.3f}' for t in times)}), cost {rg.cost:.6f}, "
                  f"{int(rg.raw['start_iterations'][0])} iterations, "
                  f"{int(rg.raw['start_evaluations'][0])} evaluations")
        r, t_ck = rg, tg
        # The conditions of one evaluation in parallel (OpenMP): what `calcikin fit -j 2` does on
        # this machine's two cores. scipy's side stays one process, as a user's script is.
        r2, t_ck2, _ = timed(lambda: ck.fit(folder / "problem.yaml", threads=2, starts=1),
                             args.repeat)
        print(f"calcikin fit (sensitivities, 2 threads): median {t_ck2:.3f} s, cost {r2.cost:.6f}")

        defaults = ck.kinetic_parameters()["default"]
        theta0 = [float(defaults[n]) if not n.startswith("thermodynamics.") else 0.0
                  for n, *_ in PARAMS]
        lo = to_x([p[2] for p in PARAMS])
        hi = to_x([p[3] for p in PARAMS])
        x0 = np.clip(to_x(theta0), lo, hi)
        calls = [0]

        def fun(x):
            calls[0] += 1
            return residuals(scenario, conds, to_theta(x), data)

        def scipy_fit():
            calls[0] = 0
            return least_squares(fun, x0, bounds=(lo, hi), method="trf", max_nfev=200)

        sp, t_sp, times = timed(scipy_fit, args.repeat)
        print(f"scipy least_squares (2-point differences over ck.run): median {t_sp:.2f} s "
              f"({', '.join(f'{t:.2f}' for t in times)}), cost {sp.cost:.6f}, {calls[0]} residual "
              f"vectors = {calls[0] * len(conds)} ck.run ({1e3 * t_sp / (calls[0] * len(conds)):.2f} "
              "ms each)")
        print(f"ratio scipy / calcikin (whole runs): {t_sp / t_ck:.1f}x; "
              f"final costs {r.cost:.6f} vs {sp.cost:.6f}")
        # Time for calcikin to reach scipy's final cost: the share of its solve's time (Ceres'
        # per-iteration trace) spent before the first iteration at that cost, times the median.
        def to_same_cost(result, median):
            tc, ts = result.raw["best_trace_cost"], result.raw["best_trace_seconds"]
            reached = [s for c, s in zip(tc, ts) if c <= sp.cost * (1 + 1e-9)]
            return median * reached[0] / max(ts[-1], 1e-9) if reached else None

        t_reach = to_same_cost(r, t_ck)
        if t_reach is not None:
            print(f"calcikin reaches scipy's final cost after {t_reach:.3f} s: "
                  f"{t_sp / max(t_reach, 1e-9):.1f}x faster to the same cost (goal >= 30x)")
        else:
            print("calcikin did not reach scipy's final cost")
        t_reach2 = to_same_cost(r2, t_ck2)
        print(f"2 threads: {t_sp / t_ck2:.1f}x overall" +
              (f", {t_sp / max(t_reach2, 1e-9):.1f}x to the same cost" if t_reach2 else ""))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
