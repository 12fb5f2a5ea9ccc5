"""calcikin: calcium phosphate mineralization and its inhibition by magnesium, from Python.

The computations are done by the C++ core (the same entry points as the ``calcikin`` command-line
tool); this package converts scenarios and results to and from Python objects::

    import calcikin as ck
    sc = ck.load_scenario("scenarios/t50_assay.yaml")
    sc2 = sc.with_overrides({"solution.totals.Mg": "2 mmol/kgw"})
    ds = ck.run(sc2, threads=2, progress=True)       # xarray.Dataset, same schema as the HDF5 file
    sp = ck.speciate(sc)                              # ionic strength, species, saturation indices
    ds = ck.open("map.h5")                            # a result file written by `calcikin run`
    ds.t50                                            # a single run has no `run` dimension: scalars
    mixed = ck.mix((ck.solution(Ca="2.4 mM", P="3.4 mg/dL", pH=7.4, temperature="37 degC"), 2),
                   (ck.solution(Ca="40 mM", pH=7.4), 1), (ck.solution(P="19 mM", pH=7.4), 1), pH=7.4)
    sp = ck.speciate(mixed.scenario())

Plots: ``import calcikin.plot`` (matplotlib).
"""
from __future__ import annotations

from . import _calcikin
from .errors import CalcikinError, OutputError, ScenarioError, SolverError
from .fit import FitResult, Problem, fit, open_fit
from .chemistry import Solution, mix, solution
from .parameters import kinetic_parameters, thermo_parameters
from .results import FORMAT_VERSIONS, open, run, unstack_sweep
from .scenario import Scenario, load_scenario, scenario_from_dict, scenario_from_text
from .speciation import Speciation, speciate

__version__: str = _calcikin.__version__


def build_info() -> dict:
    """Version, git commit, library versions and compiler of the C++ core (as ``calcikin --version``)."""
    return dict(_calcikin.build_info())


__all__ = [
    "__version__", "build_info",
    "Scenario", "load_scenario", "scenario_from_dict", "scenario_from_text",
    "run", "open", "unstack_sweep", "FORMAT_VERSIONS",
    "speciate", "Speciation", "kinetic_parameters", "thermo_parameters",
    "solution", "mix", "Solution",
    "CalcikinError", "ScenarioError", "SolverError", "OutputError",
    "fit", "FitResult", "Problem", "open_fit",
]
