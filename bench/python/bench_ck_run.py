"""Benchmark (not a test): the cost of ck.run around the C++ trajectory, and Python vs CLI sweeps.

    .venv/bin/python bench/python/bench_ck_run.py [--build build] [--repeat 30]

Prints JSON: the median wall time of (1) one T50-assay ck.run (in memory), (2) the bare trajectory
(bench_kinetics_trajectory, same build), their difference (goal: within 2 ms), (3) a 100-point list
sweep from Python and from `calcikin run` (time_series none, one thread; goal: Python within 10 %),
and the peak RSS of a process that runs one point.
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


def median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    sys.path.insert(0, str(build / "python"))
    import calcikin as ck

    t50 = ck.load_scenario(ROOT / "scenarios" / "t50_assay.yaml")
    ck.run(t50, quiet=True, threads=1)
    run_ms = median_ms(lambda: ck.run(t50, quiet=True, threads=1), args.repeat)
    bare = json.loads(subprocess.run([build / "bin" / "bench_kinetics_trajectory",
                                      ROOT / "scenarios" / "t50_assay.yaml", str(args.repeat)],
                                     capture_output=True, text=True, check=True).stdout.splitlines()[0])

    data = t50.to_dict()
    data["output"] = {"time_series": "none"}
    data["sweep"] = {"mode": "list", "points": [
        {"solution.totals.Mg": f"{0.01 * i:.2f} mmol/kgw", "solution.pH": 7.2 + 0.004 * i} for i in range(100)]}
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "sweep100.yaml"
        import yaml
        path.write_text(yaml.safe_dump(data))
        sweep = ck.load_scenario(path)
        py_ms = median_ms(lambda: ck.run(sweep, threads=1, quiet=True), max(3, args.repeat // 6))
        cli = [str(build / "bin" / "calcikin"), "run", str(path), "-o", str(pathlib.Path(tmp) / "o.h5"),
               "-j", "1", "--no-progress"]

        def run_cli():
            (pathlib.Path(tmp) / "o.h5").unlink(missing_ok=True)
            subprocess.run(cli, check=True, capture_output=True)
        cli_ms = median_ms(run_cli, max(3, args.repeat // 6))
    rss = subprocess.run(["/usr/bin/time", "-f", "%M", str(build / "bin" / "calcikin"), "run",
                          str(ROOT / "scenarios" / "t50_assay.yaml"), "-o", "/dev/null/x.h5" if False else
                          str(pathlib.Path(tempfile.gettempdir()) / "ck_bench_rss.h5"), "-j", "1", "--no-progress"],
                         capture_output=True, text=True)
    pathlib.Path(tempfile.gettempdir(), "ck_bench_rss.h5").unlink(missing_ok=True)
    print(json.dumps({
        "ck_run_single_median_ms": round(run_ms, 3),
        "bare_trajectory_median_ms": bare["median_ms"],
        "ck_run_overhead_ms": round(run_ms - bare["median_ms"], 3),
        "sweep100_python_median_ms": round(py_ms, 1),
        "sweep100_cli_median_ms": round(cli_ms, 1),
        "sweep100_python_over_cli": round(py_ms / cli_ms, 3),
        "cli_single_point_peak_rss_kib": int(rss.stderr.strip().splitlines()[-1]) if rss.returncode == 0 else None,
    }, indent=1))


if __name__ == "__main__":
    main()
