"""calcikin.plot's fit figures (data vs fit, multistart waterfall, profiles with the 95 % threshold,
corner of a chain, prediction bands) each return a Figure under Agg."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import calcikin as ck  # noqa: E402
import calcikin.plot as ckplot  # noqa: E402


@pytest.fixture(scope="module")
def folder(tmp_path_factory, copy_recovery_problem):
    d = tmp_path_factory.mktemp("plotfit")
    copy_recovery_problem(d)
    return d


@pytest.fixture(scope="module")
def result(folder):
    return ck.fit(folder / "recovery.yaml", starts=3, seed=3, threads=1, profiles=True)


def test_plot_fit_draws_one_panel_per_observable(result, tmp_path):
    fig = ckplot.plot_fit(result)
    visible = [ax for ax in fig.get_axes() if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["T50", "alpha"]
    assert [t.get_text() for t in visible[0].get_xticklabels()] == ["base", "mg1", "mg2"]
    fig.savefig(tmp_path / "fit.png")
    # the model curve (the condition run at the best fit) passes through the simulated values
    line = next(l for l in visible[1].get_lines() if l.get_label() == "base fit")
    table = result.measurements()
    rows = table[(table["condition"] == "base") & (table["observable"] == "alpha")]
    curve = np.interp(rows["time"] / 3600, line.get_xdata(), line.get_ydata())
    np.testing.assert_allclose(curve, rows["simulated"], rtol=0.02, atol=2e-3)
    plt.close(fig)
    fig = ckplot.plot_fit(result, curves=False)
    plt.close(fig)


def test_waterfall_and_profiles_show_every_start_and_the_threshold(result):
    fig = ckplot.plot_waterfall(result)
    line = fig.get_axes()[0].get_lines()[0]
    assert len(line.get_xdata()) == 3
    assert np.min(line.get_ydata()) == pytest.approx(1.0)
    plt.close(fig)
    fig = ckplot.plot_profiles(result)
    axes = [ax for ax in fig.get_axes() if ax.get_visible()]
    assert len(axes) == 2
    for ax in axes:
        assert any(np.allclose(l.get_ydata(), 1.920729410347062) for l in ax.get_lines())
    plt.close(fig)


def test_corner_of_a_chain_and_prediction_bands(result, folder):
    pytest.importorskip("corner")
    rng = np.random.default_rng(0)
    chain = result.value * 10 ** (0.05 * rng.standard_normal((40, 6, 2)))
    fig = ckplot.plot_corner(result.with_chain(chain))
    assert len(fig.get_axes()) == 4
    plt.close(fig)
    with pytest.raises(ValueError, match="no chain"):
        ckplot.plot_corner(result)
    p = result.predict(folder / "t50_auto.yaml", n_draws=6, seed=1, variables=["crystalline_fraction", "t50"])
    fig = ckplot.plot_prediction(p, "crystalline_fraction")
    assert fig.get_axes()[0].get_xscale() == "log"
    plt.close(fig)
    fig = ckplot.plot_prediction(p, "t50")
    plt.close(fig)


def test_the_model_curve_of_a_phase_fraction_is_its_share_of_the_solid_phosphate():
    import xarray as xr
    from calcikin.plot_fit import _curve
    solid = np.zeros((3, 2, 3))
    solid[:, 0, 2] = [0.0, 3e-3, -1e-12]  # ACP P (a negative remainder counts as 0)
    solid[:, 1, 2] = [0.0, 1e-3, 4e-3]    # HAP P
    ds = xr.Dataset({"solid_element": (("time", "phase", "element"), solid)},
                    coords={"time": [0.0, 1.0, 2.0], "phase": ["ACP", "HAP"], "element": ["Ca", "Mg", "P"]})
    hap = _curve(ds, "phase_fraction.HAP")
    assert np.isnan(hap.values[0])  # no solid yet: undefined
    np.testing.assert_allclose(hap.values[1:], [0.25, 1.0], rtol=1e-15)
    assert _curve(ds, "phase_fraction.WH") is None
