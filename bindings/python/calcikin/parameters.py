"""The kinetic parameter catalogue (models/data/kinetics_parameters.yaml, compiled into the core)."""
from __future__ import annotations

import pandas as pd

from . import _calcikin

__all__ = ["kinetic_parameters", "thermo_parameters"]


def kinetic_parameters() -> pd.DataFrame:
    """Every kinetic parameter with its default (SI), unit, plausible range, tag and source.

    ``tag`` says how much to trust a value: ``literature`` (from a cited measurement), ``calibrated``
    (fitted to the data named in ``source``) or ``estimate`` (a modelling assumption).
    """
    return pd.DataFrame(list(_calcikin.kinetic_parameters())).set_index("name")


def thermo_parameters(database: str = "builtin") -> pd.DataFrame:
    """The thermodynamic parameters a scenario can set or sweep (``thermodynamics.parameters.<name>``):
    log K offsets of the phases and species of ``database`` ("builtin" or a PHREEQC .dat path), with
    default, plausible range and source (as ``calcikin params --thermo``)."""
    if not isinstance(database, str):
        raise TypeError(f"database must be 'builtin' or a file path (str), not {type(database).__name__}")
    return pd.DataFrame(list(_calcikin.thermo_parameters(database))).set_index("name")
