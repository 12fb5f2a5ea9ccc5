#!/usr/bin/env bash
# Disk full at every point of a run (file-size limit `ulimit -f` with SIGXFSZ ignored: writes past
# it fail with EFBIG as on a full disk), plain and compressed: calcikin exits 5 (never a signal),
# and leaves either nothing or only a resumable .partial -- no .creating, .repack, .lock or 0-byte
# file; resuming that .partial without the limit gives the uninterrupted file.
set -uo pipefail
calcikin=$1
driver=$2
scenario=$3
dir=$4
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
fail() { echo "FAIL: $*"; exit 1; }
cp "$scenario" plain.yaml
sed 's/time_series: all}/time_series: all, compression: 4}/' "$scenario" > gz.yaml
grep -q "compression: 4" gz.yaml || fail "could not make the compressed scenario"
tried=0
for s in plain gz; do
  "$calcikin" run $s.yaml -o ref_$s.h5 --no-progress 2>/dev/null || fail "reference run $s"
  size_kb=$(( $(stat -c %s ref_$s.h5) / 1024 + 40 ))
  for kb in $(seq 2 6 "$size_kb"); do
    rm -f out.h5*
    (ulimit -f "$kb"; trap '' XFSZ; exec "$calcikin" run $s.yaml -o out.h5 --no-progress 2>err.txt)
    rc=$?
    tried=$((tried + 1))
    [ $rc -eq 0 ] || [ $rc -eq 5 ] || { cat err.txt; fail "$s, ${kb} KiB: exit $rc (expected 0 or 5)"; }
    left=$(ls out.h5* 2>/dev/null | tr '\n' ' ')
    if [ $rc -eq 0 ]; then
      [ "$left" = "out.h5 " ] || fail "$s, ${kb} KiB: exit 0 but files: $left"
      "$driver" compare ref_$s.h5 out.h5 || fail "$s, ${kb} KiB: finished file differs"
      continue
    fi
    case "$left" in
      "" | "out.h5.partial ") ;;
      *) fail "$s, ${kb} KiB: exit 5 left $left" ;;
    esac
    if [ -e out.h5.partial ]; then
      [ -s out.h5.partial ] || fail "$s, ${kb} KiB: 0-byte .partial"
      "$calcikin" run $s.yaml -o out.h5 --resume --no-progress 2>/dev/null ||
        fail "$s, ${kb} KiB: the .partial left by a full disk does not resume"
      "$driver" compare ref_$s.h5 out.h5 || fail "$s, ${kb} KiB: resumed file differs"
    fi
  done
done
echo "disk full: $tried limits tried, every one exit 0 or 5 with nothing or a resumable .partial"
