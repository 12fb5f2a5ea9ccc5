#!/usr/bin/env bash
# `calcikin fit` through the real executable: a good problem writes the HDF5 file and the parameter
# set (exit 0); bad problem files (unknown condition, unknown parameter, missing units, sigma <= 0,
# empty data) exit 3 with file:line:col and a caret, and write nothing; an existing output is
# refused with exit 5 unless --overwrite; a problem whose every simulation fails exits 4 and writes
# nothing (not even the checkpoint); SIGTERM during --sample exits 130 with the chain so far in the
# checkpoint, and the same command resumes it to the file of an uninterrupted run (bit for bit,
# checked with compare_fit_files.py when a Python with h5py is given).
set -uo pipefail
calcikin=$1
data=$2
dir=$3
python=${4:-}
compare=${5:-}
rm -rf "$dir" && mkdir -p "$dir/out" && cd "$dir" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
cp "$data/t50_auto.yaml" "$data/recovery.yaml" "$data/recovery.csv" .

bad() {  # NAME, sed expression on FILE, FILE, expected text
  local name=$1 expr=$2 file=$3 text=$4
  cp "$data/recovery.yaml" recovery.yaml && cp "$data/recovery.csv" recovery.csv
  sed -i "$expr" "$file"
  "$calcikin" fit recovery.yaml -o out/fit.h5 >stdout.txt 2>stderr.txt
  local rc=$?
  [ $rc -eq 3 ] || fail "$name: exit $rc (expected 3): $(head -3 stderr.txt)"
  grep -q "$text" stderr.txt || fail "$name: no '$text' in: $(cat stderr.txt)"
  grep -qE "$file:[0-9]+:[0-9]+:" stderr.txt || fail "$name: no file:line:col in: $(cat stderr.txt)"
  grep -q '\^' stderr.txt || fail "$name: no caret in: $(cat stderr.txt)"
  [ -z "$(ls -A out)" ] || fail "$name: wrote $(ls -A out | tr '\n' ' ')"
}
bad unknown_condition 's/^mg1,T50/mg9,T50/' recovery.csv "unknown condition 'mg9'"
bad unknown_parameter 's/autocatalytic.k1/autocatalytic.k2/' recovery.yaml "unknown kinetic parameter"
bad missing_units 's/time \[h\]/time/' recovery.csv "missing units"
bad sigma_zero 's/^base,T50,,330,,/base,T50,,330,0,/' recovery.csv "sigma must be positive"
bad empty_data '2,$d' recovery.csv "no measurements"
bad loss_type 's/max_iterations: 50}/max_iterations: 50, loss: {type: hubber}}/' recovery.yaml "did you mean 'huber'"
bad fit_method 's/max_iterations: 50}/max_iterations: 50, method: simplex}/' recovery.yaml "nelder_mead"
bad sampling_walkers '$a sampling: {walkers: 5, steps: 10}' recovery.yaml "walkers must be even"

cp "$data/recovery.yaml" recovery.yaml && cp "$data/recovery.csv" recovery.csv
"$calcikin" fit recovery.yaml -o out/fit.h5 --starts 2 -j 2 -q >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 0 ] || fail "good problem: exit $rc: $(cat stderr.txt)"
[ -f out/fit.h5 ] && [ -f out/fit.yaml ] || fail "good problem: outputs missing: $(ls out)"
grep -q "autocatalytic.k0" stdout.txt || fail "good problem: no table: $(cat stdout.txt)"
"$calcikin" fit recovery.yaml -o out/fit.h5 --starts 1 -q >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 5 ] || fail "existing output: exit $rc (expected 5)"
"$calcikin" fit recovery.yaml -o out/fit.h5 --starts 1 -q --overwrite >stdout.txt 2>stderr.txt
[ $? -eq 0 ] || fail "--overwrite: $(cat stderr.txt)"
# Ctrl-C after the first finished start: exit 130, only the checkpoint written; the same command
# continues from it. (When the machine is fast enough to finish before the signal: exit 0.)
rm -f out/*
"$calcikin" fit recovery.yaml -o out/int.h5 --starts 24 -j 1 >stdout.txt 2>stderr.txt &
pid=$!
for _ in $(seq 1 600); do grep -q "^fit: start" stderr.txt && break; sleep 0.05; done
kill -INT $pid
wait $pid
rc=$?
if [ $rc -eq 130 ]; then
  [ -f out/int.h5.checkpoint ] && [ ! -f out/int.h5 ] || fail "interrupted: $(ls out)"
  grep -q "run the same command again" stderr.txt || fail "interrupted: $(cat stderr.txt)"
  "$calcikin" fit recovery.yaml -o out/int.h5 --starts 24 -j 1 >stdout.txt 2>stderr.txt
  [ $? -eq 0 ] || fail "resume: $(cat stderr.txt)"
  grep -q "resuming:" stderr.txt || fail "resume: no 'resuming' in $(cat stderr.txt)"
  [ -f out/int.h5 ] && [ ! -f out/int.h5.checkpoint ] || fail "resume: $(ls out)"
elif [ $rc -ne 0 ]; then
  fail "interrupt: exit $rc: $(cat stderr.txt)"
fi
# Every simulation fails (one solver step allowed, stepped by CVODE rather than followed in closed
# form): exit 4, the reason on stderr, nothing written.
sed 's/max_steps: 100000/max_steps: 1, method: bdf/' "$data/t50_auto.yaml" >t50_auto.yaml
rm -f out/*
"$calcikin" fit recovery.yaml -o out/fail.h5 --starts 2 -j 1 -q >stdout.txt 2>stderr.txt
rc=$?
[ $rc -eq 4 ] || fail "every simulation failed: exit $rc (expected 4): $(cat stderr.txt)"
grep -q "every simulation failed" stderr.txt || fail "every simulation failed: $(cat stderr.txt)"
[ -z "$(ls -A out)" ] || fail "every simulation failed: wrote $(ls -A out | tr '\n' ' ')"
cp "$data/t50_auto.yaml" t50_auto.yaml
echo "sampling: {walkers: 4, steps: 6, burn: 2}" >> recovery.yaml
"$calcikin" fit recovery.yaml -o out/fit.h5 --starts 1 -q --overwrite --sample >stdout.txt 2>stderr.txt
[ $? -eq 0 ] || fail "--sample: $(cat stderr.txt)"
grep -q "posterior sample: 4 walkers x 4 kept steps" stdout.txt || fail "--sample: $(cat stdout.txt)"
# SIGTERM while sampling: the chain's state is in the checkpoint (every 5 steps and at the stop);
# the same command resumes it, and the file equals an uninterrupted run's.
cp "$data/recovery.yaml" recovery.yaml
echo "sampling: {walkers: 6, steps: 60, burn: 10, thin: 2, checkpoint_every: 5}" >>recovery.yaml
rm -f out/*
"$calcikin" fit recovery.yaml -o out/ref.h5 --starts 2 -j 1 -q --sample >stdout.txt 2>stderr.txt ||
  fail "--sample reference: $(cat stderr.txt)"
"$calcikin" fit recovery.yaml -o out/int.h5 --starts 2 -j 1 --sample >stdout.txt 2>stderr.txt &
pid=$!
for _ in $(seq 1 600); do grep -q "^sample: " stderr.txt && break; sleep 0.05; done
sleep 0.3
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 130 ]; then
  [ -f out/int.h5.checkpoint ] && [ ! -f out/int.h5 ] || fail "sampling interrupted: $(ls out)"
  grep -q "^chain " out/int.h5.checkpoint || fail "sampling interrupted: no chain in the checkpoint"
  grep -q "the chain so far" stderr.txt || fail "sampling interrupted: $(cat stderr.txt)"
  "$calcikin" fit recovery.yaml -o out/int.h5 --starts 2 -j 2 --sample >stdout.txt 2>stderr.txt ||
    fail "sampling resume: $(cat stderr.txt)"
  grep -q "sample: resuming at step" stderr.txt || fail "sampling resume: $(cat stderr.txt)"
  [ ! -f out/int.h5.checkpoint ] || fail "sampling resume: the checkpoint is left"
  if [ -n "$compare" ] && [ -x "$python" ]; then
    "$python" "$compare" out/ref.h5 out/int.h5 || fail "the resumed chain differs from the reference"
  fi
elif [ $rc -eq 0 ]; then
  echo "note: the sampling finished before the signal; resume not exercised"
else
  fail "sampling interrupted: exit $rc: $(cat stderr.txt)"
fi
exit $((failures > 0))
