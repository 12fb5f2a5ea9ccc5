#!/usr/bin/env python3
"""Before/after benchmark of two builds, interleaved in one run (not a test).

    bench/compare_builds.py BEFORE_DIR AFTER_DIR [--rounds N] [--reps R]

Each DIR holds a `calcikin` and a `bench_kinetics_trajectory` executable (e.g. copied from
build/bin at two commits). Per round, for each build in turn:
  * sweep: `calcikin run bench/sweep/t50_assay_mg_p_sweep.yaml -j1 --yes` (2,000 summaries-only
    points of the T50 assay): points per second of wall time and of CPU time (user + sys of the
    child, robust on a shared, loaded machine);
  * trajectory: `bench_kinetics_trajectory scenarios/t50_assay.yaml R` (median ms of one T50-assay
    trajectory with its time series, on one core).
Prints the medians per build and the ratios after/before (> 1 = after is faster), as JSON.
"""
import argparse
import json
import os
import pathlib
import re
import resource
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def sweep(build, out):
    cpu0, t0 = child_cpu(), time.perf_counter()
    p = subprocess.run([str(build / "calcikin"), "run", str(ROOT / "bench/sweep/t50_assay_mg_p_sweep.yaml"),
                        "-j1", "--yes", "--overwrite", "--no-progress", "-o", out],
                       capture_output=True, text=True, check=True)
    wall, cpu = time.perf_counter() - t0, child_cpu() - cpu0
    points = int(re.search(r"done: (\d+)/", p.stderr).group(1))
    return points / wall, points / cpu


def trajectory(build, reps):
    p = subprocess.run([str(build / "bench_kinetics_trajectory"), str(ROOT / "scenarios/t50_assay.yaml"),
                        str(reps)], capture_output=True, text=True, check=True)
    first = json.loads(p.stdout.splitlines()[0])
    return first["median_ms"], first["t50_h"], first["steps"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before", type=pathlib.Path)
    ap.add_argument("after", type=pathlib.Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=100)
    a = ap.parse_args()
    builds = {"before": a.before, "after": a.after}
    results = {k: {"sweep_pps_wall": [], "sweep_pps_cpu": [], "trajectory_ms": []} for k in builds}
    t50 = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(a.rounds):
            for name, build in builds.items():
                wall, cpu = sweep(build, os.path.join(tmp, name + ".h5"))
                results[name]["sweep_pps_wall"].append(wall)
                results[name]["sweep_pps_cpu"].append(cpu)
                ms, t50_h, steps = trajectory(build, a.reps)
                results[name]["trajectory_ms"].append(ms)
                t50[name] = (t50_h, steps)
    med = {k: {m: statistics.median(v) for m, v in r.items()} for k, r in results.items()}
    ratio = {"sweep_pps_wall": med["after"]["sweep_pps_wall"] / med["before"]["sweep_pps_wall"],
             "sweep_pps_cpu": med["after"]["sweep_pps_cpu"] / med["before"]["sweep_pps_cpu"],
             "trajectory_speed": med["before"]["trajectory_ms"] / med["after"]["trajectory_ms"]}
    print(json.dumps({"rounds": a.rounds, "median": med, "ratio_after_over_before": ratio,
                      "t50_h_and_steps": t50, "raw": results}, indent=1))


if __name__ == "__main__":
    main()
