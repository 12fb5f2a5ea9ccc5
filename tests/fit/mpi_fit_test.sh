#!/usr/bin/env bash
# `mpirun -n 2 calcikin fit` (MPI build): the starts, profiles and sampler walkers dealt out over two
# ranks give the bit-identical result file (chain included) and parameter set of one process with
# two threads; SIGTERM to the
# ranks (a batch system's time limit) lets the tasks in flight finish, exits 130 and keeps only the
# checkpoint; the same command under mpirun continues from it to the identical result. The same
# for a SIGTERM during sampling (the chain is checkpointed every few steps).
set -uo pipefail
calcikin=$1
mpiexec=$2
data=$3
dir=$4
python=$5
compare=$6
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
cp "$data/t50_auto.yaml" "$data/recovery.yaml" "$data/recovery.csv" .
echo "sampling: {walkers: 6, steps: 5, burn: 1}" >>recovery.yaml  # --sample: 3 walkers a half
mpi=("$mpiexec" -n 2 --oversubscribe --allow-run-as-root "$calcikin")

"$calcikin" fit recovery.yaml -o serial.h5 -j 2 --profiles --sample -q >serial.txt 2>&1 || fail "serial: $(cat serial.txt)"
"${mpi[@]}" fit recovery.yaml -o mpi.h5 -j 1 --profiles --sample >mpi.txt 2>mpi.err || fail "mpi: $(cat mpi.err)"
grep -q "x 2 MPI ranks" mpi.err || fail "mpi: no '2 MPI ranks' in $(cat mpi.err)"
[ "$(grep -c '^cost ' mpi.txt)" -eq 1 ] || fail "mpi: the result is not printed once: $(cat mpi.txt)"
"$python" "$compare" serial.h5 mpi.h5 || fail "mpi.h5 differs from serial.h5"
cmp -s serial.yaml mpi.yaml || fail "mpi.yaml differs from serial.yaml: $(diff serial.yaml mpi.yaml)"

# SIGTERM to both ranks after the first finished start.
"${mpi[@]}" fit recovery.yaml -o int.h5 -j 1 --profiles --sample >int.txt 2>int.err &
launcher=$!
for _ in $(seq 1 600); do grep -q "^fit: start" int.err && break; sleep 0.05; done
for rank in $(pgrep -P "$launcher"); do kill -TERM "$rank"; done
wait "$launcher"
rc=$?
if [ $rc -eq 130 ]; then
  [ -f int.h5.checkpoint ] && [ ! -f int.h5 ] && [ ! -f int.yaml ] || fail "interrupted: $(ls)"
  grep -q "run the same command again" int.err || fail "interrupted: $(cat int.err)"
  "${mpi[@]}" fit recovery.yaml -o int.h5 -j 1 --profiles --sample >int.txt 2>int.err || fail "resume: $(cat int.err)"
  grep -q "resuming:" int.err || fail "resume: no 'resuming' in $(cat int.err)"
  [ ! -f int.h5.checkpoint ] || fail "resume: the checkpoint is left"
  "$python" "$compare" serial.h5 int.h5 || fail "the resumed int.h5 differs from serial.h5"
elif [ $rc -eq 0 ]; then
  echo "note: the fit finished before the signal; resume not exercised"
else
  fail "interrupted: exit $rc: $(cat int.err)"
fi

# SIGTERM to both ranks while sampling: every rank stops after the same step, rank 0 keeps the
# chain's state in the checkpoint, and the same mpirun command resumes it to the chain of one
# uninterrupted process.
cp "$data/recovery.yaml" chain_problem.yaml
# 600 steps (about 3 s on an idle core): the signal 0.3 s after the first "sample:" line must land
# during the sampling, not after it (60 steps finished in 0.3 s on an idle machine).
echo "sampling: {walkers: 6, steps: 600, burn: 10, thin: 2, checkpoint_every: 50}" >>chain_problem.yaml
"$calcikin" fit chain_problem.yaml -o long_serial.h5 --starts 2 -j 2 --sample -q >long.txt 2>&1 || fail "long serial: $(cat long.txt)"
"${mpi[@]}" fit chain_problem.yaml -o long.h5 --starts 2 -j 1 --sample >long.txt 2>long.err &
launcher=$!
for _ in $(seq 1 600); do grep -q "^sample: " long.err && break; sleep 0.05; done
sleep 0.3
for rank in $(pgrep -P "$launcher"); do kill -TERM "$rank"; done
wait "$launcher"
rc=$?
if [ $rc -eq 130 ]; then
  grep -q "^chain " long.h5.checkpoint || fail "sampling interrupted: no chain in the checkpoint"
  [ ! -f long.h5 ] || fail "sampling interrupted: long.h5 written"
  "${mpi[@]}" fit chain_problem.yaml -o long.h5 --starts 2 -j 1 --sample >long.txt 2>long.err || fail "sampling resume: $(cat long.err)"
  grep -q "sample: resuming at step" long.err || fail "sampling resume: $(cat long.err)"
  "$python" "$compare" long_serial.h5 long.h5 || fail "the resumed MPI chain differs from one process's"
elif [ $rc -eq 0 ]; then
  echo "note: the sampling finished before the signal; resume not exercised"
else
  fail "sampling interrupted: exit $rc: $(cat long.err)"
fi
exit $((failures > 0))
