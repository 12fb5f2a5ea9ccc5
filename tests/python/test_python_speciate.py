"""ck.speciate: the same numbers as `calcikin speciate --json`, as pandas / xarray views."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest


def _cli_json(cli, *args) -> dict:
    result = subprocess.run([cli, "speciate", *map(str, args), "--json"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", ["sbf.yaml", "serum_ultrafiltrate.yaml"])
def test_speciate_report_equals_the_cli_json(ck, cli, scenarios_dir, name):
    sp = ck.speciate(scenarios_dir / name)
    assert sp.json == _cli_json(cli, scenarios_dir / name)


def test_speciate_with_overrides_equals_the_cli_with_set(ck, cli, scenarios_dir):
    path = scenarios_dir / "sbf.yaml"
    sp = ck.speciate(ck.load_scenario(path).with_overrides({"solution.totals.Mg": "2 mmol/kgw", "solution.pH": 7.1}))
    assert sp.json == _cli_json(cli, path, "--set", "solution.totals.Mg=2 mmol/kgw", "--set", "solution.pH=7.1")
    assert sp.pH == pytest.approx(7.1)


def test_speciate_tables_and_dataset_agree_with_the_report(ck, scenarios_dir):
    sp = ck.speciate(scenarios_dir / "sbf.yaml")
    assert sp.ionic_strength == sp.json["ionic_strength"]
    assert 0.15 < sp.ionic_strength < 0.17  # Kokubo SBF (PHREEQC 3, same constants): 0.1588
    species = sp.species
    assert species.loc["Ca+2", "molality"] == sp.json["species"]["Ca+2"]["molality"]
    assert np.isclose(species.loc["Ca+2", "log_activity"], np.log10(sp.json["species"]["Ca+2"]["activity"]))
    assert sp.saturation_indices["HAP"] == sp.phases.loc["HAP", "si"]
    ds = sp.to_xarray()
    assert ds["saturation_index"].sel(phase="HAP") == sp.json["saturation_indices"]["HAP"]
    assert ds["molality"].attrs["units"] == "mol/kg"
    assert "HAP" in str(sp) and "HAP" in sp._repr_html_()


def test_more_magnesium_lowers_free_calcium_phosphate_pairs_not_calcium(ck, scenarios_dir):
    base = ck.speciate(scenarios_dir / "sbf.yaml")
    more_mg = ck.speciate(scenarios_dir / "sbf.yaml", overrides={"solution.totals.Mg": "5 mmol/kgw"})
    assert more_mg.species.loc["Mg+2", "molality"] > base.species.loc["Mg+2", "molality"]
    assert more_mg.saturation_indices["HAP"] < base.saturation_indices["HAP"]  # Mg binds phosphate


def test_speciate_from_a_dict(ck):
    sp = ck.speciate({"schema": "calcikin/scenario/1", "name": "nacl",
                      "solution": {"temperature": "25 degC", "pH": 7.0,
                                   "totals": {"Na": "10 mmol/kgw", "Cl": "10 mmol/kgw"}}})
    assert sp.ionic_strength == pytest.approx(0.010, rel=0.01)


def test_speciate_bad_input_raises_scenario_error(ck, scenarios_dir):
    with pytest.raises(ck.ScenarioError):
        ck.speciate({"schema": "calcikin/scenario/1", "solution": {"totals": {"Xx": "1 mmol/kgw"}}})
