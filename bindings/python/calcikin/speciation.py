"""Speciation and saturation indices of a scenario's initial solution (``calcikin speciate``).

The C++ entry point (api::speciate) returns its report as the JSON text ``calcikin speciate --json``
prints; :class:`Speciation` keeps that dict (``.json``) and offers pandas/xarray views of it.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from . import _calcikin
from .scenario import Scenario, as_scenario

__all__ = ["Speciation", "speciate"]


class Speciation:
    """Result of :func:`speciate` (SI units: mol/kg water; temperature in °C as in the report)."""

    def __init__(self, report: Mapping[str, Any], table: str | None = None):
        self.json: dict = dict(report)
        self._table = table

    # -- scalars
    @property
    def ionic_strength(self) -> float:
        """Ionic strength (mol/kg water)."""
        return float(self.json["ionic_strength"])

    @property
    def pH(self) -> float:
        return float(self.json["pH"])

    @property
    def temperature_C(self) -> float:
        return float(self.json["temperature_C"])

    @property
    def activity_water(self) -> float:
        return float(self.json["activity_water"])

    @property
    def totals(self) -> pd.Series:
        """Element totals (mol/kg water) after charge balancing."""
        return pd.Series(self.json["totals"], name="total (mol/kgw)", dtype=float)

    # -- tables
    @property
    def species(self) -> pd.DataFrame:
        """One row per aqueous species: molality (mol/kgw), activity, log_gamma, log_activity."""
        df = pd.DataFrame.from_dict(self.json["species"], orient="index")
        df.index.name = "species"
        df["log_activity"] = np.log10(df["activity"].where(df["activity"] > 0))
        return df

    @property
    def phases(self) -> pd.DataFrame:
        """One row per solid: formula, si, log_iap, log_k, nu, mean_saturation_ratio."""
        df = pd.DataFrame.from_dict(self.json["phases"], orient="index")
        df.index.name = "phase"
        return df

    @property
    def saturation_indices(self) -> pd.Series:
        """SI = log10(IAP/K) per phase."""
        return pd.Series(self.json["saturation_indices"], name="SI", dtype=float)

    def to_xarray(self) -> xr.Dataset:
        """The report as a Dataset with dimensions ``species`` and ``phase`` (units as attributes)."""
        sp, ph = self.species, self.phases
        ds = xr.Dataset(
            {
                "molality": ("species", sp["molality"].to_numpy(), {"units": "mol/kg"}),
                "activity": ("species", sp["activity"].to_numpy(), {"units": "1"}),
                "log_gamma": ("species", sp["log_gamma"].to_numpy(), {"units": "1"}),
                "saturation_index": ("phase", ph["si"].to_numpy(dtype=float), {"units": "1"}),
                "log_iap": ("phase", ph["log_iap"].to_numpy(dtype=float), {"units": "1"}),
                "log_k": ("phase", ph["log_k"].to_numpy(dtype=float), {"units": "1"}),
            },
            coords={"species": sp.index.to_numpy(dtype=str), "phase": ph.index.to_numpy(dtype=str)},
            attrs={k: self.json[k] for k in ("database", "temperature_C", "pH", "ionic_strength",
                                            "activity_water", "charge_balance_element") if k in self.json},
        )
        return ds

    def __str__(self) -> str:
        return self._table if self._table is not None else json.dumps(self.json, indent=2)

    def __repr__(self) -> str:
        return (f"<calcikin.Speciation I={self.ionic_strength:.5g} mol/kg, pH {self.pH:.3f}, "
                f"{len(self.json['species'])} species, {len(self.json['phases'])} phases>")

    def _repr_html_(self) -> str:
        head = (f"<p>{self.json.get('database', '')} database, {self.temperature_C:.2f} °C, pH {self.pH:.3f}, "
                f"I = {self.ionic_strength:.5g} mol/kg</p>")
        return head + self.phases[["formula", "si", "log_iap", "log_k"]].to_html(float_format="%.3f")


def speciate(scenario: Scenario | str | os.PathLike | Mapping[str, Any], overrides: Mapping | None = None
             ) -> Speciation:
    """Speciation and saturation indices of the scenario's solution (same numbers as
    ``calcikin speciate --json``). Raises :class:`calcikin.ScenarioError` for bad input and
    :class:`calcikin.SolverError` when the speciation does not converge."""
    sc = as_scenario(scenario)
    if overrides:
        sc = sc.with_overrides(overrides)
    report = json.loads(_calcikin.speciate_json(sc._native))
    return Speciation(report, table=_calcikin.speciate_table(sc._native))
