"""Same model, two implementations: the mechanistic right-hand side in NumPy (numpy_model.py) integrated
with SciPy's solve_ivp (LSODA and BDF, same rtol/atol, T50 as an event), against calcikin's C++ (CVODE
BDF, exact Jacobian) on one core. The model runs on the closed-form chemistry so both sides compute the
same equations (the C++ side's full-speciation timing is bench_kinetics_trajectory).

    /tmp/venvtest/bin/python bench/kinetics/numpy_vs_calcikin.py [--exe PATH/kinetics_rhs_dump] [--reps N]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from numpy_model import NumpyModel  # noqa: E402


def find_exe():
    hits = sorted(glob.glob(os.path.join(ROOT, "build*/bin/kinetics_rhs_dump"))
                  + glob.glob(os.path.join(ROOT, "build*/*/bin/kinetics_rhs_dump")), key=os.path.getmtime)
    return hits[-1] if hits else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", default=find_exe())
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    if not args.exe:
        sys.exit("kinetics_rhs_dump not found: build it (target kinetics_rhs_dump) or pass --exe")
    cfg = json.loads(subprocess.run([args.exe], check=True, capture_output=True, text=True).stdout)
    cpp = json.loads(subprocess.run([args.exe, "--time", "200"], check=True, capture_output=True, text=True).stdout)
    model = NumpyModel(cfg)
    y0 = np.array(cfg["setup"]["initial_state"])
    t_end = 3 * 86400.0
    rtol, atol = 1e-6, 1e-10  # the scenario defaults (solver.rtol, solver.atol_scale)

    def t50_event(t, y):
        return model.crystalline_fraction(y) - 0.5
    t50_event.direction = 1

    print(f"calcikin C++ (CVODE BDF, exact Jacobian): {cpp['median_ms']:.3f} ms per trajectory, "
          f"T50 {cpp['t50_s'] / 3600:.4f} h, {cpp['steps']} steps, {cpp['rhs_evaluations']} RHS, "
          f"{cpp['jacobian_evaluations']} Jacobians")
    results = {"calcikin_ms": cpp["median_ms"], "calcikin_t50_h": cpp["t50_s"] / 3600}
    for method in ("LSODA", "BDF"):
        times = []
        sol = None
        for _ in range(args.reps):
            t0 = time.perf_counter()
            sol = solve_ivp(model.rhs, (0.0, t_end), y0, method=method, rtol=rtol, atol=atol, events=t50_event)
            times.append(time.perf_counter() - t0)
        ms = 1e3 * float(np.median(times))
        t50 = sol.t_events[0][0] / 3600 if len(sol.t_events[0]) else float("nan")
        ratio = ms / cpp["median_ms"]
        print(f"NumPy + solve_ivp {method:5s}: {ms:9.1f} ms per trajectory, T50 {t50:.4f} h, nfev {sol.nfev}, "
              f"njev {sol.njev}, status {sol.status} -> calcikin is {ratio:,.0f}x faster")
        results[method] = {"ms": ms, "t50_h": t50, "nfev": int(sol.nfev), "ratio": ratio}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
