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


def _override_text(value: Any, path: str = "") -> str:
    """An override value as the CLI's --set would spell it (numbers unit-less, booleans lower case);
    pint quantities and, for element totals, mass units (mg/dL, mg/L) are converted."""
    from .chemistry import _pint_text, concentration_text
    if path.startswith("solution.totals."):
        if isinstance(value, str) or _pint_text(value) is not None:
            return concentration_text(value, path[len("solution.totals."):])
    text = _pint_text(value)
    if text is not None:
        return text
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

    def expected_file_size(self) -> int:
        """Bytes of the result file :func:`calcikin.run` (or ``calcikin run``) would write for this
        scenario, before compression: the figure ``calcikin validate`` prints (one C++ estimate, within
        a few % of the real file; failed runs add up to 256 bytes each for their message)."""
        return int(_calcikin.expected_file_size(self._native, self.set_arguments))

    def to_dict(self, *, overrides: bool = True) -> dict:
        """The scenario as a dict shaped like the YAML file, with the overrides applied (as text with
        units, where they belong: ``solution.totals.Mg`` -> ``data["solution"]["totals"]["Mg"]``).
        ``overrides=False``: the file's text only. ``scenario_from_dict(sc.to_dict())`` is the same
        scenario."""
        data = yaml.safe_load(self.text) or {}
        if overrides:
            for path, value in self._overrides:
                _set_path(data, path, value)
        return data

    def with_sweep(self, parameters: Mapping[str, Any] | None = None, *, mode: str = "grid",
                   points: list | None = None, samples: int | None = None, seed: int | None = None,
                   **kwargs: Any) -> "Scenario":
        """A copy with a sweep (replacing any): ``sc.with_sweep({"solution.totals.Mg": (np.linspace(0, 2, 5),
        "mmol/kgw"), "solution.pH": [7.2, 7.4]})`` or keywords with ``__`` for dots. Values: a list of
        texts with units, (numbers, unit), or ``{"values": [...], "unit": ...}``; dimensionless keys take
        plain numbers. ``mode``: grid (all combinations), zip, list (``points=[{path: value}, ...]``),
        latin_hypercube (``samples``, ``seed``; values are [low, high])."""
        if mode not in ("grid", "zip", "list", "latin_hypercube"):
            raise ValueError(f"mode={mode!r}: expected grid, zip, list or latin_hypercube")
        items = dict(parameters or {})
        items.update({k.replace("__", "."): v for k, v in kwargs.items()})
        sweep: dict[str, Any] = {"mode": mode}
        if mode == "list":
            if not points or items:
                raise ValueError("mode='list' takes points=[{path: value, ...}, ...] (and no parameters)")
            sweep["points"] = [{p: _override_text(v, p) if not isinstance(v, (int, float)) else v
                                for p, v in point.items()} for point in points]
        else:
            if not items:
                raise ValueError("with_sweep(): give at least one parameter path and its values")
            sweep["parameters"] = {str(p): _sweep_values(p, v) for p, v in items.items()}
        if samples is not None:
            sweep["samples"] = int(samples)
        if seed is not None:
            sweep["seed"] = int(seed)
        data = self.to_dict()
        data["sweep"] = sweep
        return scenario_from_dict(data, name=self.file or "<with_sweep>", base_dir=self._native.base_dir)

    # -- variants
    def with_overrides(self, overrides: Mapping[str, Any] | None = None, **kwargs: Any) -> "Scenario":
        """A copy with values replaced by dotted path, e.g. ``{"solution.totals.Mg": "2 mmol/kgw"}``.

        Values are strings with their unit (as in the file), or numbers for dimensionless keys.
        Keyword arguments use ``__`` for dots: ``with_overrides(solution__pH=7.2)``.
        Raises :class:`calcikin.ScenarioError` for an unknown path, unit or value.
        """
        items = dict(overrides or {})
        items.update({k.replace("__", "."): v for k, v in kwargs.items()})
        for path in items:
            if not isinstance(path, str):
                raise TypeError(f"override paths are dotted strings (\"solution.totals.Mg\"), not {path!r}")
        pairs = tuple((path, _override_text(value, path)) for path, value in items.items())
        native = _calcikin.apply_overrides(self._native, list(pairs))
        return Scenario(native, self._overrides + pairs)

    def __reduce__(self):
        # Picklable (multiprocessing, joblib): rebuilt from its text, name, folder and overrides.
        return (_restore, (self.text, self.file, self._native.base_dir, self._overrides))

    def __repr__(self) -> str:
        where = f" from {self.file!r}" if self.file else ""
        extra = f", {len(self._overrides)} overrides" if self._overrides else ""
        return f"<calcikin.Scenario {self.name!r}{where}{extra}>"


def _set_path(data: dict, path: str, value: Any) -> None:
    """Sets a dotted scenario path in a YAML-shaped dict (``kinetics.parameters.X.y`` keeps ``X.y``
    as one key, as the file writes parameter names)."""
    keys = path.split(".")
    for i, key in enumerate(keys[:-1]):
        if key == "parameters":
            data.setdefault(key, {})[".".join(keys[i + 1:])] = value
            return
        data = data.setdefault(key, {})
    data[keys[-1]] = value


def _sweep_values(path: str, values: Any) -> Any:
    if isinstance(values, Mapping):
        return dict(values)
    if isinstance(values, tuple) and len(values) == 2 and isinstance(values[1], str):
        return {"values": [float(v) for v in np.asarray(values[0]).ravel()], "unit": values[1]}
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"sweep values of {path}: expected a list, (numbers, unit) or a dict, not {values!r}")
    numbers, units = [], set()
    for v in values:
        if isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
            numbers.append(float(v))
            continue
        number, _, unit = _override_text(v, path).partition(" ")
        numbers.append(float(number))
        units.add(unit)
    if len(units) > 1:
        raise ValueError(f"sweep values of {path}: one unit for all values, not {sorted(units)}")
    if units and len(numbers) != sum(1 for v in values if not isinstance(v, (int, float, np.number))):
        raise ValueError(f"sweep values of {path}: mix of numbers and values with units")
    return {"values": numbers, **({"unit": units.pop()} if units else {})}


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
    if hasattr(value, "scenario") and hasattr(value, "totals"):  # calcikin.Solution
        return value.scenario()
    raise TypeError(f"expected a calcikin.Scenario, a scenario file path or a dict, not {type(value).__name__}")
