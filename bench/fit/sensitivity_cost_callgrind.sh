#!/usr/bin/env bash
# Instruction counts (callgrind, deterministic) of one trajectory with forward sensitivities
# relative to one without, per model and N_p = 1..6: the inclusive cost of
# ConditionSensitivity::run over that of TrajectoryEvaluator::evaluate (both run `repeats` times).
#
#   bench/fit/sensitivity_cost_callgrind.sh [build/bin/bench_sensitivity_cost] [repeats]
#
# The bench's environment settings pass through, e.g. CALCIKIN_SENS_REUSE=1 (the sensitivity run
# starts from the plain run's set-up, as in the fit) and CALCIKIN_SENS_EXACT=0 (the copies' df/dp).
set -euo pipefail
bench=${1:-build/bin/bench_sensitivity_cost}
repeats=${2:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
inclusive() {  # inclusive Ir of the first function matching $2 in callgrind file $1
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null | grep -F "$2" | head -1 |
    awk '{gsub(",", "", $1); print $1}'
}
for model in auto mech; do
  for np in 1 2 3 4 5 6; do
    f="$out/$model.$np"
    valgrind --tool=callgrind --callgrind-out-file="$f" "$bench" "$repeats" "$model" "$np" \
      >/dev/null 2>&1
    plain=$(inclusive "$f" "TrajectoryEvaluator::evaluate(calcikin::api::PointInputs")
    sens=$(inclusive "$f" "ConditionSensitivity::run(")
    awk -v m="$model" -v n="$np" -v p="$plain" -v s="$sens" 'BEGIN {
      printf "%-5s N_p = %d: plain %.3g Ir, with sensitivities %.3g Ir = %.2f x (goal <= %.1f)\n",
             m, n, p, s, s / p, 1 + 0.3 * n }'
  done
done
