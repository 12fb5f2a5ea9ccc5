"""Benchmark (not a test): file sizes and ck.unstack_sweep memory for a big grid sweep.

    .venv/bin/python bench/python/bench_big_sweep.py [--build build] [--points 100] [--threads 2]

Runs the T50-assay scenario (scenarios/t50_assay.yaml with the default 200 output times) over a
POINTS x POINTS grid of total Mg (0-2 mmol/kgw) and phosphate (3-8 mmol/kgw) with `calcikin run`,
once per output setting (float64; gzip 4; float32; float32 + gzip 4), and prints JSON: the size of
each file next to `calcikin validate`'s estimate, then for the float64 file the time and peak memory
(tracemalloc) of ck.unstack_sweep and of reading one phase's amounts from the unstacked grid (the
data touched), and the process's peak RSS. The issue's figures (10,000 points): 388 MB, 275 MB with
gzip, unstack peak 1.9 GB.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

ROOT = pathlib.Path(__file__).resolve().parents[2]

SETTINGS = {
    "float64": [],
    "gzip4": ["output.compression=4"],
    "float32": ["output.precision=float32"],
    "float32_gzip4": ["output.precision=float32", "output.compression=4"],
}


def scenario_text(points: int) -> str:
    text = (ROOT / "scenarios" / "t50_assay.yaml").read_text()
    text = re.sub(r"(?m)^  output: \{logspace.*\n", "", text)  # the default output times (200)
    text = re.sub(r"(?m)^output:.*$", "output: {time_series: all}", text)
    return text + ("sweep:\n  mode: grid\n  confirm_above: 1000000\n  parameters:\n"
                   f"    solution.totals.Mg: {{linspace: [0, 2, {points}], unit: mmol/kgw}}\n"
                   f"    solution.totals.P: {{linspace: [3, 8, {points}], unit: mmol/kgw}}\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--points", type=int, default=100, help="grid points per parameter")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    cli = build / "bin" / "calcikin"
    sys.path.insert(0, str(build / "python"))
    import calcikin as ck

    out = {"points": args.points ** 2}
    with tempfile.TemporaryDirectory() as tmp:
        scenario = pathlib.Path(tmp) / "grid.yaml"
        scenario.write_text(scenario_text(args.points))
        for name, sets in SETTINGS.items():
            extra = [a for s in sets for a in ("--set", s)]
            validate = subprocess.run([cli, "validate", scenario, *extra], capture_output=True, text=True,
                                      check=True).stdout.strip()
            path = pathlib.Path(tmp) / f"{name}.h5"
            t = time.perf_counter()
            subprocess.run([cli, "run", scenario, "-o", path, "-j", str(args.threads), "--no-progress", *extra],
                           check=True, capture_output=True)
            out[name] = {"file_MB": round(path.stat().st_size / 1e6, 2),
                         "validate": validate.split("; ")[-1].rstrip(")"),
                         "run_s": round(time.perf_counter() - t, 1)}
            if name != "float64":
                path.unlink()
        ds = ck.open(pathlib.Path(tmp) / "float64.h5")
        tracemalloc.start()
        t = time.perf_counter()
        grid = ck.unstack_sweep(ds)
        unstack_s = time.perf_counter() - t
        _, unstack_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        t = time.perf_counter()
        hap = grid.phase_amount.sel(phase="HAP").values
        touch_s = time.perf_counter() - t
        _, touch_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["unstack_sweep"] = {"seconds": round(unstack_s, 3), "peak_MB": round(unstack_peak / 1e6, 2),
                                "read_one_phase_s": round(touch_s, 3),
                                "read_one_phase_data_MB": round(hap.nbytes / 1e6, 2),
                                "read_one_phase_peak_MB": round(touch_peak / 1e6, 2),
                                "peak_over_data": round(touch_peak / hap.nbytes, 3),
                                "process_peak_rss_MB": round(
                                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1)}
        ds.close()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
