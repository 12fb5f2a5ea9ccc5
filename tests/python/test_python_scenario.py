"""Scenarios from Python: loading files, text and dicts; overrides; bad input as ScenarioError with the
CLI's message text and the location of the problem."""
from __future__ import annotations

import subprocess

import pytest

SBF_TEXT_BAD_UNIT = """\
schema: calcikin/scenario/1
name: bad-unit
solution:
  temperature: 37 degC
  pH: 7.40
  totals:
    Ca: 2.5 mmol/kgw
    Mg: 5 mMol
"""


def test_load_scenario_reads_name_text_and_file(ck, scenarios_dir):
    path = scenarios_dir / "sbf.yaml"
    sc = ck.load_scenario(path)
    assert sc.name == "sbf-37C"
    assert sc.text == path.read_text()
    assert sc.file == str(path)
    assert sc.overrides == {}
    assert "sbf-37C" in repr(sc)


def test_scenario_from_dict_equals_the_same_yaml(ck, scenarios_dir):
    original = ck.load_scenario(scenarios_dir / "sbf.yaml")
    from_dict = ck.scenario_from_dict(original.to_dict())
    assert from_dict.name == original.name
    assert from_dict.to_dict() == original.to_dict()
    assert from_dict.file == "<dict>" or from_dict.file == ""


def test_bad_unit_raises_scenario_error_with_location_and_key_path(ck, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SBF_TEXT_BAD_UNIT)
    with pytest.raises(ck.ScenarioError) as info:
        ck.load_scenario(path)
    e = info.value
    assert e.file == str(path)
    assert (e.line, e.column) == (8, 11)  # the unit of "    Mg: 5 mMol"
    assert e.key_path == "solution.totals.Mg"
    assert "mMol" in e.problem
    assert str(e).startswith(f"error: {path}:8:")
    assert "    Mg: 5 mMol" in str(e)  # the source line is shown, with a caret under it
    assert isinstance(e, ValueError) and isinstance(e, ck.CalcikinError)


def test_scenario_error_text_equals_the_cli_message(ck, cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SBF_TEXT_BAD_UNIT)
    with pytest.raises(ck.ScenarioError) as info:
        ck.load_scenario(path)
    result = subprocess.run([cli, "validate", str(path)], capture_output=True, text=True)
    assert result.returncode == 3
    assert str(info.value).strip() == result.stderr.strip()


def test_errors_in_text_name_the_given_name(ck):
    with pytest.raises(ck.ScenarioError) as info:
        ck.scenario_from_text(SBF_TEXT_BAD_UNIT, name="<my cell>")
    assert info.value.file == "<my cell>"
    assert info.value.line == 8


def test_missing_file_is_a_scenario_error(ck, tmp_path):
    with pytest.raises(ck.ScenarioError) as info:
        ck.load_scenario(tmp_path / "nowhere.yaml")
    assert "nowhere.yaml" in str(info.value)


def test_with_overrides_returns_a_new_scenario_and_keeps_the_original(ck, scenarios_dir):
    sc = ck.load_scenario(scenarios_dir / "sbf.yaml")
    sc2 = sc.with_overrides({"solution.totals.Mg": "2 mmol/kgw"}, solution__pH=7.2)
    assert sc2.overrides == {"solution.totals.Mg": "2 mmol/kgw", "solution.pH": "7.2"}
    assert sc.overrides == {}
    assert sc2.text == sc.text


def test_unknown_override_path_suggests_the_right_one(ck, scenarios_dir):
    sc = ck.load_scenario(scenarios_dir / "sbf.yaml")
    with pytest.raises(ck.ScenarioError) as info:
        sc.with_overrides({"solution.temprature": "40 degC"})
    assert info.value.key_path.startswith("solution.temprature")
    assert "solution.temperature" in str(info.value)


def test_override_with_wrong_unit_is_rejected_like_the_cli(ck, cli, scenarios_dir):
    sc = ck.load_scenario(scenarios_dir / "sbf.yaml")
    with pytest.raises(ck.ScenarioError) as info:
        sc.with_overrides({"solution.temperature": "40 mmol/kgw"})
    result = subprocess.run([cli, "validate", str(scenarios_dir / "sbf.yaml"),
                             "--set", "solution.temperature=40 mmol/kgw"], capture_output=True, text=True)
    assert result.returncode == 3
    assert str(info.value).strip() == result.stderr.strip()


def test_override_value_of_unsupported_type_is_a_type_error(ck, scenarios_dir):
    sc = ck.load_scenario(scenarios_dir / "sbf.yaml")
    with pytest.raises(TypeError):
        sc.with_overrides({"solution.pH": object()})


def test_known_paths_list_the_totals(ck, scenarios_dir):
    paths = ck.load_scenario(scenarios_dir / "sbf.yaml").known_paths
    assert "solution.totals.Mg" in paths and "solution.pH" in paths


def test_scenario_error_survives_pickling(ck):
    import pickle

    e = ck.ScenarioError("error: x.yaml:1:2: a: bad", "x.yaml", 1, 2, "a", "bad", "hint")
    e2 = pickle.loads(pickle.dumps(e))
    assert (e2.file, e2.line, e2.column, e2.key_path, str(e2)) == ("x.yaml", 1, 2, "a", str(e))


def test_scenario_pickles_with_its_overrides(ck, scenarios_dir):
    import pickle

    sc = ck.load_scenario(scenarios_dir / "sbf.yaml").with_overrides({"solution.totals.Mg": "2 mmol/kgw"})
    copy = pickle.loads(pickle.dumps(sc))
    assert (copy.name, copy.file, copy.text, copy.overrides) == (sc.name, sc.file, sc.text, sc.overrides)
    assert ck.speciate(copy).json == ck.speciate(sc).json


def test_dict_values_may_be_numpy_numbers(ck, scenarios_dir):
    import numpy as np

    data = ck.load_scenario(scenarios_dir / "sbf.yaml").to_dict()
    data["solution"]["pH"] = np.float64(7.2)
    assert ck.speciate(ck.scenario_from_dict(data)).pH == 7.2


def test_parameter_set_values_load_and_not_identifiable_ones_warn(ck, tmp_path):
    (tmp_path / "fit.yaml").write_text(
        "kinetics:\n  parameters:\n    HAP.growth.rate_constant: 2e-8 mol/m2/s\n"
        "    WH.growth.rate_constant: 3e-9 mol/m2/s   # not identifiable\n"
        "not_identifiable: [kinetics.parameters.WH.growth.rate_constant]\n")
    text = ("schema: calcikin/scenario/1\nname: t\nsolution:\n  temperature: 37 degC\n  pH: 7.4\n"
            "  totals: {Ca: 2.5 mmol/kgw, P: 1 mmol/kgw}\n"
            "kinetics:\n  phases: [ACP, HAP, WH]\n  parameter_set: fit.yaml\n")
    with pytest.warns(UserWarning, match=r"fit\.yaml:4:.*not identifiable"):
        ck.scenario_from_text(text, "t.yaml", tmp_path)
    (tmp_path / "fit.yaml").write_text("kinetics:\n  parameters:\n    HAP.growth.rate_constant: 2e-8 mol/L\n")
    with pytest.raises(ck.ScenarioError, match=r"fit\.yaml:3:"):
        ck.scenario_from_text(text, "t.yaml", tmp_path)
