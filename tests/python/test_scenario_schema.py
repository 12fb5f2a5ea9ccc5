"""scenarios/*.yaml conform to scenarios/schema/scenario.schema.json, and the schema rejects what the
C++ loader rejects structurally (unknown keys, bare numbers, wrong schema, bad element names)."""
from __future__ import annotations

import json
import pathlib
import re

import jsonschema
import pytest
import yaml

class Yaml12Loader(yaml.SafeLoader):
    """PyYAML resolves floats by YAML 1.1 rules, where `1e-6` (no dot) is a string; yaml-cpp and YAML 1.2
    read it as a number. Resolve floats the YAML 1.2 way so the schema sees what calcikin sees."""


Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"),
    list("-+0123456789."),
)


def load_yaml(text: str):
    return yaml.load(text, Loader=Yaml12Loader)


REPO = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO / "scenarios" / "schema" / "scenario.schema.json"
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_there_are_scenarios_to_check() -> None:
    assert any(p.name == "sbf.yaml" for p in SCENARIOS)


def test_yaml12_loader_reads_exponent_floats_and_keeps_integers() -> None:
    doc = load_yaml("a: 1e-6\nb: 7.40\nc: 100000\nd: 2.5 mM")
    assert doc == {"a": 1e-6, "b": 7.4, "c": 100000, "d": "2.5 mM"}
    assert isinstance(doc["c"], int)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenario_conforms_to_schema(validator, path: pathlib.Path) -> None:
    document = load_yaml(path.read_text(encoding="utf-8"))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors)


INVALID = {
    "unknown_top_level_key": "minerls: {}",
    "bare_number_temperature": "solution: {temperature: 37, totals: {Ca: 1 mM}}",
    "unknown_unit": "solution: {totals: {Ca: 5 mMol}}",
    "bad_element": "solution: {totals: {Xyz: 1 mM}}",
    "ph_out_of_range": "solution: {pH: 15, totals: {Ca: 1 mM}}",
    "sweep_unknown_path": "solution: {totals: {Ca: 1 mM}}\nsweep: {mode: grid, parameters: {solution.ph: {values: [7]}}}",
    "lhs_without_seed": "solution: {totals: {Ca: 1 mM}}\nsweep: {mode: latin_hypercube, samples: 4, "
    "parameters: {solution.pH: {range: [6, 8]}}}",
    "unknown_solver_method": "solution: {totals: {Ca: 1 mM}}\nsolver: {method: rk45}",
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_schema_rejects_invalid_scenario(validator, name: str) -> None:
    document = load_yaml("schema: calcikin/scenario/1\n" + INVALID[name])
    assert list(validator.iter_errors(document)), f"{name} should be rejected"


def test_schema_accepts_both_solver_methods(validator) -> None:
    for method in ("auto", "bdf"):
        document = load_yaml("schema: calcikin/scenario/1\nsolution: {totals: {Ca: 1 mM}}\n"
                             f"solver: {{method: {method}}}")
        assert not list(validator.iter_errors(document)), method


def test_schema_rejects_wrong_schema_string(validator) -> None:
    document = load_yaml("schema: calcikin/scenario/2\nsolution: {totals: {Ca: 1 mM}}")
    assert list(validator.iter_errors(document))
