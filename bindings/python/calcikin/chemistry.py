"""Solutions as the field writes them: ``ck.solution(Ca="2.5 mM", P="1 mM", pH=7.4, temperature="37 degC")``,
clinical mass units (mg/dL, mg/L) and pint quantities, and mixing by volume as assays are made (the T50
assay: serum + Ca solution + phosphate solution, 2:1:1 by volume; Pasch et al. 2012, J Am Soc Nephrol
23:1744, doi:10.1681/ASN.2012030240).

A :class:`Solution` turns into a scenario (:meth:`Solution.scenario`) for ``ck.speciate`` or ``ck.run``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Solution", "solution", "mix", "concentration_text", "MOLAR_MASS_G_PER_MOL"]

#: Standard atomic weights (g/mol; IUPAC/CIAAW 2021, Prohaska et al., Pure Appl. Chem. 94:573, 2022,
#: doi:10.1515/pac-2019-0603) for mass concentrations. Clinical "phosphate" in mg/dL is phosphorus (as P).
MOLAR_MASS_G_PER_MOL = {"Ca": 40.078, "Mg": 24.305, "P": 30.974, "Na": 22.990, "K": 39.098, "Cl": 35.45,
                        "C(4)": 12.011, "S(6)": 32.06, "Sr": 87.62, "F": 18.998}

# Mass concentration units -> factor to g/L.
_MASS_UNITS = {"mg/dL": 1e-2, "mg/dl": 1e-2, "mg/100mL": 1e-2, "mg/L": 1e-3, "mg/l": 1e-3, "g/L": 1.0,
               "g/l": 1.0, "ug/mL": 1e-3, "µg/mL": 1e-3}
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def _pint_text(value: Any) -> str | None:
    """'2.5 millimolar'-style text of a pint Quantity (duck-typed: no pint import needed)."""
    if hasattr(value, "magnitude") and hasattr(value, "units"):
        units = format(value.units, "~").replace(" ", "") or "1"
        units = units.replace("°C", "degC").replace("µ", "u")
        return f"{float(value.magnitude)!r} {units}"
    return None


def concentration_text(value: Any, element: str | None = None) -> str:
    """A concentration as the scenario files write it: "2.5 mmol/L", "1.2 mmol/kgw".

    Accepts text with a unit ("2.5 mM", "10 mg/dL"), a pint Quantity, or (value, unit). Mass units
    (mg/dL, mg/L, g/L) are converted with the element's standard atomic weight, so ``element`` is needed
    for them. A bare number has no unit and is refused (ValueError).
    """
    text = _pint_text(value)
    if text is None and isinstance(value, tuple) and len(value) == 2:
        text = f"{float(value[0])!r} {value[1]}"
    if text is None:
        if isinstance(value, bool) or isinstance(value, (int, float)):
            raise ValueError(f"{element or 'concentration'}={value!r}: give a unit, e.g. \"{value} mM\" or "
                             f"\"{value} mg/dL\"")
        if not isinstance(value, str):
            raise TypeError(f"{element or 'concentration'}: expected text with a unit, a pint Quantity or "
                            f"(value, unit), not {type(value).__name__}")
        text = value
    match = _NUMBER_UNIT.match(text)
    if not match or not match.group(2):
        raise ValueError(f"{element or 'concentration'}={text!r}: expected a number and a unit, e.g. \"2.5 mM\"")
    number, unit = float(match.group(1)), match.group(2).replace(" ", "")
    if unit in _MASS_UNITS:
        if element not in MOLAR_MASS_G_PER_MOL:
            raise ValueError(f"{element or 'concentration'}={text!r}: a mass concentration needs an element "
                             f"with a known molar mass ({', '.join(MOLAR_MASS_G_PER_MOL)})")
        mmol_per_l = number * _MASS_UNITS[unit] / MOLAR_MASS_G_PER_MOL[element] * 1e3
        return f"{mmol_per_l:.10g} mmol/L"
    if number < 0:
        raise ValueError(f"{element or 'concentration'}={text!r}: a concentration cannot be negative")
    return f"{number:.10g} {unit}"


def _plain_text(value: Any, what: str) -> str:
    text = _pint_text(value)
    if text is not None:
        return text
    if isinstance(value, str):
        return value
    raise TypeError(f"{what}: expected text with a unit (e.g. \"37 degC\") or a pint Quantity, not {value!r}")


@dataclass(frozen=True)
class Solution:
    """An aqueous solution: element totals (text with units), pH, temperature, other solution keys."""

    totals: dict[str, str]
    pH: float
    temperature: str = "25 degC"
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. pH_mode, charge_balance, buffer

    def to_dict(self) -> dict:
        """The ``solution`` section of a scenario."""
        return {"temperature": self.temperature, "pH": self.pH, **self.extra, "totals": dict(self.totals)}

    def scenario(self, name: str = "solution", **sections: Any):
        """A :class:`calcikin.Scenario` with this solution (builtin database unless ``database=``); other
        sections (kinetics, minerals, time, output, sweep) as keyword arguments."""
        from .scenario import scenario_from_dict
        data = {"schema": "calcikin/scenario/1", "name": name, "database": sections.pop("database", "builtin"),
                "solution": self.to_dict(), **sections}
        return scenario_from_dict(data, name=f"<solution {name}>")

    def millimolar(self) -> dict[str, float]:
        """Totals in mmol/L (molar units only; raises ValueError for molal ones)."""
        return {e: _to_mmol_per_l(t, e) for e, t in self.totals.items()}


_MOLAR_FACTORS = {"mol/L": 1e3, "mol/l": 1e3, "M": 1e3, "mmol/L": 1.0, "mmol/l": 1.0, "mM": 1.0,
                  "umol/L": 1e-3, "umol/l": 1e-3, "uM": 1e-3, "µM": 1e-3, "nmol/L": 1e-6, "nM": 1e-6}


def _to_mmol_per_l(text: str, element: str) -> float:
    match = _NUMBER_UNIT.match(text)
    unit = match.group(2).replace(" ", "") if match else ""
    if unit not in _MOLAR_FACTORS:
        raise ValueError(f"{element}={text!r}: mixing by volume needs amount per volume (mM, mmol/L, "
                         f"mg/dL, ...), not {unit or 'no unit'}")
    return float(match.group(1)) * _MOLAR_FACTORS[unit]


def solution(*, pH: float, temperature: Any = "25 degC", totals: Mapping[str, Any] | None = None,
             **elements: Any) -> Solution:
    """A solution from element totals as keywords: ``solution(Ca="2.5 mM", P="3.1 mg/dL", pH=7.4,
    temperature="37 degC")``. Element names with a valence use ``totals={"C(4)": "24 mM"}``. Keywords
    that are solution keys of the scenario format (pH_mode, charge_balance, buffer, density) pass through.
    """
    if isinstance(pH, bool) or not isinstance(pH, (int, float)):
        raise TypeError(f"pH must be a number, not {pH!r}")
    if not 0 < float(pH) < 14:
        raise ValueError(f"pH={pH}: expected a value between 0 and 14")
    passthrough = {k: elements.pop(k) for k in ("pH_mode", "charge_balance", "buffer", "density") if k in elements}
    merged = {**dict(totals or {}), **elements}
    if not merged:
        raise ValueError("solution(): give at least one element total, e.g. Ca=\"2.5 mM\"")
    converted = {}
    for element, value in merged.items():
        if not re.match(r"^[A-Z][a-z]?(\(\-?\d+\))?$", element):
            raise ValueError(f"solution(): {element!r} is not an element name (e.g. Ca, P, C(4))")
        converted[element] = concentration_text(value, element)
    return Solution(converted, float(pH), _plain_text(temperature, "temperature"), passthrough)


def mix(*parts: tuple[Solution, float], pH: float | None = None, temperature: Any = None,
        **extra: Any) -> Solution:
    """Mixes solutions by volume: ``mix((serum, 2), (ca_solution, 1), (pi_solution, 1), pH=7.4)`` (the T50
    assay's 50 % serum + 25 % + 25 %). Totals are volume-weighted (mmol/L); the pH of a mixture is not a
    volume average, so give it (buffered assays) or it is taken from the largest part; the temperature
    is the first part's unless given.
    """
    if not parts:
        raise ValueError("mix(): give (solution, volume) pairs")
    for p in parts:
        if not (isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], Solution)):
            raise TypeError(f"mix(): expected (Solution, volume) pairs, not {p!r}")
        if isinstance(p[1], bool) or not isinstance(p[1], (int, float)) or p[1] <= 0:
            raise ValueError(f"mix(): volumes must be positive numbers, not {p[1]!r}")
    total_volume = sum(float(v) for _, v in parts)
    amounts: dict[str, float] = {}
    for sol, volume in parts:
        for element, c in sol.millimolar().items():
            amounts[element] = amounts.get(element, 0.0) + c * float(volume)
    totals = {e: f"{a / total_volume:.10g} mmol/L" for e, a in amounts.items()}
    largest = max(parts, key=lambda p: p[1])[0]
    return Solution(totals, float(pH) if pH is not None else largest.pH,
                    _plain_text(temperature, "temperature") if temperature is not None else parts[0][0].temperature,
                    {**largest.extra, **extra})
