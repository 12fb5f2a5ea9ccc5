#!/usr/bin/env bash
# Input-side reliability of the CLI (each case failed before): a FIFO as scenario is refused at once
# (it used to block forever); -j beyond the limit is a usage error (exit 2, it used to start a
# million threads and leave a .partial); a huge grid is refused before any value is converted; a
# file that is not a database is never quoted (its first line may be private); control characters
# in a scenario are escaped in messages; NaN and overflowing values are exit 3, never exit 1.
set -uo pipefail
calcikin=$1
source_dir=$2
dir=$3
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_rc() { local want=$1; shift; "$@" >out.txt 2>err.txt; local rc=$?; [ $rc -eq "$want" ] || fail "exit $rc (expected $want): $* :: $(head -2 err.txt)"; }
no_files() { [ -z "$(ls -A out 2>/dev/null)" ] || fail "$1: wrote $(ls -A out | tr '\n' ' ')"; }
mkdir -p out
good=$source_dir/scenarios/sbf.yaml

# FIFO: refused at once, exit 3 (timeout 20 s would give 124).
mkfifo fifo.yaml
expect_rc 3 timeout 20 "$calcikin" validate fifo.yaml
grep -q "not a regular file" err.txt || fail "FIFO: $(cat err.txt)"
expect_rc 3 timeout 20 "$calcikin" run fifo.yaml -o out/o.h5 --no-progress
no_files "FIFO run"
# A folder as scenario.
expect_rc 3 "$calcikin" validate "$source_dir/scenarios"

# Thread count beyond the limit: usage error before anything is written.
expect_rc 2 "$calcikin" run "$good" -j 1000000 -o out/o.h5 --no-progress
no_files "-j 1000000"
expect_rc 2 "$calcikin" run "$good" -j -1 -o out/o.h5 --no-progress
no_files "-j -1"

# A grid of 3e12 points is refused in well under a second (no value converted).
start=$(date +%s%N)
expect_rc 3 "$calcikin" validate "$source_dir/tests/data/invalid/grid_too_large_counted_before_conversion.yaml"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $elapsed_ms -lt 3000 ] || fail "huge grid took $elapsed_ms ms to be refused"

# A private file named as the database: exit 3, its text never quoted.
printf 'root:$6$secret-hash:19000:0:99999:7:::\nother line\n' > private.txt
sed "s|^database: builtin|database: $dir/private.txt|" "$good" > private_db.yaml
grep -q "private.txt" private_db.yaml || fail "test set-up: no database line replaced"
expect_rc 3 "$calcikin" validate private_db.yaml
grep -q "secret-hash" err.txt && fail "the database's private line is quoted: $(cat err.txt)"
grep -q "not a PHREEQC database" err.txt || fail "no reason given: $(cat err.txt)"
expect_rc 3 "$calcikin" speciate private_db.yaml
grep -q "secret-hash" err.txt && fail "speciate quotes the private line"

# Control characters (an ANSI escape in a key) are escaped in the message.
printf 'schema: calcikin/scenario/1\nsolution:\n  temperature: 37 degC\n  pH: 7.4\n  totals:\n    Ca: 1 mmol/kgw\n  \033[31mred: 1\n' > escape.yaml
expect_rc 3 "$calcikin" validate escape.yaml
grep -q $'\033' err.txt && fail "raw escape character in the message"
grep -q '\\x1b' err.txt || fail "escape character not shown as \\x1b: $(cat err.txt)"

# Values that overflow or are not numbers: exit 3 from every command, nothing written.
for value in "1e308 mol/L" ".nan mmol/kgw" "1e400 mmol/kgw"; do
  sed "s|Ca: 2.5 mmol/kgw|Ca: $value|" "$good" > value.yaml
  expect_rc 3 "$calcikin" validate value.yaml
  expect_rc 3 "$calcikin" run value.yaml -o out/o.h5 --no-progress
  no_files "Ca: $value"
  expect_rc 3 "$calcikin" run "$good" --set "solution.totals.Ca=$value" -o out/o.h5 --no-progress
  no_files "--set Ca=$value"
done
# --set beyond the database's temperature range: exit 3 before any file.
expect_rc 3 "$calcikin" run "$source_dir/scenarios/t50_assay.yaml" --set "solution.temperature=99 degC" -o out/o.h5 --no-progress
no_files "--set 99 degC"
[ $failures -eq 0 ] && echo "input reliability: all cases pass"
[ $failures -eq 0 ]
