"""The module's identity: version and build information agree with the CLI and the VERSION file."""
from __future__ import annotations

import subprocess


def test_version_is_the_version_file(ck, repo_root):
    assert ck.__version__ == (repo_root / "VERSION").read_text().strip()


def test_build_info_names_the_commit_and_libraries_the_cli_reports(ck, cli):
    info = ck.build_info()
    assert {"version", "git_commit", "sundials", "hdf5", "eigen", "yaml_cpp", "pybind11", "compiler"} <= set(info)
    cli_version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    for key in ("version", "git_commit", "sundials", "hdf5"):
        assert info[key] in cli_version, f"{key}={info[key]!r} not in `calcikin --version`"


def test_kinetic_parameters_table_lists_every_parameter_with_a_tag(ck):
    table = ck.kinetic_parameters()
    assert "HAP.growth.rate_constant" in table.index
    assert set(table["tag"]) <= {"literature", "estimate", "calibrated"}
    assert (table["unit"] != "").all()


def test_public_names_are_exported(ck):
    for name in ck.__all__:
        assert hasattr(ck, name), name
