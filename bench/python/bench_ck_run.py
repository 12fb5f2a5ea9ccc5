"""Benchmark (not a test): the cost of ck.run around the C++ trajectory, and Python vs CLI sweeps.

    .venv/bin/python bench/python/bench_ck_run.py [--build build] [--repeat 30] [--rounds 5]

Prints JSON: the median wall time of (1) one T50-assay ck.run (in memory), (2) the bare trajectory
(bench_kinetics_trajectory: a warm evaluator, same build), their difference (goal: within 2 ms), (3) a
100-point list sweep from Python and from `calcikin run` (time_series none, one thread; goal: Python
within 10 %), and the peak RSS of a process that runs one point. The measurements alternate in
`rounds` rounds (bare, ck.run, Python sweep, CLI sweep, ...) so that a machine whose load changes
affects both sides of each ratio alike; medians over all rounds. The CPU time of a ck.run (all
threads, time.process_time) is printed too: on a loaded machine it is the steadier figure.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def timed(fn, repeat):
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu


def ms(values):
    return round(1e3 * statistics.median(values), 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    sys.path.insert(0, str(build / "python"))
    import calcikin as ck
    import yaml

    t50_file = ROOT / "scenarios" / "t50_assay.yaml"
    t50 = ck.load_scenario(t50_file)
    data = t50.to_dict()
    data["output"] = {"time_series": "none"}
    data["sweep"] = {"mode": "list", "points": [
        {"solution.totals.Mg": f"{0.01 * i:.2f} mmol/kgw", "solution.pH": 7.2 + 0.004 * i} for i in range(100)]}
    run_wall, run_cpu, bare, py_sweep, cli_sweep = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "sweep100.yaml"
        path.write_text(yaml.safe_dump(data))
        sweep = ck.load_scenario(path)
        out = pathlib.Path(tmp) / "o.h5"
        cli = [str(build / "bin" / "calcikin"), "run", str(path), "-o", str(out), "-j", "1", "--no-progress",
               "--overwrite"]
        ck.run(t50, quiet=True, threads=1)  # warm-up (imports, first allocations)
        sweep_repeat = max(2, args.repeat // 10)
        for _ in range(args.rounds):
            result = subprocess.run([build / "bin" / "bench_kinetics_trajectory", t50_file, str(args.repeat)],
                                    capture_output=True, text=True, check=True)
            bare.append(json.loads(result.stdout.splitlines()[0])["median_ms"] / 1e3)
            wall, cpu = timed(lambda: ck.run(t50, quiet=True, threads=1), args.repeat)
            run_wall += wall
            run_cpu += cpu
            py_sweep += timed(lambda: ck.run(sweep, threads=1, quiet=True), sweep_repeat)[0]
            cli_sweep += timed(lambda: subprocess.run(cli, check=True, capture_output=True), sweep_repeat)[0]
    rss = subprocess.run(["/usr/bin/time", "-f", "%M", str(build / "bin" / "calcikin"), "run", str(t50_file),
                          "-o", str(pathlib.Path(tempfile.gettempdir()) / "ck_bench_rss.h5"), "-j", "1",
                          "--no-progress", "--overwrite"], capture_output=True, text=True)
    pathlib.Path(tempfile.gettempdir(), "ck_bench_rss.h5").unlink(missing_ok=True)
    print(json.dumps({
        "ck_run_single_median_ms": ms(run_wall),
        "ck_run_single_cpu_median_ms": ms(run_cpu),
        "bare_trajectory_median_ms": ms(bare),
        "ck_run_overhead_ms": round(ms(run_wall) - ms(bare), 3),
        "sweep100_python_median_ms": ms(py_sweep),
        "sweep100_cli_median_ms": ms(cli_sweep),
        "sweep100_python_over_cli": round(statistics.median(py_sweep) / statistics.median(cli_sweep), 3),
        "cli_single_point_peak_rss_kib": int(rss.stderr.strip().splitlines()[-1]) if rss.returncode == 0 else None,
    }, indent=1))


if __name__ == "__main__":
    main()
