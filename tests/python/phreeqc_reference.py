"""PHREEQC itself (through the IPhreeqc library that phreeqpython installs), for reference values.

phreeqpython's bundled IPhreeqc predates two keyword blocks of the current databases
(GAS_BINARY_PARAMETERS: Peng-Robinson gas mixing; MEAN_GAMMAS: printed mean activity coefficients).
Neither affects aqueous speciation or saturation indices, so they are removed from the text before
loading; everything else is the unchanged file that calcikin reads.

Saturation indices come from PHREEQC's own SI() Basic function: phreeqpython's get_phases_si() is a
re-implementation that leaves out the activity of water.
"""
from __future__ import annotations

import os
import pathlib
import re

_KEYWORD = re.compile(r"^[A-Z][A-Z_0-9]+\s*(#.*)?$")
_UNSUPPORTED_BY_OLD_IPHREEQC = {"GAS_BINARY_PARAMETERS", "MEAN_GAMMAS"}


def database_candidates(repo_root: pathlib.Path, name: str) -> list[pathlib.Path]:
    """Where a PHREEQC database may be: the shared folder beside the repository, then phreeqpython's."""
    out = [repo_root.parent / "shared" / "thermo" / "phreeqc" / name]
    extra = os.environ.get("CALCIKIN_PHREEQC_DATABASES")
    if extra:
        out.insert(0, pathlib.Path(extra) / name)
    try:
        import phreeqpython

        out.append(pathlib.Path(phreeqpython.__file__).parent / "database" / name)
    except ImportError:
        pass
    return out


def find_database(repo_root: pathlib.Path, name: str) -> pathlib.Path | None:
    for p in database_candidates(repo_root, name):
        if p.is_file():
            return p
    return None


def _strip_blocks(text: str) -> str:
    out, skipping = [], False
    for line in text.splitlines():
        s = line.strip()
        if _KEYWORD.match(s):
            skipping = s.split()[0] in _UNSUPPORTED_BY_OLD_IPHREEQC
        if not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


class Phreeqc:
    """One IPhreeqc instance with a database loaded."""

    def __init__(self, database: pathlib.Path):
        from phreeqpython.viphreeqc import VIPhreeqc

        self.ip = VIPhreeqc()
        self.ip.load_database_string(_strip_blocks(database.read_text(encoding="latin-1")))
        if self.ip.phc_database_error_count:
            raise RuntimeError(f"PHREEQC could not load {database}: {self.ip.get_error_string()}")
        self.count = 0

    def speciate(self, temperature_c: float, ph: float, totals: dict[str, float], charge: str | None) -> dict:
        """Initial-solution calculation (mol/kgw, fixed pH, optional charge balance on an element)."""
        self.count += 1
        n = self.count
        lines = [f"SOLUTION {n}", f" temp {temperature_c!r}", f" pH {ph!r}", " units mol/kgw"]
        for element, value in totals.items():
            lines.append(f" {element} {value!r}" + (" charge" if element == charge else ""))
        solution = "\n".join(lines) + "\n"
        self.ip.run_string(solution + "END\n")
        phases = sorted(self.ip.get_phases_si(n).keys())
        species = sorted(self.ip.get_species_molalities(n).keys())
        # Second pass: PHREEQC's own numbers through USER_PUNCH.
        punch = ["MU", 'ACT("H2O")'] + [f'SI("{p}")' for p in phases] + [f'LM("{s}")' for s in species]
        heads = ["mu", "aw"] + [f"si_{i}" for i in range(len(phases))] + [f"lm_{i}" for i in range(len(species))]
        body = [f" -headings {' '.join(heads)}"]
        for i in range(0, len(punch), 20):
            body.append(f" {10 * (i // 20 + 1)} PUNCH " + ", ".join(punch[i:i + 20]))
        self.ip.run_string("SELECTED_OUTPUT\n -reset false\nUSER_PUNCH\n" + "\n".join(body) + "\n" + solution + "END\n")
        rows = self.ip.get_selected_output_array()
        values = dict(zip(rows[0], rows[-1]))
        totals_out = {e: self.ip.get_total(n, e) for e in totals}
        return {
            "ionic_strength": values["mu"],
            "activity_water": values["aw"],
            "si": {p: values[f"si_{i}"] for i, p in enumerate(phases)},
            "log_molality": {s: values[f"lm_{i}"] for i, s in enumerate(species)},
            "totals": totals_out,
        }
