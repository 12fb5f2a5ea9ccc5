#!/usr/bin/env python3
"""T50 of every shipped scenario: runs each scenarios/*.yaml through the calcikin CLI (as shipped, full
speciation, its own sweep) and prints, per point, T50 (h; NaN = half conversion not reached), the dominant
phase at the end with its share of the solid phosphate, and the solver status. T50 is "-" where no ACP
is present at t = 0 (heterogeneous or seeded growth: no amorphous-to-crystalline conversion to time). Output: a Markdown table
(the one quoted in docs/model.md "T50 of every shipped scenario").

    nice -n 10 .venv/bin/python bench/kinetics/scenario_t50.py [--threads N] [--set PATH=VALUE]... [SCENARIO.yaml ...]

A benchmark-style script (not a test): it takes a few minutes on one core (the DMEM and map sweeps
dominate). CALCIKIN_CLI selects the executable (default build/bin/calcikin).
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from behaviours import ROOT, SCENARIOS, _phase_names, find_cli  # noqa: E402


def run_scenario(cli, path, threads, sets=()):
    fd, out = tempfile.mkstemp(suffix=".h5")
    os.close(fd)
    os.remove(out)
    cmd = [cli, "run", path, "-o", out, "-j", str(threads), "--no-progress", "--yes"]
    for s in sets:
        cmd += ["--set", s]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if not os.path.exists(out):
        raise RuntimeError("%s: calcikin run failed (rc %d): %s" % (path, proc.returncode, proc.stderr.strip()[-400:]))
    with h5py.File(out) as f:
        r = {k: f[k][()] for k in ("t50", "final_phase_fraction", "status", "initial_acp_amount")}
        r["phases"] = _phase_names({k: f[k][()] for k in f.keys() if k in ("phase_name", "phase")})
    os.remove(out)
    r["wall"] = wall
    return r


def describe(r):
    t50 = np.atleast_1d(r["t50"]) / 3600.0
    frac = np.atleast_2d(r["final_phase_fraction"])
    status = np.atleast_1d(r["status"])
    acp0 = np.atleast_1d(r["initial_acp_amount"])
    cells = []
    for i in range(t50.size):
        if status[i] != 0:
            cells.append("failed")
            continue
        j = int(np.nanargmax(frac[i])) if np.any(np.isfinite(frac[i])) else -1
        share = "%s %.0f %%" % (r["phases"][j], 100 * frac[i][j]) if j >= 0 and np.isfinite(frac[i][j]) else "no solid"
        if np.isfinite(t50[i]):
            t = "%.2f" % t50[i]
        else:  # no half conversion: either no ACP at t = 0 (T50 undefined) or the ACP outlives the run
            t = "-" if acp0[i] <= 0.0 else "NaN"
        cells.append("%s (%s)" % (t, share))
    return cells, int(np.sum(status != 0))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="*", help="scenario files (default: every scenarios/*.yaml)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                    help="override for every scenario (as calcikin run --set), e.g. a kinetic parameter")
    args = ap.parse_args(argv)
    cli = find_cli()
    if cli is None:
        sys.exit("calcikin CLI not found: build it (cmake --build build --target calcikin) or set CALCIKIN_CLI")
    paths = args.scenarios or sorted(glob.glob(os.path.join(SCENARIOS, "*.yaml")))
    print("| scenario | points | T50 h (dominant phase, share of solid P) per point | failed | wall s |")
    print("|---|---|---|---|---|")
    for path in paths:
        r = run_scenario(cli, path, args.threads, args.set)
        cells, failed = describe(r)
        name = os.path.relpath(path, ROOT)
        print("| %s | %d | %s | %d | %.1f |" % (os.path.basename(name)[:-5], len(cells), "; ".join(cells), failed,
                                             r["wall"]), flush=True)


if __name__ == "__main__":
    main()
