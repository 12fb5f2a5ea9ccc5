"""Two `calcikin fit` result files hold bit-identical results: every dataset (values and dtype,
NaN where NaN), every attribute of every dataset, and the root attributes except the ones that
describe how the run went (wall time, threads, MPI ranks). Exit 0 when identical, 1 with a list of
differences otherwise.

    python compare_fit_files.py A.h5 B.h5
"""
import sys

import h5py
import numpy as np

RUN_ATTRIBUTES = {"wall_seconds", "threads", "mpi_ranks"}


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fiu":
        return a.tobytes() == b.tobytes()  # bit-exact, NaN payloads included
    return np.array_equal(a, b)


def main(path_a: str, path_b: str) -> int:
    problems = []
    with h5py.File(path_a, "r") as fa, h5py.File(path_b, "r") as fb:
        names_a, names_b = set(fa.keys()), set(fb.keys())
        if names_a != names_b:
            problems.append(f"variables differ: {sorted(names_a ^ names_b)}")
        for name in sorted(names_a & names_b):
            if not same(fa[name][()], fb[name][()]):
                problems.append(f"{name}: values differ")
            for key in fa[name].attrs:
                if key in ("DIMENSION_LIST", "REFERENCE_LIST"):
                    continue
                if key not in fb[name].attrs or not same(fa[name].attrs[key], fb[name].attrs[key]):
                    problems.append(f"{name}.{key}: attribute differs")
        for key in set(fa.attrs) | set(fb.attrs):
            if key in RUN_ATTRIBUTES:
                continue
            if key not in fa.attrs or key not in fb.attrs or not same(fa.attrs[key], fb.attrs[key]):
                problems.append(f"root attribute {key} differs")
    for p in problems:
        print(f"DIFFERENT: {p}")
    if not problems:
        print(f"identical: {path_a} and {path_b} ({len(names_a)} variables)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
