#!/usr/bin/env python3
"""Tables from the per-set results that bench/kinetics/robustness.py --json writes (JSON lines, one
per table; chunks of one hypercube are merged by title prefix).

  robustness_analysis.py FILE.jsonl [--title PREFIX] [--carriers N]

Prints, per table: the pass rate of every behaviour, of the phase-selection behaviours together, of
all together, of the behaviours that are predictions (not calibration targets) together, the
calibration failures and the solver failures by cause; with --carriers N, for every behaviour the N
parameters whose lower and upper thirds (by rank among the sets) differ most in pass rate ("what
carries the test")."""
import argparse
import json
import re
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import behaviours  # noqa: E402

# Behaviours that a calibration mode of robustness.py holds by construction (calibration targets).
TARGETS = {"t50": ("T5",), "mg": ("T5", "T2"), "all": ("T5", "T2", "T6", "T7", "T9", "T10", "CHENG")}


def load(path, prefix):
    tables = defaultdict(list)
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            if not t["title"].startswith(prefix):
                continue
            key = t["title"].split(", samples")[0] + (
                ", calibrated" + t["title"].split(", calibrated")[1] if ", calibrated" in t["title"] else "")
            tables[key].extend(t["results"])
    return tables


def values(sets):
    out = {}
    for s in sets:
        name, _, v = s.partition("=")
        try:
            out[name.split("parameters.", 1)[1]] = float(v.split()[0])
        except (IndexError, ValueError):
            pass
    return out


def report(title, results, carriers):
    names = list(behaviours.BEHAVIOURS)
    n = len(results)
    mode = next((m for m in TARGETS if title.endswith("(%s)" % m)), None)
    targets = TARGETS.get(mode, ())
    ok = lambda r, b: r["behaviours"][b][0]  # noqa: E731
    print("\n## %s (%d sets)" % (title, n))
    print("| " + " | ".join(names) + " | phase sel. T6-T12 | phase sel. (%s) | all | predictions together | "
          "solver failures |" % ", ".join(behaviours.PHASE_SELECTION))
    print("|" + "---|" * (len(names) + 5))
    rates = ["%.0f %%" % (100.0 * sum(ok(r, b) for r in results) / n) for b in names]
    sel = sum(all(ok(r, b) for b in behaviours.PHASE_SELECTION) for r in results)
    t6_t12 = [b for b in behaviours.PHASE_SELECTION if b != "CHENG"]
    sel_t = sum(all(ok(r, b) for b in t6_t12) for r in results)
    allp = sum(all(ok(r, b) for b in names) for r in results)
    pred = [b for b in names if b not in targets]
    predp = sum(all(ok(r, b) for b in pred) for r in results)
    runs = sum(r["runs"][0] for r in results)
    fails = sum(r["runs"][1] for r in results)
    print("| " + " | ".join(rates) + " | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %d of %d points (%.2f %%) |" % (
        100.0 * sel_t / n, 100.0 * sel / n, 100.0 * allp / n, 100.0 * predp / n, fails, runs, 100.0 * fails / max(runs, 1)))
    if targets:
        psel = [b for b in behaviours.PHASE_SELECTION if b not in targets]
        pp = sum(all(ok(r, b) for b in psel) for r in results)
        print("calibration targets (hold by construction where the calibration succeeds): %s; "
              "phase-selection predictions together (%s): %.1f %%" % (", ".join(targets), ", ".join(psel),
                                                                       100.0 * pp / n))
        cal_ok = [r for r in results if not r["calibration_failed"]]
        why = defaultdict(int)
        for r in results:
            for w in r["calibration_failed"]:
                why[w] += 1
        print("calibration failed in %d of %d sets (%s)" % (n - len(cal_ok), n, ", ".join(
            "%s %d" % kv for kv in sorted(why.items()))))
        if cal_ok:
            m = len(cal_ok)
            print("in the %d calibrated sets: %s; phase sel. %.1f %%, predictions together %.1f %%, "
                  "phase-selection predictions %.1f %%, T6-T12 %.1f %%" % (
                      m, ", ".join("%s %.0f %%" % (b, 100.0 * sum(ok(r, b) for r in cal_ok) / m) for b in names),
                      100.0 * sum(all(ok(r, b) for b in behaviours.PHASE_SELECTION) for r in cal_ok) / m,
                      100.0 * sum(all(ok(r, b) for b in pred) for r in cal_ok) / m,
                      100.0 * sum(all(ok(r, b) for b in psel) for r in cal_ok) / m,
                      100.0 * sum(all(ok(r, b) for b in t6_t12) for r in cal_ok) / m))
    causes = defaultdict(int)
    for r in results:
        for w in r["reasons"]:
            causes[re.sub(r"-?[0-9.]+e[-+][0-9]+|-?[0-9]+\.[0-9]+", "<x>", w.split(" at t = ")[0])[:90]] += 1
    for w, c in sorted(causes.items(), key=lambda kv: -kv[1]):
        print("  failure cause: %d x %s" % (c, w))
    if carriers and n >= 9:
        vals = [values(r["sets"]) for r in results]
        params = sorted(set().union(*vals))
        print("what carries each test (pass rate in the lower -> upper third of the parameter, by rank):")
        for b in names:
            scores = []
            for p in params:
                pts = sorted((v[p], ok(r, b)) for v, r in zip(vals, results) if p in v)
                k = len(pts) // 3
                if k < 3:
                    continue
                lo = sum(x[1] for x in pts[:k]) / k
                hi = sum(x[1] for x in pts[-k:]) / k
                scores.append((abs(hi - lo), p, lo, hi))
            scores.sort(reverse=True)
            if not scores or scores[0][0] == 0.0:
                continue  # passes or fails alike in every third of every parameter
            print("  %s: %s" % (b, "; ".join("%s %.0f -> %.0f %%" % (p, 100 * lo, 100 * hi)
                                              for _, p, lo, hi in scores[:carriers])))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--title", default="")
    ap.add_argument("--carriers", type=int, default=0)
    a = ap.parse_args()
    for title, results in load(a.file, a.title).items():
        report(title, results, a.carriers)


if __name__ == "__main__":
    main()
