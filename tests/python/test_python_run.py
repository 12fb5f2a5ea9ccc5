"""ck.run: the Dataset equals the file `calcikin run` writes; threads; Ctrl-C; ck.open checks."""
from __future__ import annotations

import signal
import subprocess
import threading

import h5py
import numpy as np
import pytest
import xarray as xr

# Attributes that differ between two runs of the same scenario by nature (clock, timing, threads).
VOLATILE_ATTRIBUTES = {"created_utc", "finished_utc", "history", "wall_seconds", "writer_seconds", "threads"}
VOLATILE_VARIABLES = {"wall_seconds"}  # per-run timing, if the file carries it


def _comparable(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.drop_vars([v for v in VOLATILE_VARIABLES if v in ds.variables])
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in VOLATILE_ATTRIBUTES}
    return ds.load()


def _small_sweep(ck, scenarios_dir, points=(0.0, 0.5, 1.0, 2.0)):
    """The T50 assay swept over Mg (only per-run results written, to keep it small)."""
    data = ck.load_scenario(scenarios_dir / "t50_assay.yaml").to_dict()
    data["name"] = "t50-mg-sweep"
    data["output"] = {"time_series": "none"}
    data["sweep"] = {"mode": "grid",
                     "parameters": {"solution.totals.Mg": {"values": list(points), "unit": "mmol/kgw"}}}
    return ck.scenario_from_dict(data, base_dir=scenarios_dir)


@pytest.fixture(scope="module")
def t50(ck, scenarios_dir):
    return ck.load_scenario(scenarios_dir / "t50_assay.yaml")


def test_run_dataset_equals_the_file_written_by_the_cli(ck, cli, scenarios_dir, tmp_path, t50):
    override = {"solution.totals.Mg": "0.6 mmol/kgw"}
    from_python = ck.run(t50.with_overrides(override), threads=1)
    cli_file = tmp_path / "cli.h5"
    result = subprocess.run([cli, "run", str(scenarios_dir / "t50_assay.yaml"), "-o", str(cli_file), "-j", "1",
                             "--set", "solution.totals.Mg=0.6 mmol/kgw"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with xr.open_dataset(cli_file, engine="h5netcdf") as raw:
        assert raw.sizes["run"] == 1  # the file keeps run; Python drops it for a single run
    from_cli = ck.open(cli_file)
    xr.testing.assert_identical(_comparable(from_python), _comparable(from_cli))
    assert from_python.attrs["overrides"] == "solution.totals.Mg=0.6 mmol/kgw"


def test_run_with_output_keeps_the_file_and_reads_it(ck, tmp_path, t50):
    out = tmp_path / "sub" / "t50.h5"
    ds = ck.run(t50, output=out)
    assert out.exists()
    assert "run" not in ds.dims and ds.sizes["time"] > 10
    assert ds["time"].attrs["units"] == "s"
    reopened = ck.open(out)
    xr.testing.assert_identical(_comparable(ds), _comparable(reopened))


def test_run_accepts_a_path_and_overrides(ck, scenarios_dir, t50):
    a = ck.run(scenarios_dir / "t50_assay.yaml", overrides={"solution.totals.Mg": "2 mmol/kgw"})
    b = ck.run(t50.with_overrides({"solution.totals.Mg": "2 mmol/kgw"}))
    xr.testing.assert_identical(_comparable(a), _comparable(b))
    c = ck.run(t50)
    assert not np.allclose(a["dissolved_total"].values, c["dissolved_total"].values)  # the override reached the model


def test_sweep_results_do_not_depend_on_threads_and_threads_are_recorded(ck, scenarios_dir):
    sweep = _small_sweep(ck, scenarios_dir)
    one = ck.run(sweep, threads=1)
    two = ck.run(sweep, threads=2)
    assert int(one.attrs["threads"]) == 1 and int(two.attrs["threads"]) == 2
    xr.testing.assert_identical(_comparable(one), _comparable(two))
    grid = ck.unstack_sweep(two)
    assert grid.sizes["solution_totals_Mg"] == 4
    assert "run" not in grid.dims


def test_progress_callback_sees_every_point(ck, scenarios_dir):
    reports = []
    ck.run(_small_sweep(ck, scenarios_dir), threads=2, progress=reports.append)
    assert reports, "no progress report"
    assert reports[-1]["done"] == reports[-1]["total"] == 4
    assert all(0 <= r["done"] <= r["total"] for r in reports)


def test_ctrl_c_stops_the_sweep_keeps_a_resumable_partial_file_and_raises(ck, scenarios_dir, tmp_path):
    # A real SIGINT to the main thread while the sweep runs in C++ (600 points, one thread: seconds).
    sweep = _small_sweep(ck, scenarios_dir, points=np.linspace(0.0, 3.0, 600))
    out = tmp_path / "interrupted.h5"
    running = threading.Event()

    def on_sigint(signum, frame):  # Python's default behaviour, but only while the run is on: a late
        if running.is_set():       # signal must not abort the test session
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    timer = threading.Timer(0.2, signal.pthread_kill, args=(threading.main_thread().ident, signal.SIGINT))
    try:
        running.set()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            ck.run(sweep, output=out, threads=1)
    finally:
        running.clear()
        timer.cancel()
        timer.join()
        signal.signal(signal.SIGINT, previous)
    assert not out.exists()
    partial = tmp_path / "interrupted.h5.partial"
    assert partial.exists()
    with h5py.File(partial, "r") as f:
        completed = int(np.asarray(f["completed"]).astype(bool).sum())
    assert 0 < completed < 600

    resumed = ck.run(sweep, output=out, threads=2, resume=True)
    assert not partial.exists()
    assert int(resumed.attrs["points_resumed"]) == completed
    full = ck.run(sweep, threads=2)
    xr.testing.assert_equal(resumed.drop_attrs(), full.drop_attrs())


def test_exception_in_progress_callback_propagates_and_stops_the_sweep(ck, scenarios_dir, tmp_path):
    calls = []

    def stop(report):
        calls.append(report)
        raise RuntimeError("stop here")

    out = tmp_path / "x.h5"
    with pytest.raises(RuntimeError, match="stop here"):
        ck.run(_small_sweep(ck, scenarios_dir, points=np.linspace(0.0, 3.0, 600)), output=out, threads=1,
               progress=stop)
    assert len(calls) == 1  # not called again once it raised
    # Stopped early: the resumable partial file is left (unless the sweep had already finished).
    assert out.exists() != (tmp_path / "x.h5.partial").exists()


def test_invalid_kinetic_parameter_raises_scenario_error_and_writes_nothing(ck, tmp_path, t50):
    with pytest.raises(ck.ScenarioError) as info:  # found when the override is read
        bad = t50.with_overrides({"kinetics.parameters.HAP.growth.rate_konstant": "1e-8 mol/m2/s"})
        ck.run(bad, output=tmp_path / "bad.h5")
    assert "rate_constant" in str(info.value)  # did you mean
    assert list(tmp_path.iterdir()) == []


def test_bad_threads_value_is_rejected(ck, t50):
    with pytest.raises(ValueError):
        ck.run(t50, threads=0)


def test_open_rejects_a_file_that_is_not_a_calcikin_result(ck, tmp_path):
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3.0)
    with pytest.raises(ck.OutputError, match="not a calcikin result file"):
        ck.open(path)


def test_open_rejects_an_unknown_format_version(ck, tmp_path, t50):
    path = tmp_path / "future.h5"
    ck.run(t50, output=path).close()
    with h5py.File(path, "r+") as f:
        f.attrs["calcikin_format_version"] = np.int64(99)
    with pytest.raises(ck.OutputError, match="version 99"):
        ck.open(path)


def test_open_of_a_missing_file_points_at_the_partial_one(ck, tmp_path):
    (tmp_path / "run.h5.partial").write_bytes(b"")
    with pytest.raises(ck.OutputError, match="resume"):
        ck.open(tmp_path / "run.h5")


def test_runs_from_two_python_threads_both_finish_with_their_own_results(ck, t50):
    from concurrent.futures import ThreadPoolExecutor

    low, high = (t50.with_overrides({"solution.totals.Mg": v}) for v in ("0.2 mmol/kgw", "1.5 mmol/kgw"))
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(ck.run, sc, threads=1) for sc in (low, high)]
        parallel = [f.result() for f in futures]
    for sc, ds in zip((low, high), parallel):
        xr.testing.assert_identical(_comparable(ds), _comparable(ck.run(sc, threads=1)))


def test_calling_calcikin_from_a_progress_callback_is_refused_not_deadlocked(ck, scenarios_dir, t50):
    def nested(_report):
        ck.speciate(t50)

    with pytest.raises(RuntimeError, match="busy"):
        ck.run(_small_sweep(ck, scenarios_dir, points=np.linspace(0.0, 3.0, 200)), threads=1, progress=nested)


def test_a_single_run_that_fails_raises_solver_error_with_the_cli_message(ck, cli, scenarios_dir, tmp_path):
    data = ck.load_scenario(scenarios_dir / "t50_assay.yaml").to_dict()
    data["solver"] = {"max_steps": 3}  # far too few steps: CVODE gives up
    path = tmp_path / "starved.yaml"
    import yaml

    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ck.SolverError) as info:
        ck.run(path)
    result = subprocess.run([cli, "run", str(path), "-o", str(tmp_path / "cli.h5")], capture_output=True, text=True)
    assert result.returncode == 4
    with xr.open_dataset(tmp_path / "cli.h5", engine="h5netcdf") as from_cli:
        assert str(info.value) == str(from_cli["message"].values[0])


def test_the_gil_is_released_while_the_sweep_runs(ck, scenarios_dir):
    # A Python thread keeps running while the C++ sweep computes (it would starve if the GIL were held).
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.01)

    thread = threading.Thread(target=ticker)
    sweep = _small_sweep(ck, scenarios_dir, points=np.linspace(0.0, 3.0, 300))
    thread.start()
    try:
        ds = ck.run(sweep, threads=1)
    finally:
        stop.set()
        thread.join()
    wall = float(ds.attrs["wall_seconds"])
    assert len(ticks) > 0.3 * wall / 0.01, f"{len(ticks)} ticks in {wall:.2f} s"


def test_slurm_array_variables_do_not_shard_a_run_unless_asked(ck, scenarios_dir, t50, monkeypatch):
    # "One scenario per array task": the array id must not take points away silently.
    for name, value in {"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0",
                        "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_JOB_ID": "77"}.items():
        monkeypatch.setenv(name, value)
    single = ck.run(t50)
    assert "run" not in single.dims and int(single["status"]) == 0
    sweep = ck.run(_small_sweep(ck, scenarios_dir), threads=1)
    assert sweep.sizes["run"] == 4 and int(sweep.attrs["shard_count"]) == 1
    part = ck.run(_small_sweep(ck, scenarios_dir), threads=1, shard="slurm")
    assert list(part["run"].values) == [2] and int(part.attrs["shard_count"]) == 4
    assert list(ck.run(_small_sweep(ck, scenarios_dir), threads=1, shard=(1, 4))["run"].values) == [1]


def test_bad_shard_requests_raise_value_error(ck, scenarios_dir, monkeypatch):
    sweep = _small_sweep(ck, scenarios_dir)
    with pytest.raises(ValueError, match="K/N"):
        ck.run(sweep, shard="4/4")
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "9")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "3")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MIN", "1")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MAX", "9")
    with pytest.raises(ValueError, match="consecutive"):
        ck.run(sweep, shard="slurm")
    with pytest.raises(TypeError, match="shard"):
        ck.run(sweep, shard=3)


def test_in_memory_sweep_equals_the_file_of_the_same_run(ck, scenarios_dir, tmp_path):
    # Same variables, coordinates, attributes and values, with and without output=.
    sweep = _small_sweep(ck, scenarios_dir)
    in_memory = ck.run(sweep, threads=1, quiet=True)
    from_file = ck.run(sweep, tmp_path / "sweep.h5", threads=1, quiet=True)
    xr.testing.assert_identical(_comparable(in_memory), _comparable(from_file))
    assert set(in_memory.coords) == set(from_file.coords)
    for name in from_file.variables:
        assert in_memory[name].dtype == from_file[name].dtype, name
    for series in ("none", 7):
        a = ck.run(ck.load_scenario(scenarios_dir / "t50_assay.yaml"), time_series=series, quiet=True)
        b = ck.run(ck.load_scenario(scenarios_dir / "t50_assay.yaml"), tmp_path / f"t{series}.h5",
                   time_series=series, quiet=True)
        xr.testing.assert_identical(_comparable(a), _comparable(b))
    assert "time" not in a.dims or a.sizes["time"] < 120


def test_in_memory_run_writes_no_file(ck, t50, tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    ck.run(t50, quiet=True)
    assert list(tmp_path.iterdir()) == []


def test_quiet_silences_the_summary_line(ck, t50, capfd):
    ck.run(t50, quiet=True)
    assert "calcikin: done" not in capfd.readouterr().err
    ck.run(t50)
    assert "calcikin: done" in capfd.readouterr().err


def test_time_series_keyword_thins_or_drops_the_series(ck, t50):
    full = ck.run(t50, quiet=True)
    none = ck.run(t50, time_series="none", quiet=True)
    every = ck.run(t50, time_series=10, quiet=True)
    assert "time" not in none.dims and none.attrs["time_series"] == "none"
    assert every.sizes["time"] < full.sizes["time"]
    assert float(every["time"].values[-1]) == float(full["time"].values[-1])  # the end state is kept
    np.testing.assert_array_equal(none["t50"].values, full["t50"].values)
    with pytest.raises(ValueError, match="time_series"):
        ck.run(t50, time_series="some")
    with pytest.raises(TypeError, match="threads"):
        ck.run(t50, threads="2")


def test_output_onto_the_scenario_is_refused_and_the_scenario_kept(ck, scenarios_dir, tmp_path):
    scenario = tmp_path / "t50.yaml"
    scenario.write_text((scenarios_dir / "t50_assay.yaml").read_text())
    before = scenario.read_text()
    with pytest.raises(ck.ScenarioError, match="is the input"):
        ck.run(ck.load_scenario(scenario), output=scenario)
    assert scenario.read_text() == before


def test_existing_output_is_kept_without_overwrite_and_replaced_with_it(ck, tmp_path, t50):
    out = tmp_path / "t50.h5"
    ck.run(t50, output=out)
    before = out.read_bytes()
    with pytest.raises(ck.ScenarioError, match="overwrite=True"):
        ck.run(t50.with_overrides({"solution.totals.Mg": "0.6 mmol/kgw"}), output=out)
    assert out.read_bytes() == before
    ds = ck.run(t50.with_overrides({"solution.totals.Mg": "0.6 mmol/kgw"}), output=out, overwrite=True)
    assert ds.attrs["overrides"] == "solution.totals.Mg=0.6 mmol/kgw"
    # resume=True on the finished file: nothing to do, the same results.
    again = ck.run(t50.with_overrides({"solution.totals.Mg": "0.6 mmol/kgw"}), output=out, resume=True)
    xr.testing.assert_identical(_comparable(ds), _comparable(again))


def test_a_single_run_reads_as_scalars_from_memory_and_from_its_file(ck, t50, tmp_path):
    ds = ck.run(t50, quiet=True)
    assert "run" not in ds.dims and ds["t50"].ndim == 0
    assert 3600 < float(ds.t50) < 24 * 3600
    assert ds["phase_amount"].dims == ("time", "phase")
    from_file = ck.run(t50, tmp_path / "one.h5", quiet=True)
    assert from_file["t50"].ndim == 0 and float(from_file.t50) == float(ds.t50)


def test_solution_and_mix_build_the_t50_assay_mixture(ck):
    serum = ck.solution(Ca="9.6 mg/dL", Mg="0.85 mM", P="3.4 mg/dL", pH=7.4, temperature="37 degC")
    assert serum.totals["Ca"] == "2.395329108 mmol/L"  # 96 mg/L / 40.078 g/mol
    ca = ck.solution(Ca="40 mM", pH=7.4, temperature="37 degC")
    pi = ck.solution(P="19 mM", pH=7.4, temperature="37 degC")
    mixed = ck.mix((serum, 2), (ca, 1), (pi, 1), pH=7.4, charge_balance="Cl")
    mm = mixed.millimolar()
    assert mm["Ca"] == pytest.approx(2.3953 / 2 + 10.0, rel=1e-4)
    assert mm["P"] == pytest.approx(3.4 * 10 / 30.974 / 2 + 19 / 4, rel=1e-4)
    assert mm["Mg"] == pytest.approx(0.425)
    sp = ck.speciate(ck.solution(Ca="2.5 mM", P="1 mM", Na="140 mM", Cl="145 mM", pH=7.4,
                                 temperature="37 degC"))
    assert sp is not None


def test_wrong_python_arguments_raise_clear_errors(ck, t50):
    with pytest.raises(ValueError, match="give a unit"):
        ck.solution(Ca=2.5, pH=7.4)
    with pytest.raises(ValueError, match="molar mass"):
        ck.solution(Xx="1 mg/dL", pH=7.4)
    with pytest.raises(TypeError, match="pH"):
        ck.solution(Ca="1 mM", pH="7.4")
    with pytest.raises(TypeError, match="Solution, volume"):
        ck.mix(("a", 1))
    with pytest.raises(TypeError, match="override paths"):
        t50.with_overrides({1: "2 mM"})
    with pytest.raises(ValueError, match="mode"):
        t50.with_sweep({"solution.pH": [7.0]}, mode="cube")


def test_overrides_accept_mass_units_and_pint_quantities_and_to_dict_keeps_them(ck, t50):
    sc = t50.with_overrides({"solution.totals.Mg": "1.2 mg/dL", "kinetics.parameters.inhibitor.amount": "2 umol/kgw"})
    assert sc.overrides["solution.totals.Mg"].endswith("mmol/L")
    data = sc.to_dict()
    assert data["solution"]["totals"]["Mg"] == sc.overrides["solution.totals.Mg"]
    assert data["kinetics"]["parameters"]["inhibitor.amount"] == "2 umol/kgw"
    assert t50.to_dict(overrides=False)["solution"]["totals"]["Mg"] != data["solution"]["totals"]["Mg"]
    pint = pytest.importorskip("pint")
    q = pint.UnitRegistry().Quantity(0.5, "mmol/kg")
    assert t50.with_overrides({"solution.totals.Mg": q}).overrides["solution.totals.Mg"].startswith("0.5 mmol/kg")


def test_with_sweep_builds_a_grid_that_runs(ck, t50):
    sweep = t50.with_sweep({"solution.totals.Mg": ([0.2, 1.0], "mmol/kgw")},
                                                               solution__pH=[7.3, 7.4])
    ds = ck.run(sweep, time_series="none", threads=1, quiet=True)
    assert ds.sizes["run"] == 4
    assert sorted(set(ds["solution_pH"].values.round(2))) == [7.3, 7.4]


def test_thermo_and_kinetic_parameter_tables_match_the_cli(ck, cli):
    thermo = ck.thermo_parameters()
    assert "WH.dlogK_stab" in thermo.index and "source" in thermo.columns
    kinetic = ck.kinetic_parameters()
    out = subprocess.run([cli, "params"], capture_output=True, text=True, check=True).stdout
    for name in list(kinetic.index[:3]) + list(thermo.index[:3]):
        assert name in out


def test_in_memory_dataset_is_the_same_without_xarrays_internal_constructor(ck, scenarios_dir, monkeypatch, t50):
    # The in-memory Dataset skips xarray's merge through Dataset._construct_direct (an internal
    # constructor); without it (another xarray) the public constructor must give the same Dataset.
    sweep = _small_sweep(ck, scenarios_dir, points=(0.0, 1.0))
    fast = [ck.run(t50, quiet=True), ck.run(sweep, quiet=True, threads=1)]

    monkeypatch.setattr(ck.results, "_DIRECT_CONSTRUCTOR", False)
    slow = [ck.run(t50, quiet=True), ck.run(sweep, quiet=True, threads=1)]
    for a, b in zip(fast, slow):
        xr.testing.assert_identical(_comparable(a), _comparable(b))
        assert list(a.xindexes) == list(b.xindexes)
        assert {k: v.dtype for k, v in a.variables.items()} == {k: v.dtype for k, v in b.variables.items()}
