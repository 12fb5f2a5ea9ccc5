"""The kinetic parameter catalogue (models/data/kinetics_parameters.yaml, compiled into the core)."""
from __future__ import annotations

import pandas as pd

from . import _calcikin

__all__ = ["kinetic_parameters"]


def kinetic_parameters() -> pd.DataFrame:
    """Every kinetic parameter with its default (SI), unit, plausible range, tag and source.

    ``tag`` says how much to trust a value: ``literature`` (from a cited measurement), ``calibrated``
    (fitted to the data named in ``source``) or ``estimate`` (a modelling assumption).
    """
    return pd.DataFrame(list(_calcikin.kinetic_parameters())).set_index("name")
