"""Scenarios: load from a file, a YAML string or a dict; derive variants with dotted-path overrides.

Parsing, unit conversion and validation are done by the C++ loader (the same code as
``calcikin validate`` and ``--set``), so errors carry the same text, file, line and column.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import yaml

from . import _calcikin

__all__ = ["Scenario", "load_scenario", "scenario_from_text", "scenario_from_dict"]


class _Dumper(yaml.SafeDumper):
    """YAML for scenario dicts: numpy scalars and arrays (e.g. np.linspace for sweep values) allowed."""


_Dumper.add_multi_representer(np.generic, lambda dumper, v: dumper.represent_data(v.item()))
_Dumper.add_representer(np.ndarray, lambda dumper, a: dumper.represent_list(a.tolist()))


def _override_text(value: Any) -> str:
    """An override value as the CLI's --set would spell it (numbers unit-less, booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"override value {value!r}: expected a string with its unit (\"2 mmol/kgw\") or a number")


class Scenario:
    """A validated scenario (SI values inside); immutable: :meth:`with_overrides` returns a new one."""

    def __init__(self, native: Any, overrides: tuple[tuple[str, str], ...] = ()):
        self._native = native
        self._overrides = overrides

    # -- what it is
    @property
    def name(self) -> str:
        return self._native.name

    @property
    def description(self) -> str:
        return self._native.description

    @property
    def file(self) -> str:
        """The file it was read from ("" when built from text or a dict)."""
        return self._native.source_file

    @property
    def text(self) -> str:
        """The YAML text it was read from (before overrides)."""
        return self._native.source_text

    @property
    def overrides(self) -> dict[str, str]:
        """Dotted-path overrides applied on top of :attr:`text`, in order."""
        return dict(self._overrides)

    @property
    def set_arguments(self) -> list[str]:
        """The overrides as the CLI's ``--set`` arguments (``path=value``), in the order applied."""
        return [f"{path}={value}" for path, value in self._overrides]

    @property
    def known_paths(self) -> list[str]:
        """Every dotted path :meth:`with_overrides` (and a sweep) accepts for this scenario."""
        return list(_calcikin.known_paths(self._native))

    def to_dict(self) -> dict:
        """The YAML text as a dict (overrides not applied)."""
        return yaml.safe_load(self.text)

    # -- variants
    def with_overrides(self, overrides: Mapping[str, Any] | None = None, **kwargs: Any) -> "Scenario":
        """A copy with values replaced by dotted path, e.g. ``{"solution.totals.Mg": "2 mmol/kgw"}``.

        Values are strings with their unit (as in the file), or numbers for dimensionless keys.
        Keyword arguments use ``__`` for dots: ``with_overrides(solution__pH=7.2)``.
        Raises :class:`calcikin.ScenarioError` for an unknown path, unit or value.
        """
        items = dict(overrides or {})
        items.update({k.replace("__", "."): v for k, v in kwargs.items()})
        pairs = tuple((str(path), _override_text(value)) for path, value in items.items())
        native = _calcikin.apply_overrides(self._native, list(pairs))
        return Scenario(native, self._overrides + pairs)

    def __reduce__(self):
        # Picklable (multiprocessing, joblib): rebuilt from its text, name, folder and overrides.
        return (_restore, (self.text, self.file, self._native.base_dir, self._overrides))

    def __repr__(self) -> str:
        where = f" from {self.file!r}" if self.file else ""
        extra = f", {len(self._overrides)} overrides" if self._overrides else ""
        return f"<calcikin.Scenario {self.name!r}{where}{extra}>"


def _restore(text: str, name: str, base_dir: str, overrides: tuple[tuple[str, str], ...]) -> Scenario:
    scenario = Scenario(_calcikin.load_text(text, name, base_dir))
    return scenario.with_overrides(dict(overrides)) if overrides else scenario


def load_scenario(path: str | os.PathLike, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Reads and validates a scenario file. Raises :class:`calcikin.ScenarioError` (file:line:col)."""
    scenario = Scenario(_calcikin.load_file(os.fspath(path)))
    return scenario.with_overrides(overrides) if overrides else scenario


def scenario_from_text(text: str, name: str = "<string>", base_dir: str | os.PathLike = "") -> Scenario:
    """A scenario from YAML text; ``name`` stands for the file name in error messages, relative paths
    (``database:``, ``output.file:``) resolve against ``base_dir`` (default: the current folder)."""
    return Scenario(_calcikin.load_text(text, name, os.fspath(base_dir)))


def scenario_from_dict(data: Mapping[str, Any], name: str = "<dict>",
                       base_dir: str | os.PathLike = "") -> Scenario:
    """A scenario from a dict shaped like the YAML file (values as strings with units, e.g.
    ``{"solution": {"temperature": "37 degC", "totals": {"Ca": "2.5 mmol/kgw"}}}``)."""
    return scenario_from_text(yaml.dump(dict(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True), name, base_dir)


def as_scenario(value: Any) -> Scenario:
    """Accepts a Scenario, a path to a scenario file, or a dict."""
    if isinstance(value, Scenario):
        return value
    if isinstance(value, (str, os.PathLike)):
        return load_scenario(value)
    if isinstance(value, Mapping):
        return scenario_from_dict(value)
    raise TypeError(f"expected a calcikin.Scenario, a scenario file path or a dict, not {type(value).__name__}")
