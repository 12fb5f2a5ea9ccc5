#!/usr/bin/env bash
# `calcikin run/merge/info` with the real kinetics model: thread-count invariance, shards + merge,
# kill -9 + --resume, exit codes (3 bad sweep, 3 too large without --yes, 4 failed points, 5 merge of
# different scenarios), info --json. Datasets are compared byte for byte with sweep_test_driver.
set -uo pipefail
calcikin=$1
driver=$2
data=$3
dir=$4
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { local want=$1; shift; "$@"; local rc=$?; [ $rc -eq "$want" ] || fail "exit $rc (expected $want): $*"; }
same() { "$driver" compare "$1" "$2" || fail "$1 and $2 differ"; }

grid=$data/mg_ph_grid.yaml
expect_rc 0 "$calcikin" run "$grid" -o one.h5 -j 1 --no-progress
expect_rc 0 "$calcikin" run "$grid" -o two.h5 -j 2 --no-progress
same one.h5 two.h5
[ ! -e one.h5.partial ] || fail "partial file left after a finished run"

# --resume: a finished file is not recomputed (a no-op, exit 0: a requeued job succeeds); without a
# partial file the run starts afresh.
before=$(md5sum < one.h5)
expect_rc 0 "$calcikin" run "$grid" -o one.h5 --resume --no-progress
[ "$(md5sum < one.h5)" = "$before" ] || fail "--resume on a finished file changed it"
expect_rc 0 "$calcikin" run "$grid" -o fresh.h5 --resume --no-progress
same one.h5 fresh.h5
# Progress: forced with --progress (stderr is not a terminal here), a summary line either way.
# Into a log (not a terminal): whole lines, no carriage returns, one per --progress-interval.
"$calcikin" run "$grid" -o p.h5 --progress --progress-interval 0.001 2> progress.txt >stdout.txt || fail "run with --progress"
grep -Eq "^calcikin: progress: [0-9]+/8 points, 0 failed, .* points/s, ETA" progress.txt || { cat progress.txt; fail "no progress line"; }
! grep -q $'\r' progress.txt || fail "carriage returns in a non-terminal progress log"
grep -q "^calcikin: done: 8/8 points" progress.txt || fail "no summary line"
[ ! -s stdout.txt ] || fail "run wrote to stdout"

# Job array: three shards (one from SLURM's variables with --shard slurm), merged, equal the single run.
"$calcikin" run "$grid" -o part0.h5 --shard 0/3 --no-progress 2> shard0.txt || fail "shard 0/3"
grep -q "^calcikin: shard 0/3: 3 of 8 points" shard0.txt || { cat shard0.txt; fail "the shard run does not say which shard"; }
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=2 \
  expect_rc 0 "$calcikin" run "$grid" -o part1.h5 --shard slurm --no-progress
expect_rc 0 "$calcikin" run "$grid" -o part2.h5 --shard 2/3 --no-progress
expect_rc 0 "$calcikin" merge part2.h5 part0.h5 part1.h5 -o merged.h5
same one.h5 merged.h5
# A part of another scenario (different --set) is refused.
expect_rc 0 "$calcikin" run "$grid" -o other1.h5 --shard 1/3 --set "solution.temperature=25 degC" --no-progress
expect_rc 5 "$calcikin" merge part0.h5 other1.h5 part2.h5 -o bad.h5
[ ! -e bad.h5 ] || fail "merge of different scenarios wrote a file"
# merge has run's output policy: a finished file is never replaced without --overwrite (exit 3,
# file untouched), nor a .partial; never onto a part or a non-regular file; one process per output
# (the lock run uses); no .partial left after a success or a refusal.
before=$(md5sum < merged.h5)
"$calcikin" merge part0.h5 part1.h5 part2.h5 -o merged.h5 2> again.txt
rc=$?; [ $rc -eq 3 ] || { cat again.txt; fail "merge onto a finished file: exit $rc (expected 3)"; }
grep -q "refusing to overwrite" again.txt || { cat again.txt; fail "merge onto a finished file: no reason"; }
[ "$(md5sum < merged.h5)" = "$before" ] || fail "merge without --overwrite changed the finished file"
expect_rc 0 "$calcikin" merge part0.h5 part1.h5 part2.h5 -o merged.h5 --overwrite
same one.h5 merged.h5
before=$(md5sum < part0.h5)
expect_rc 3 "$calcikin" merge part0.h5 part1.h5 part2.h5 -o part0.h5 --overwrite
[ "$(md5sum < part0.h5)" = "$before" ] || fail "merge onto its own part changed it"
"$calcikin" merge part0.h5 part0.h5 part1.h5 part2.h5 -o twice.h5 2> twice.txt
rc=$?; [ $rc -eq 5 ] || { cat twice.txt; fail "merge of a part given twice: exit $rc (expected 5)"; }
grep -q "given twice" twice.txt || { cat twice.txt; fail "merge of a part given twice: unclear message"; }
mkdir -p outdir
expect_rc 3 "$calcikin" merge part0.h5 part1.h5 part2.h5 -o outdir
echo "not hdf5" > stale.h5.partial
expect_rc 3 "$calcikin" merge part0.h5 part1.h5 part2.h5 -o stale.h5
[ "$(cat stale.h5.partial)" = "not hdf5" ] || fail "merge without --overwrite touched a .partial"
expect_rc 0 "$calcikin" merge part0.h5 part1.h5 part2.h5 -o stale.h5 --overwrite
same one.h5 stale.h5
[ ! -e stale.h5.partial ] || fail "merge left a .partial"
cp one.h5 mlocked.h5.partial
flock mlocked.h5.lock sleep 30 &
mholder=$!
for _ in $(seq 100); do [ -e mlocked.h5.lock ] && break; sleep 0.05; done
sleep 0.2
"$calcikin" merge part0.h5 part1.h5 part2.h5 -o mlocked.h5 --overwrite 2> mlock.txt
rc=$?; [ $rc -eq 5 ] || { cat mlock.txt; fail "merge onto a locked output: exit $rc (expected 5)"; }
grep -q "another calcikin run" mlock.txt || { cat mlock.txt; fail "merge: no lock message"; }
cmp -s one.h5 mlocked.h5.partial || fail "merge touched a running run's .partial"
[ ! -e mlocked.h5 ] || fail "merge wrote a locked output"
kill $mholder; wait $mholder 2>/dev/null; rm -f mlocked.h5.lock  # flock(1) leaves its file
ls ./*.lock 2>/dev/null && fail "merge left a lock file"

# Sharding only on request: inside an array task without --shard every point is computed.
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=2 \
  expect_rc 0 "$calcikin" run "$grid" -o array_whole.h5 --no-progress
same one.h5 array_whole.h5
# A sparse array (--array=1,5,9) or a missing variable with --shard slurm: usage error, nothing written.
SLURM_ARRAY_TASK_ID=9 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=9 \
  "$calcikin" run "$grid" -o sparse.h5 --shard slurm --no-progress 2> sparse.txt
rc=$?; [ $rc -eq 2 ] || fail "sparse array id: exit $rc (expected 2)"
grep -q "consecutive" sparse.txt || { cat sparse.txt; fail "sparse array id: unclear message"; }
[ ! -e sparse.h5 ] && [ ! -e sparse.h5.partial ] || fail "sparse array id wrote a file"
env -u SLURM_ARRAY_TASK_ID "$calcikin" run "$grid" -o noslurm.h5 --shard slurm --no-progress 2> /dev/null
rc=$?; [ $rc -eq 2 ] || fail "--shard slurm outside an array: exit $rc (expected 2)"

# A binary without MPI under mpirun (several ranks) refuses at once: usage error, nothing written.
if ! "$calcikin" --version | grep -qi "mpi: *yes\|with mpi"; then
  OMPI_COMM_WORLD_SIZE=2 "$calcikin" run "$grid" -o mpi.h5 --no-progress 2> mpi.txt
  rc=$?; [ $rc -eq 2 ] || fail "non-MPI binary under mpirun: exit $rc (expected 2)"
  grep -q "built without MPI" mpi.txt || { cat mpi.txt; fail "non-MPI binary under mpirun: unclear message"; }
  [ ! -e mpi.h5 ] && [ ! -e mpi.h5.partial ] || fail "non-MPI binary under mpirun wrote a file"
  PMI_SIZE=1 expect_rc 0 "$calcikin" run "$grid" -o pmi1.h5 --no-progress  # one rank is fine
fi

# info --json is JSON with the progress.
"$calcikin" info merged.h5 --json > info.json || fail "info --json"
grep -q '"completed": 8' info.json || fail "info --json does not report 8 completed runs"
grep -q '"scenario_hash"' info.json || fail "info --json has no scenario hash"

# Bad input: unknown sweep path, sweep too large without --yes: exit 3, nothing written.
sed 's/solution.pH: {values/solution.pHH: {values/' "$grid" > bad_path.yaml
expect_rc 3 "$calcikin" run bad_path.yaml -o bad_path.h5 --no-progress
[ ! -e bad_path.h5 ] && [ ! -e bad_path.h5.partial ] || fail "a file was written for invalid input"
sed 's/^  mode: grid/  mode: grid\n  confirm_above: 4/' "$grid" > big.yaml
expect_rc 3 "$calcikin" run big.yaml -o big.h5 --no-progress
[ ! -e big.h5.partial ] || fail "a file was written for a sweep that needed --yes"
expect_rc 0 "$calcikin" run big.yaml -o big.h5 --yes --no-progress

# Output safety: never onto an input or a non-regular file (exit 3, nothing computed); an existing
# file or .partial is never overwritten without --overwrite; a second run on the same output fails
# at once (exit 5) and leaves the first run's files alone.
cp "$grid" self.yaml
expect_rc 3 "$calcikin" run self.yaml -o self.yaml --no-progress
cmp -s self.yaml "$grid" || fail "the scenario was replaced by its output"
sed 's|^output: {time_series: all}|output: {time_series: all, file: self2.yaml}|' "$grid" > self2.yaml
expect_rc 3 "$calcikin" run self2.yaml --no-progress
grep -q "^schema" self2.yaml || fail "output.file naming the scenario replaced it"
"$calcikin" merge part0.h5 part0.h5 part1.h5 part2.h5 -o twice.h5 2> twice.txt
rc=$?; [ $rc -eq 5 ] || { cat twice.txt; fail "merge of a part given twice: exit $rc (expected 5)"; }
grep -q "given twice" twice.txt || { cat twice.txt; fail "merge of a part given twice: unclear message"; }
mkdir -p outdir
expect_rc 3 "$calcikin" run "$grid" -o outdir --no-progress
[ -d outdir ] || fail "a directory output was replaced"
mkfifo fifo.h5
expect_rc 3 "$calcikin" run "$grid" -o fifo.h5 --no-progress
[ -p fifo.h5 ] || fail "a FIFO output was replaced"
before=$(md5sum < one.h5)
expect_rc 3 "$calcikin" run "$grid" -o one.h5 --no-progress
[ "$(md5sum < one.h5)" = "$before" ] || fail "a finished file was overwritten without --overwrite"
cp one.h5 kept.h5.partial
expect_rc 3 "$calcikin" run "$grid" -o kept.h5 --no-progress
cmp -s one.h5 kept.h5.partial || fail "a .partial was discarded without --overwrite"
expect_rc 0 "$calcikin" run "$grid" -o one.h5 --overwrite --no-progress
same one.h5 two.h5
[ ! -e one.h5.lock ] || fail "lock file left after a run"

# Failing points (step cap) are recorded, the sweep goes on, exit 4.
sed 's/max_steps: 100000/max_steps: 2/' "$grid" > capped.yaml
expect_rc 4 "$calcikin" run capped.yaml -o capped.h5 --no-progress
"$calcikin" info capped.h5 > capped.txt
grep -q "; run 0 (solution.totals.Mg=0 mol/kg, solution.pH=7)" capped.txt || { cat capped.txt; fail "failure message does not name the run's values"; }

# kill -9 in the middle of a larger sweep, resume, compare with an uninterrupted run.
sed 's/values: \[0, 0.5, 1, 2\], unit: mmol\/kgw/linspace: [0, 4, 50], unit: mmol\/kgw/; s/values: \[7.0, 7.4\]/linspace: [6.8, 7.6, 8]/' "$grid" > big_grid.yaml
expect_rc 0 "$calcikin" run big_grid.yaml -o ref.h5 -j 2 --no-progress
"$calcikin" run big_grid.yaml -o killed.h5 -j 1 --no-progress &
pid=$!
sleep 0.5
kill -9 $pid 2>/dev/null && echo "killed a running sweep" || echo "note: the sweep finished before the kill"
wait $pid 2>/dev/null
if [ -e killed.h5.partial ]; then
  expect_rc 0 "$calcikin" run big_grid.yaml -o killed.h5 -j 2 --resume --no-progress
fi
same ref.h5 killed.h5

# Two runs on one output: while another process holds the output's lock (here flock(1) standing in
# for a running calcikin), a second run fails at once (exit 5) naming the lock, and leaves that
# run's files alone; afterwards the output is free again.
cp one.h5 locked.h5.partial
flock locked.h5.lock sleep 30 &
holder=$!
for _ in $(seq 100); do [ -e locked.h5.lock ] && break; sleep 0.05; done
sleep 0.2
start=$(date +%s)
"$calcikin" run big_grid.yaml -o locked.h5 -j 1 --no-progress --overwrite 2> second.txt
rc=$?
[ $rc -eq 5 ] || { cat second.txt; fail "a second run on a locked output exited $rc (expected 5)"; }
[ $(( $(date +%s) - start )) -lt 10 ] || fail "the second run waited for the lock"
grep -q "another calcikin run" second.txt || { cat second.txt; fail "no lock message"; }
cmp -s one.h5 locked.h5.partial || fail "the second run touched the first run's .partial"
[ ! -e locked.h5 ] || fail "the second run wrote the output"
kill $holder; wait $holder 2>/dev/null
rm -f locked.h5.lock locked.h5.partial
expect_rc 0 "$calcikin" run big_grid.yaml -o locked.h5 -j 2 --no-progress
same ref.h5 locked.h5
[ ! -e locked.h5.lock ] || fail "lock file left"
echo "calcikin run/merge/info CLI: all checks passed"
