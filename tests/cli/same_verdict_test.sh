#!/usr/bin/env bash
# validate, speciate and run give the same verdict on invalid input: every tests/data/invalid/*.yaml
# (which includes the scenarios of the "one problem path" issue: 80 degC beyond the builtin
# database, molal and molar totals mixed, density below the solutes, an unknown kinetic phase, a
# misspelt kinetic parameter and one with a unit of the wrong dimension) must give exit 3 from all
# three, the same message, a caret under the line when the error has a line, and no file written
# (neither OUT.h5 nor OUT.h5.partial). speciate does not use the kinetics: for an error found in
# the kinetics section by the model's preparation it succeeds (the part it uses is valid); errors
# found while reading the file are the same for all three.
set -uo pipefail
calcikin=$1
source_dir=$2
dir=$3
rm -rf "$dir" && mkdir -p "$dir/out"
cd "$source_dir" || exit 1
failures=0
checked=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for scenario in tests/data/invalid/*.yaml; do
  name=$(basename "$scenario" .yaml)
  rm -f "$dir"/out/* "$dir"/out/.[!.]* 2>/dev/null
  "$calcikin" validate "$scenario" >/dev/null 2>"$dir/validate.txt"; v=$?
  "$calcikin" run "$scenario" -o "$dir/out/OUT.h5" --no-progress >/dev/null 2>"$dir/run.txt"; r=$?
  "$calcikin" speciate "$scenario" >/dev/null 2>"$dir/speciate.txt"; s=$?
  checked=$((checked + 1))
  [ $v -eq 3 ] || fail "$name: validate exit $v (expected 3)"
  [ $r -eq 3 ] || fail "$name: run exit $r (expected 3): $(head -1 "$dir/run.txt")"
  cmp -s "$dir/validate.txt" "$dir/run.txt" || fail "$name: run says something else than validate: $(head -1 "$dir/run.txt")"
  if [ -n "$(ls -A "$dir/out")" ]; then fail "$name: run wrote $(ls -A "$dir/out" | tr '\n' ' ')"; fi
  first=$(head -1 "$dir/validate.txt")
  if [[ "$first" =~ \.yaml:[0-9]+:[0-9]+: ]] && [ "$name" != empty_file ]; then
    grep -q '^      | .*\^$' "$dir/validate.txt" || fail "$name: no caret under the source line"
  fi
  if [[ "$first" =~ \.yaml:[0-9:]+\ kinetics\. ]] && [ $s -eq 0 ]; then
    :  # an error in the model's kinetics, which speciate does not use
  else
    [ $s -eq 3 ] || fail "$name: speciate exit $s (expected 3)"
    cmp -s "$dir/validate.txt" "$dir/speciate.txt" || fail "$name: speciate says something else than validate: $(head -1 "$dir/speciate.txt")"
  fi
done
[ $checked -ge 60 ] || fail "only $checked invalid scenarios found"
echo "$checked invalid scenarios: validate, speciate and run agree"
[ $failures -eq 0 ]
