"""calcikin.plot draws runs and sweep maps with the Agg backend; `python -m calcikin.plot` and
scripts/demo write the demo figure."""
from __future__ import annotations

import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def one_run(ck, scenarios_dir):
    return ck.run(scenarios_dir / "t50_assay.yaml")


@pytest.fixture(scope="module")
def grid(ck, scenarios_dir):
    data = ck.load_scenario(scenarios_dir / "t50_assay.yaml").to_dict()
    data["output"] = {"time_series": "none"}
    data["sweep"] = {"mode": "grid", "parameters": {
        "solution.totals.Mg": {"values": [0.2, 0.6, 1.0], "unit": "mmol/kgw"},
        "solution.pH": {"values": [7.2, 7.4]}}}
    return ck.run(ck.scenario_from_dict(data, base_dir=scenarios_dir), threads=2)


def test_plot_run_draws_three_panels_with_every_phase(one_run):
    import calcikin.plot as ckplot

    fig = ckplot.plot_run(one_run)
    axes = fig.get_axes()
    assert len(axes) == 3
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == [str(p) for p in one_run.phase.values]
    assert axes[2].get_xlabel() == "time (h)"
    assert fig._suptitle.get_text() == one_run.attrs["title"]
    plt.close(fig)


def test_t50_map_shows_minutes_over_the_two_swept_parameters(grid):
    import calcikin.plot as ckplot

    ax = ckplot.plot_t50_map(grid, x="solution_totals_Mg", y="solution_pH")
    mesh = ax.collections[0]
    values = np.ma.masked_invalid(grid["t50"].values / 60.0)
    assert mesh.get_array().shape == (2, 3)  # pH rows x Mg columns
    assert np.ma.allclose(np.sort(mesh.get_array().compressed()), np.sort(values.compressed()))
    assert "mmol/kgw" in ax.get_xlabel() and "solution.pH" in ax.get_ylabel()
    plt.close(ax.figure)


def test_dominant_phase_map_has_a_legend_entry_per_phase_found(grid):
    import calcikin.plot as ckplot

    ax = ckplot.plot_dominant_phase_map(grid)
    names = {t.get_text() for t in ax.get_legend().get_texts()}
    shown = {"ACP": "ACP kept", "": "none"}
    assert names == {shown.get(str(v), str(v)) for v in grid["dominant_phase"].values}
    plt.close(ax.figure)


def test_maps_need_two_swept_parameters(one_run):
    import calcikin.plot as ckplot

    with pytest.raises(ValueError, match="two parameters"):
        ckplot.plot_t50_map(one_run)


def test_plot_module_command_writes_a_png(ck, one_run, tmp_path):
    result_file = tmp_path / "run.h5"
    one_run.to_netcdf(result_file, engine="h5netcdf")  # round trip through a file ck.open accepts
    figure = tmp_path / "run.png"
    done = subprocess.run([sys.executable, "-m", "calcikin.plot", str(result_file), "-o", str(figure)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert figure.read_bytes()[:8] == PNG_MAGIC


def test_demo_script_writes_the_result_file_and_the_figure(repo_root):
    from conftest import BUILD_DIR

    env = dict(os.environ, CALCIKIN_BUILD_DIR=str(BUILD_DIR), PYTHON=sys.executable)
    done = subprocess.run([repo_root / "scripts" / "demo"], capture_output=True, text=True, env=env, cwd=repo_root)
    assert done.returncode == 0, done.stderr
    assert (repo_root / "results" / "t50_assay.h5").exists()
    assert (repo_root / "results" / "t50_assay.png").read_bytes()[:8] == PNG_MAGIC
