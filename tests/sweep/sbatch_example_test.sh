#!/usr/bin/env bash
# scripts/slurm/example.sbatch against stub srun/sbatch: each array task computes its shard with
# --shard slurm and SRUN_CPUS_PER_TASK set; the first task submits the merge with afterany before it
# computes, so the merge is submitted even when that task fails; the merged file equals one run.
set -uo pipefail
calcikin=$1
driver=$2
grid=$3
script=$4
dir=$5
rm -rf "$dir" && mkdir -p "$dir/bin" && cd "$dir"
fail() { echo "FAIL: $*"; exit 1; }

cat > bin/srun <<'STUB'
#!/usr/bin/env bash
echo "SRUN_CPUS_PER_TASK=${SRUN_CPUS_PER_TASK:-unset} $*" >> "$STUB_LOG"
exec "$@"
STUB
cat > bin/sbatch <<'STUB'
#!/usr/bin/env bash
echo "sbatch $*" >> "$STUB_LOG"
STUB
chmod +x bin/srun bin/sbatch
export PATH="$PWD/bin:$PATH" STUB_LOG="$PWD/stub.log" CALCIKIN="$calcikin"
export SLURM_ARRAY_JOB_ID=77 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=2
export SLURM_CPUS_PER_TASK=1

for k in 0 1 2; do
  SLURM_ARRAY_TASK_ID=$k bash "$script" "$grid" out/grid > task$k.log 2>&1 || { cat task$k.log; fail "task $k"; }
done
grep -q "SRUN_CPUS_PER_TASK=1 .*--shard slurm" stub.log || { cat stub.log; fail "srun without SRUN_CPUS_PER_TASK/--shard slurm"; }
[ "$(grep -c '^sbatch ' stub.log)" -eq 1 ] || { cat stub.log; fail "merge submitted other than once"; }
grep -q "^sbatch --dependency=afterany:77 " stub.log || { cat stub.log; fail "merge not submitted with afterany"; }
# Run the submitted merge (the --wrap command) and compare with a single run.
wrap=$(sed -n 's/.*--wrap \(.*\)$/\1/p' stub.log)
bash -c "$wrap" > merge.log 2>&1 || { cat merge.log; fail "merge: $wrap"; }
"$calcikin" run "$grid" -o single.h5 --no-progress 2>/dev/null || fail "single run"
"$driver" compare single.h5 out/grid.h5 || fail "merged shards differ from one run"

# Task 0 failing (a scenario that does not load) still submits the merge first, and exits non-zero.
: > stub.log
SLURM_ARRAY_TASK_ID=0 bash "$script" /nonexistent.yaml out/bad > bad.log 2>&1 && fail "a failing task exited 0"
grep -q "^sbatch --dependency=afterany:77 " stub.log || { cat bad.log stub.log; fail "no merge after a failing task"; }
echo "sbatch example: ok"
