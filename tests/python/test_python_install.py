"""`pip install .` into a fresh virtual environment gives `import calcikin` and the `calcikin` command.

Slow (it compiles the whole C++ core): marked `slow`, runs once per test session. To keep it fast and
offline, the fresh environment sees the test interpreter's site-packages through a .pth file (numpy,
xarray, scikit-build-core, pybind11 are already there), the build runs with --no-build-isolation, and
the CMake build folder is kept in the temporary directory between sessions (incremental rebuilds):
$CALCIKIN_PIP_BUILD_DIR or <tmp>/calcikin-pip-build-<uid>-<checkout hash> (one folder per checkout: a
CMake cache remembers its source folder and install paths, so two checkouts must not share one).
"""
from __future__ import annotations

import hashlib
import os
import pathlib
import site
import subprocess
import sys
import tempfile
import venv

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="session")
def fresh_env(tmp_path_factory) -> pathlib.Path:
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = pathlib.Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
                           .stdout.strip())
    (purelib / "_calcikin_test_parent.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    checkout = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:12]
    build_dir = pathlib.Path(os.environ.get(
        "CALCIKIN_PIP_BUILD_DIR",
        pathlib.Path(tempfile.gettempdir()) / f"calcikin-pip-build-{os.getuid()}-{checkout}"))
    env = dict(os.environ, CMAKE_BUILD_PARALLEL_LEVEL=str(os.cpu_count() or 2))
    env.pop("PYTHONPATH", None)  # the build-tree package must not be what gets imported
    result = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-build-isolation",
                   "--no-index", "-q", "-C", f"build-dir={build_dir}",
                   "-C", "cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache", REPO_ROOT],
                  env=env, timeout=1800)
    assert result.returncode == 0, f"pip install . failed:\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
    return env_dir


def _clean_env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def test_installed_package_imports_from_the_new_environment(fresh_env):
    python = fresh_env / "bin" / "python"
    result = _run([python, "-c", "import calcikin; print(calcikin.__version__); print(calcikin.__file__);"
                   "print(calcikin.build_info()['git_commit'])"], env=_clean_env(), cwd=fresh_env)
    assert result.returncode == 0, result.stderr
    version, module_file, commit = result.stdout.split()
    assert version == (REPO_ROOT / "VERSION").read_text().strip()
    assert pathlib.Path(module_file).resolve().is_relative_to(fresh_env.resolve())
    assert commit


def test_installed_cli_prints_its_version(fresh_env):
    exe = fresh_env / "bin" / "calcikin"
    assert exe.exists(), "pip install did not put the calcikin executable into the environment's bin/"
    result = _run([exe, "--version"], env=_clean_env())
    assert result.returncode == 0, result.stderr
    assert (REPO_ROOT / "VERSION").read_text().strip() in result.stdout


def test_the_venv_imports_calcikin_and_has_the_calcikin_kernel_after_setup(repo_root, tmp_path):
    # scripts/jupyter-setup (run by scripts/setup) into the project's .venv: a fresh interpreter imports
    # calcikin without PYTHONPATH, and the kernel spec "calcikin" is registered.
    import json
    import os
    import subprocess
    python = repo_root / ".venv" / "bin" / "python"
    subprocess.run([str(repo_root / "scripts" / "jupyter-setup")], check=True, capture_output=True,
                   env={**os.environ, "PY": str(python)})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([str(python), "-c", "import calcikin; print(calcikin.__version__)"], cwd=tmp_path,
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    spec = subprocess.run([str(python), "-m", "jupyter", "kernelspec", "list", "--json"], capture_output=True,
                          text=True, check=True)
    kernels = json.loads(spec.stdout)["kernelspecs"]
    assert "calcikin" in kernels
    assert pathlib.Path(kernels["calcikin"]["resource_dir"], "kernel.json").exists()


def test_api_reference_builds_with_pdoc(repo_root, tmp_path):
    # scripts/api-docs renders the docstrings of the public API (pdoc) into HTML.
    import os
    import subprocess
    pytest.importorskip("pdoc")
    build = os.environ.get("CALCIKIN_BUILD_DIR", str(repo_root / "build"))
    subprocess.run([str(repo_root / "scripts" / "api-docs"), str(tmp_path)], check=True, capture_output=True,
                   env={**os.environ, "CALCIKIN_BUILD_DIR": build, "PY": sys.executable})
    page = (tmp_path / "calcikin.html").read_text()
    for name in ("run", "open", "load_scenario", "solution", "mix", "speciate", "thermo_parameters"):
        assert f'id="{name}"' in page, name
