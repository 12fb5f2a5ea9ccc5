#!/usr/bin/env python3
"""Speciation benchmark: calcikin vs PHREEQC on the same 1,000 SBF-like solutions, same run.

    python bench/speciation/run_bench.py [--bench BUILD/bin/bench_speciation] [--n 1000]
                                         [--database PATH_OR_builtin ...]

Each solution: Kokubo SBF (Kokubo & Takadama 2006) with every total scaled by a random factor 0.5-2
(Mg 0-5 mM), pH 6.8-7.8, 25 or 37 degC, Cl adjusted to charge balance; speciation plus the
saturation index of every phase the database has for these elements. calcikin: bench_speciation
(C++, median over repeats of the time per solution, warm start from the previous solution and cold
start). PHREEQC: IPhreeqc from phreeqpython, one input with the same 1,000 SOLUTION blocks and a
SELECTED_OUTPUT of all saturation indices (median over repeats). The same database file is used on
both sides (for "builtin" PHREEQC uses minteq.v4.dat, the source of the builtin aqueous constants).
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

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "python"))
from phreeqc_reference import Phreeqc, find_database  # noqa: E402

ELEMENTS = ["Ca", "Mg", "P", "Na", "K", "Cl", "C(4)", "S(6)"]
SBF = [2.5e-3, 1.5e-3, 1.0e-3, 0.142, 5e-3, 0.1478, 4.2e-3, 0.5e-3]


def make_solutions(n: int, seed: int = 20261122) -> list[tuple]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = float(rng.choice([25.0, 37.0]))
        ph = float(rng.uniform(6.8, 7.8))
        totals = [v * float(np.exp(rng.uniform(np.log(0.5), np.log(2.0)))) for v in SBF]
        totals[1] = float(rng.uniform(0.0, 5e-3))
        out.append((t, ph, totals))
    out.sort(key=lambda s: s[0])  # one temperature change in the sequence
    return out


def time_phreeqc(database: pathlib.Path, solutions, repeats: int) -> float:
    pq = Phreeqc(database)
    probe = pq.speciate(37.0, 7.4, dict(zip(ELEMENTS, SBF)), charge="Cl")
    phases = sorted(probe["si"])
    blocks = []
    for i, (t, ph, totals) in enumerate(solutions, start=1):
        lines = [f"SOLUTION {i}", f" temp {t!r}", f" pH {ph!r}", " units mol/kgw"]
        for e, v in zip(ELEMENTS, totals):
            lines.append(f" {e} {v!r}" + (" charge" if e == "Cl" else ""))
        blocks.append("\n".join(lines))
    text = ("SELECTED_OUTPUT\n -reset false\n -saturation_indices " + " ".join(phases) + "\n"
            + "\n".join(blocks) + "\nEND\n")
    cpu, wall = [], []
    for _ in range(repeats):
        c0, t0 = time.thread_time(), time.perf_counter()
        pq.ip.run_string(text)
        cpu.append((time.thread_time() - c0) / len(solutions))
        wall.append((time.perf_counter() - t0) / len(solutions))
        assert pq.ip.row_count == len(solutions) + 1
    return statistics.median(cpu), statistics.median(wall)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default=str(REPO / "build" / "bin" / "bench_speciation"))
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=21)
    ap.add_argument("--phreeqc-repeats", type=int, default=3)
    ap.add_argument("--database", action="append", default=None,
                    help="builtin or a PHREEQC database name/path (default: builtin and minteq.v4.dat)")
    args = ap.parse_args()
    databases = args.database or ["builtin", "minteq.v4.dat"]
    solutions = make_solutions(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        csv = pathlib.Path(tmp) / "solutions.csv"
        with csv.open("w") as f:
            f.write("temperature_C,pH," + ",".join(ELEMENTS) + "\n")
            for t, ph, totals in solutions:
                f.write(",".join(repr(x) for x in [t, ph, *totals]) + "\n")
        print(f"{args.n} SBF-like solutions (pH 6.8-7.8, 25/37 degC, totals x0.5-2, Mg 0-5 mM), "
              f"speciation + all saturation indices, Cl by charge balance")
        for db in databases:
            path = "builtin" if db == "builtin" else str(find_database(REPO, db) or db)
            ref_path = find_database(REPO, "minteq.v4.dat") if db == "builtin" else pathlib.Path(path)
            out = subprocess.run([args.bench, "--database", path, "--solutions", str(csv), "--repeats",
                                  str(args.repeats)], capture_output=True, text=True, check=True)
            ck = json.loads(out.stdout)
            pq, pq_wall = time_phreeqc(ref_path, solutions, args.phreeqc_repeats)
            print(f"\ndatabase {db} (PHREEQC with {ref_path.name}): {ck['species']} species, {ck['phases']} phases")
            print("  CPU time per solution (thread CPU clock; wall clock in brackets, the machine may be shared)")
            print(f"  calcikin warm start: {ck['seconds_per_solution_warm'] * 1e6:8.2f} us "
                  f"[{ck['wall_seconds_per_solution_warm'] * 1e6:.2f}] ({ck['mean_iterations_warm']:.2f} Newton iterations)")
            print(f"  calcikin cold start: {ck['seconds_per_solution_cold'] * 1e6:8.2f} us "
                  f"[{ck['wall_seconds_per_solution_cold'] * 1e6:.2f}] ({ck['mean_iterations_cold']:.2f} iterations)")
            print(f"  PHREEQC (IPhreeqc):  {pq * 1e6:8.2f} us [{pq_wall * 1e6:.2f}]")
            print(f"  ratio PHREEQC / calcikin: {pq / ck['seconds_per_solution_warm']:.0f}x (warm), "
                  f"{pq / ck['seconds_per_solution_cold']:.0f}x (cold)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
