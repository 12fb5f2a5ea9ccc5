"""Exceptions raised by calcikin.

The message of each exception is the text the ``calcikin`` command-line tool prints for the same
problem (the C++ core builds it once; both front ends show it unchanged).
"""
from __future__ import annotations

__all__ = ["CalcikinError", "ScenarioError", "SolverError", "OutputError"]


class CalcikinError(Exception):
    """Base class of every calcikin error."""


class ScenarioError(CalcikinError, ValueError):
    """Bad input: a scenario file or dict, an override, a database file.

    Attributes
    ----------
    file, line, column:
        Where the problem is (``line``/``column`` are 1-based; 0 when unknown, e.g. for an override).
    key_path:
        Dotted path of the offending key, e.g. ``"solution.totals.Mg"``.
    problem, hint:
        The one-line problem statement and the suggestion, also part of the message.
    """

    def __init__(self, message: str, file: str = "", line: int = 0, column: int = 0,
                 key_path: str = "", problem: str = "", hint: str = ""):
        super().__init__(message)
        self.file = file
        self.line = line
        self.column = column
        self.key_path = key_path
        self.problem = problem
        self.hint = hint

    def __reduce__(self):  # keep the attributes when pickled (multiprocessing, joblib)
        return (type(self), (str(self), self.file, self.line, self.column, self.key_path,
                             self.problem, self.hint))


class SolverError(CalcikinError, RuntimeError):
    """The integrator or the speciation solver failed (the message names the run and the cause)."""


class OutputError(CalcikinError, OSError):
    """An output file could not be written or read, or has an unsupported format version."""
