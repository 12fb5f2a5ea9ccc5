"""The scenario JSON schema knows the `thermodynamics:` section and its sweep paths (the C++ loader
checks the names against the database; the schema checks the structure)."""
from __future__ import annotations

import json
import pathlib

import jsonschema
import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO / "scenarios" / "schema" / "scenario.schema.json"
HEAD = "schema: calcikin/scenario/1\nsolution: {totals: {Ca: 1 mM, Cl: 2 mM}}\n"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def errors(validator, text: str) -> list:
    return list(validator.iter_errors(yaml.safe_load(HEAD + text)))


def test_schema_accepts_thermodynamics_section_and_sweep_path(validator) -> None:
    text = (
        "thermodynamics:\n"
        "  parameters: {WH.dlogK_stab: -10, NaHPO4-.log_k_offset: -0.78, Hydroxyapatite.log_k_offset: 0}\n"
        "  optional_species: [CaCl+, MgCl+]\n"
        "sweep: {mode: grid, parameters: {thermodynamics.parameters.WH.dlogK_stab: {values: [-14, -8]}}}\n"
    )
    assert errors(validator, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "thermodynamics: {parameters: {WH.dlogK_stab: -10 kJ/mol}}",  # log10 offsets are plain numbers
        "thermodynamics: {parameters: {WH: -10}}",  # a parameter name is <Phase or Species>.<field>
        "thermodynamics: {optional_species: CaCl+}",  # a list
        "thermodynamics: {optional_specie: [CaCl+]}",
        "sweep: {mode: grid, parameters: {thermodynamics.parameters.WH: {values: [-14]}}}",
    ],
)
def test_schema_rejects_malformed_thermodynamics(validator, text: str) -> None:
    assert errors(validator, text)
