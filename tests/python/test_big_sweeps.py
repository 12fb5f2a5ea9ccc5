"""Big sweeps stay small (issue 13, item 6): float32 time series (output.precision), compression set
from the command line (--set output.compression), the expected file size from `calcikin validate` and
Scenario.expected_file_size() (one C++ estimate), and a lazy unstack_sweep that reads only what is
used (it loaded and copied the whole file: 1.9 GB peak for a 386 MB file of 10,000 points)."""
from __future__ import annotations

import re
import subprocess
import tracemalloc

import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import REPO_ROOT

SCENARIO = REPO_ROOT / "tests" / "sweep" / "data" / "mg_ph_grid.yaml"  # 40 output times, phases ACP HAP
SERIES = ["phase_amount", "mean_radius", "saturation_index", "solid_element", "dissolved_total",
          "crystalline_fraction", "pH", "free_calcium_activity"]
VOLATILE = {"created_utc", "finished_utc", "history", "wall_seconds", "writer_seconds", "threads"}


def _run(cli, *args):
    r = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True)
    return r


def _comparable(ds):
    ds = ds.load()
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in VOLATILE}
    return ds


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    """mg_ph_grid with 10 x 4 points (enough that data, not metadata, make most of the file)."""
    path = tmp_path_factory.mktemp("scenario") / "grid40.yaml"
    path.write_text(SCENARIO.read_text()
                    .replace("values: [0, 0.5, 1, 2], unit: mmol/kgw}", "linspace: [0, 2, 10], unit: mmol/kgw}")
                    .replace("solution.pH: {values: [7.0, 7.4]}", "solution.pH: {values: [7.0, 7.2, 7.4, 7.6]}"))
    return path


@pytest.fixture(scope="module")
def files(cli, scenario_file, tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    out = {}
    for name, sets in {"f64": [], "f32": ["output.precision=float32"],
                       "gz": ["output.compression=4"], "gz32": ["output.compression=4", "output.precision=float32"],
                       "none": ["output.time_series=none"]}.items():
        args = ["run", scenario_file, "-o", d / f"{name}.h5", "-j", "2", "--no-progress"]
        for s in sets:
            args += ["--set", s]
        r = _run(cli, *args)
        assert r.returncode == 0, r.stderr
        out[name] = d / f"{name}.h5"
    return out


def test_float32_stores_the_time_series_in_single_precision_and_the_summaries_in_double(files):
    with h5py.File(files["f64"]) as f64, h5py.File(files["f32"]) as f32:
        for name in SERIES:
            assert f32[name].dtype == np.float32 and f64[name].dtype == np.float64, name
            # the same run, rounded once to the nearest float32
            np.testing.assert_array_equal(f32[name][()], f64[name][()].astype(np.float32))
            assert f32[name].attrs["_FillValue"].dtype == np.float32  # CF: the variable's own type
        for name in ("t50", "induction_time", "final_phase_fraction", "time", "solution_totals_Mg"):
            assert f32[name].dtype == np.float64, name
        np.testing.assert_array_equal(f32["t50"][()], f64["t50"][()])
    assert files["f32"].stat().st_size < 0.62 * files["f64"].stat().st_size


def test_float32_in_memory_equals_its_file_and_xarray_reads_float32(ck, files, scenario_file):
    sc = ck.load_scenario(scenario_file)
    in_memory = ck.run(sc.with_overrides({"output.precision": "float32"}), threads=2, quiet=True)
    from_file = ck.open(files["f32"])
    xr.testing.assert_identical(_comparable(in_memory), _comparable(from_file))
    for name in SERIES:
        assert in_memory[name].dtype == from_file[name].dtype == np.float32, name
    by_keyword = ck.run(sc, threads=1, quiet=True, precision="float32")
    xr.testing.assert_equal(by_keyword, in_memory)
    with pytest.raises(ValueError, match="precision"):
        ck.run(sc, precision="float16")


def test_set_output_compression_gives_a_chunked_shuffled_gzip_file_with_the_same_data(files):
    with h5py.File(files["f64"]) as plain, h5py.File(files["gz"]) as gz, h5py.File(files["gz32"]) as gz32:
        for name in SERIES + ["t50", "steps"]:
            ds = gz[name]
            assert ds.chunks is not None and ds.compression == "gzip" and ds.compression_opts == 4, name
            assert ds.shuffle, name
            np.testing.assert_array_equal(ds[()], plain[name][()])
        assert gz32["phase_amount"].dtype == np.float32 and gz32["phase_amount"].compression == "gzip"
        assert plain["phase_amount"].chunks is None  # compression off: contiguous
    assert files["gz32"].stat().st_size < files["gz"].stat().st_size < files["f64"].stat().st_size


def test_set_output_rejects_unknown_settings_and_bad_values_with_exit_3(cli, tmp_path):
    for setting, message in [("output.compresion=4", "did you mean 'output.compression'"),
                             ("output.compression=12", "gzip level from 0 (off) to 9"),
                             ("output.precision=float16", "float64 or float32"),
                             ("output.time_series=sometimes", "all, none or N")]:
        r = _run(cli, "run", SCENARIO, "-o", tmp_path / "x.h5", "--set", setting, "--no-progress")
        assert r.returncode == 3, (setting, r.stderr)
        assert message in r.stderr, r.stderr
        assert not (tmp_path / "x.h5").exists()


def _printed_size(text):
    m = re.search(r"output file about ([\d.]+) (B|kB|MB|GB)", text)
    assert m, text
    return float(m.group(1)) * {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[m.group(2)]


@pytest.mark.parametrize("kind,sets", [("f64", []), ("f32", ["output.precision=float32"]),
                                       ("none", ["output.time_series=none"])])
def test_validate_prints_the_file_size_that_run_writes(ck, cli, files, scenario_file, kind, sets):
    args = ["validate", scenario_file]
    for s in sets:
        args += ["--set", s]
    r = _run(cli, *args)
    assert r.returncode == 0, r.stderr
    printed = _printed_size(r.stdout)
    actual = files[kind].stat().st_size
    assert printed == pytest.approx(actual, rel=0.05), r.stdout
    sc = ck.load_scenario(scenario_file).with_overrides(dict(s.split("=") for s in sets))
    assert sc.expected_file_size() == pytest.approx(printed, rel=0.001)  # the same C++ figure


def test_validate_of_a_10000_point_sweep_predicts_its_size_without_running(cli, tmp_path):
    text = SCENARIO.read_text().replace("values: [0, 0.5, 1, 2], unit: mmol/kgw}",
                                        "linspace: [0, 2, 100], unit: mmol/kgw}")
    text = text.replace("solution.pH: {values: [7.0, 7.4]}", "solution.pH: {linspace: [7.0, 7.4, 100]}")
    big = tmp_path / "big.yaml"
    big.write_text(text)
    r = _run(cli, "validate", big)
    assert "10000 points" in r.stdout, r.stdout + r.stderr
    # 40 outputs x (2 phases x (3 + 3 elements) + 3 elements + 3) float64 values per run, plus the rest
    assert _printed_size(r.stdout) == pytest.approx(10000 * 40 * 18 * 8, rel=0.05)


def _grid_sweep(ck, tmp_path, points=12):
    text = SCENARIO.read_text().replace("values: [0, 0.5, 1, 2], unit: mmol/kgw}",
                                        f"linspace: [0, 2, {points}], unit: mmol/kgw}}")
    text = text.replace("solution.pH: {values: [7.0, 7.4]}", f"solution.pH: {{linspace: [7.0, 7.6, {points}]}}")
    path = tmp_path / "grid.yaml"
    path.write_text(text)
    return ck.load_scenario(path)


def test_unstack_sweep_equals_the_eager_unstack_for_files_and_memory(ck, tmp_path):
    sc = _grid_sweep(ck, tmp_path, points=5)
    for ds in (ck.run(sc, threads=2, quiet=True), ck.run(sc, tmp_path / "g.h5", threads=2, quiet=True)):
        swept = [name for name, v in ds.variables.items() if "sweep_path" in v.attrs]  # in the file's order
        eager = ds.set_index(run=swept).unstack("run")
        grid = ck.unstack_sweep(ds)
        xr.testing.assert_identical(grid.load(), eager)
        lazy = ck.unstack_sweep(ds)
        for sel in ({"phase": 1}, {"solution_pH": slice(None, None, -2)}, {"solution_totals_Mg": [3, 0, 2]},
                    {"time": 7, "solution_pH": 1}):
            xr.testing.assert_identical(lazy.isel(sel).load(), eager.isel(sel))
        # rows not in grid order (here reversed) still unstack to the same grid
        backwards = ds.isel(run=slice(None, None, -1))
        xr.testing.assert_identical(ck.unstack_sweep(backwards).load(), eager)


def test_unstack_sweep_reads_nothing_and_then_only_the_data_used(ck, tmp_path):
    sc = _grid_sweep(ck, tmp_path, points=12)
    path = tmp_path / "grid.h5"
    ck.run(sc, path, threads=2, quiet=True)
    ds = ck.open(path)
    file_bytes = path.stat().st_size
    ck.unstack_sweep(ds).pH.isel(time=0).values  # first reads set up caches (h5py, xarray): not counted
    tracemalloc.start()
    try:
        grid = ck.unstack_sweep(ds)
        _, peak_unstack = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        hap = grid.phase_amount.sel(phase="HAP").values
        _, peak_touch = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert hap.shape == (40, 12, 12)
    assert peak_unstack < 0.25 * file_bytes, (peak_unstack, file_bytes)  # was > 2x the file
    assert peak_touch <= 1.2 * hap.nbytes + 64_000, (peak_touch, hap.nbytes)


def test_float32_shards_merge_into_the_file_of_one_run(cli, tmp_path):
    for k in (0, 1):
        r = _run(cli, "run", SCENARIO, "-o", tmp_path / f"part{k}.h5", "--shard", f"{k}/2",
                 "--set", "output.precision=float32", "--no-progress")
        assert r.returncode == 0, r.stderr
    r = _run(cli, "merge", tmp_path / "part0.h5", tmp_path / "part1.h5", "-o", tmp_path / "merged.h5")
    assert r.returncode == 0, r.stderr
    r = _run(cli, "run", SCENARIO, "-o", tmp_path / "whole.h5", "--set", "output.precision=float32",
             "--no-progress")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "merged.h5") as merged, h5py.File(tmp_path / "whole.h5") as whole:
        for name in SERIES + ["t50", "steps", "status"]:
            assert merged[name].dtype == whole[name].dtype, name
            np.testing.assert_array_equal(merged[name][()], whole[name][()])
