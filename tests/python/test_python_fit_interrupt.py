"""Ctrl-C during ck.fit: a real SIGINT sent to a Python process while its fit runs in C++ raises
KeyboardInterrupt once the start in flight has finished; no result file is written, the checkpoint
keeps the finished starts, and the same call again resumes from them."""
import re
import signal
import subprocess
import sys

import pytest

import calcikin as ck

STARTS = 16  # about 0.1-0.3 s each with one thread, stepped: the interrupt lands well before the last

CHILD = r"""
import signal, sys
import calcikin as ck
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the test runner ignores SIGINT
try:
    ck.fit(sys.argv[1], output=sys.argv[2], starts=int(sys.argv[3]), seed=3, threads=1, progress=True)
except KeyboardInterrupt as e:
    print("KeyboardInterrupt:", e, flush=True)
    sys.exit(130)
print("finished", flush=True)
"""


def test_ctrl_c_stops_the_fit_writes_no_result_and_the_same_call_resumes(tmp_path, copy_recovery_problem):
    problem = copy_recovery_problem(tmp_path)
    # Stepped by CVODE (solver.method: bdf) rather than followed in closed form, which finishes the
    # 16 starts of this small problem before a signal could land between two of them.
    scenario = tmp_path / "t50_auto.yaml"
    scenario.write_text(scenario.read_text().replace("solver: {", "solver: {method: bdf, ", 1))
    out = tmp_path / "fit.h5"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(problem), str(out), str(STARTS)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        for line in child.stderr:  # the progress lines, drawn by the child's Python thread
            seen.append(line)
            if re.match(r"fit: start \d+ done", line):
                child.send_signal(signal.SIGINT)  # the fit has started and is running
                break
        stdout, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, "".join(seen) + stderr + stdout
    message = re.search(r"KeyboardInterrupt: interrupted: (\d+) of (\d+) starts finished; they are kept "
                        r"in (\S+): run the same command again to continue", stdout)
    assert message, stdout
    kept = int(message.group(1))
    assert 1 <= kept < STARTS and int(message.group(2)) == STARTS
    assert message.group(3) == str(out) + ".checkpoint"
    assert not out.exists() and not (tmp_path / "fit.yaml").exists()
    assert not (tmp_path / "fit.h5.partial").exists()
    checkpoint = tmp_path / "fit.h5.checkpoint"
    assert len(checkpoint.read_text().splitlines()) == 1 + kept  # key line + one per finished start

    lines = []
    r = ck.fit(problem, output=out, starts=STARTS, seed=3, threads=1, progress=lines.append)
    assert f"fit: resuming: {kept} of {STARTS} starts finished in {checkpoint}" in lines
    assert sum(1 for line in lines if re.match(r"fit: start \d+ done", line)) == STARTS - kept
    assert out.exists() and (tmp_path / "fit.yaml").exists() and not checkpoint.exists()
    assert len(r.start_cost) == STARTS and r.not_identifiable == []


def test_progress_lines_go_to_a_callable_and_a_bad_progress_argument_is_refused(tmp_path, copy_recovery_problem):
    problem = copy_recovery_problem(tmp_path)
    lines = []
    ck.fit(problem, starts=2, seed=3, threads=1, progress=lines.append)
    assert lines[0].startswith("fit: Levenberg-Marquardt, 2 starts, 2 parameters")
    assert [bool(re.match(r"fit: start \d done \(\d/2\)", line)) for line in lines].count(True) == 2
    assert lines[-1].startswith("fit: best cost")
    with pytest.raises(TypeError, match="progress must be"):
        ck.fit(problem, starts=2, progress="yes")
