"""Result files open in every netCDF-C based tool (issue: `ncdump -v` segfaulted and netCDF4.Dataset
aborted on the fixed-length string variables): for a single run, a sweep, a merged job array and a
gzip-compressed file, `ncdump -v` prints every variable, netCDF4.Dataset reads every variable, and the
CF checker (PyPI cfchecker) reports no error.

The CF checker runs offline with the tables in data/cf_tables. cfchecker 4.1.0 (the PyPI release)
predates cedadev/cf-checker#105, which accepts the `string` type from CF-1.8 on; the check applies
that fix (string added to the valid types) and nothing else.
"""
from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO_ROOT

netCDF4 = pytest.importorskip("netCDF4")
NCDUMP = shutil.which("ncdump")
CF_TABLES = pathlib.Path(__file__).parent / "data" / "cf_tables"
SCENARIO = REPO_ROOT / "tests" / "sweep" / "data" / "mg_ph_grid.yaml"


def _run(cli, *args):
    extra = ["--no-progress"] if args[0] == "run" else []
    result = subprocess.run([str(cli), *map(str, args), *extra], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def files(cli, tmp_path_factory):
    d = tmp_path_factory.mktemp("netcdf")
    single = d / "single.yaml"
    text = SCENARIO.read_text()
    single.write_text(re.sub(r"(?ms)^sweep:.*?(?=^\S)", "", text))
    compressed = d / "compressed.yaml"
    compressed.write_text(text.replace("output: {time_series: all}", "output: {time_series: all, compression: 4, precision: float32}"))
    out = {}
    _run(cli, "run", single, "-o", d / "single.h5")
    out["single"] = d / "single.h5"
    _run(cli, "run", SCENARIO, "-o", d / "sweep.h5", "-j", "2")
    out["sweep"] = d / "sweep.h5"
    for k in (0, 1):
        _run(cli, "run", SCENARIO, "-o", d / f"part{k}.h5", "--shard", f"{k}/2")
    _run(cli, "merge", d / "part0.h5", d / "part1.h5", "-o", d / "merged.h5")
    out["merged"] = d / "merged.h5"
    _run(cli, "run", compressed, "-o", d / "compressed.h5")
    out["compressed"] = d / "compressed.h5"
    return out


KINDS = ["single", "sweep", "merged", "compressed"]


@pytest.mark.parametrize("kind", KINDS)
def test_netcdf4_reads_every_variable(files, kind):
    with netCDF4.Dataset(files[kind]) as nc:
        assert {"phase", "element", "parameter", "run"} <= set(nc.dimensions)
        for name, var in nc.variables.items():
            var[:]  # the read that aborted ("free(): corrupted unsorted chunks") with fixed-length strings
        assert nc["phase_name"][:].tolist()[0] == "ACP"
        assert nc["message"].dtype == str
        assert nc["t50"]._FillValue != nc["t50"]._FillValue  # NaN
        assert nc["steps"]._FillValue == -1
        assert "calcikin" in nc.source and nc.history
        values = dict(zip(nc["parameter_name"][:], nc["parameter_value"][:]))
        assert values["kinetics.parameters.HAP.growth.rate_constant"] == pytest.approx(1e-8)
        assert values["thermodynamics.parameters.WH.dlogK_stab"] == -12


@pytest.mark.skipif(NCDUMP is None, reason="ncdump (Debian netcdf-bin, installed by scripts/setup) not found")
@pytest.mark.parametrize("kind", KINDS)
def test_ncdump_prints_every_variable(files, kind):
    header = subprocess.run([NCDUMP, "-h", str(files[kind])], capture_output=True, text=True)
    assert header.returncode == 0, header.stderr
    names = re.findall(r"^\t\S+ (\w+)\(", header.stdout, flags=re.M)
    assert {"message", "dominant_phase", "phase_name", "t50", "time", "parameter_value"} <= set(names)
    for name in names:
        r = subprocess.run([NCDUMP, "-v", name, str(files[kind])], capture_output=True, text=True)
        assert r.returncode == 0, f"ncdump -v {name}: rc {r.returncode} {r.stderr}"


CHECK = r"""
import sys, types, cfchecker.cfchecks as cf
source = open(cf.__file__).read()
fixed = source.replace("'float32']", "'float32', str]", 1)  # cedadev/cf-checker#105: string is valid from CF-1.8
assert fixed != source
module = types.ModuleType("cfchecker.cfchecks"); module.__file__ = cf.__file__
exec(compile(fixed, cf.__file__, "exec"), module.__dict__)
sys.argv = ["cfchecks"] + sys.argv[1:]
sys.exit(module.main())
"""


@pytest.mark.parametrize("kind", KINDS)
def test_cf_checker_reports_no_error(files, kind, tmp_path):
    pytest.importorskip("cfchecker")
    nc = tmp_path / f"{kind}.nc"  # the checker insists on the .nc suffix
    nc.symlink_to(files[kind])
    r = subprocess.run([sys.executable, "-c", CHECK, "-s", CF_TABLES / "cf-standard-name-table.xml",
                        "-a", CF_TABLES / "area-type-table.xml", "-r", CF_TABLES / "standardized-region-list.xml",
                        str(nc)], capture_output=True, text=True)
    report = r.stdout + r.stderr
    assert "Traceback" not in report, report
    assert re.search(r"ERRORS detected: 0\b", report), \
        "\n".join(line for line in report.splitlines() if re.match(r"(ERROR|FATAL)", line)) or report
