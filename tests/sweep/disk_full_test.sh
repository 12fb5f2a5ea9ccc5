#!/usr/bin/env bash
# Disk full at every point of a run, plain and compressed, and of a merge, in two ways:
#  * the file-size limit (`ulimit -f`, SIGXFSZ ignored): writes past it fail with EFBIG;
#  * a real ENOSPC: LD_PRELOAD of enospc_preload.so (writes to regular files fail with ENOSPC
#    after CALCIKIN_TEST_ENOSPC_BYTES new bytes, as on a full file system);
#  * the same on a copy-on-write file system (btrfs, ZFS: every write needs new space).
# calcikin exits 5 (never a signal) with a message naming the system error (ENOSPC / EFBIG), and
# leaves either nothing or only a resumable .partial -- no .creating, .repack, .lock or 0-byte
# file; resuming that .partial (also after a second full disk during the resume) gives the
# uninterrupted file. A merge on a full disk leaves neither the merged file nor its .partial.
set -uo pipefail
calcikin=$1
driver=$2
scenario=$3
dir=$4
preload=${5:-}
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
fail() { echo "FAIL: $*"; exit 1; }
cp "$scenario" plain.yaml
sed 's/time_series: all}/time_series: all, compression: 4}/' "$scenario" > gz.yaml
grep -q "compression: 4" gz.yaml || fail "could not make the compressed scenario"
# ASan (debug-sanitize preset) refuses to run when another library is preloaded before it.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# limited MODE KB COMMAND...: runs COMMAND with a full disk after KB KiB.
limited() {
  local mode=$1 kb=$2; shift 2
  if [ "$mode" = ulimit ]; then
    (ulimit -f "$kb"; trap '' XFSZ; exec "$@")
  elif [ "$mode" = enospc ]; then
    CALCIKIN_TEST_ENOSPC_BYTES=$((kb * 1024)) LD_PRELOAD=$preload "$@"
  else
    CALCIKIN_TEST_ENOSPC_COW=1 CALCIKIN_TEST_ENOSPC_BYTES=$((kb * 1024)) LD_PRELOAD=$preload "$@"
  fi
}
expected_error() { [ "$1" = ulimit ] && echo EFBIG || echo "no space left on device (ENOSPC)"; }

modes="ulimit"
[ -n "$preload" ] && modes="ulimit enospc copy-on-write"
tried=0
partials=0
for mode in $modes; do
  for s in plain gz; do
    [ -e ref_$s.h5 ] || "$calcikin" run $s.yaml -o ref_$s.h5 --no-progress 2>/dev/null || fail "reference run $s"
    size_kb=$(( $(stat -c %s ref_$s.h5) / 1024 + 40 ))
    for kb in $(seq 2 6 "$size_kb"); do
      rm -f out.h5*
      limited $mode "$kb" "$calcikin" run $s.yaml -o out.h5 --no-progress 2>err.txt
      rc=$?
      tried=$((tried + 1))
      [ $rc -eq 0 ] || [ $rc -eq 5 ] || { cat err.txt; fail "$mode $s, ${kb} KiB: exit $rc (expected 0 or 5)"; }
      left=$(ls out.h5* 2>/dev/null | tr '\n' ' ')
      if [ $rc -eq 0 ]; then
        [ "$left" = "out.h5 " ] || fail "$mode $s, ${kb} KiB: exit 0 but files: $left"
        "$driver" compare ref_$s.h5 out.h5 || fail "$mode $s, ${kb} KiB: finished file differs"
        continue
      fi
      grep -q "$(expected_error $mode)" err.txt || { cat err.txt; fail "$mode $s, ${kb} KiB: the message does not name $(expected_error $mode)"; }
      case "$left" in
        "" | "out.h5.partial ") ;;
        *) fail "$mode $s, ${kb} KiB: exit 5 left $left" ;;
      esac
      if [ -e out.h5.partial ]; then
        partials=$((partials + 1))
        [ -s out.h5.partial ] || fail "$mode $s, ${kb} KiB: 0-byte .partial"
        # A second full disk while resuming keeps the .partial resumable.
        limited $mode 1 "$calcikin" run $s.yaml -o out.h5 --resume --no-progress 2>/dev/null
        rc=$?
        [ $rc -eq 0 ] || [ $rc -eq 5 ] || fail "$mode $s, ${kb} KiB: resume on a full disk: exit $rc"
        left=$(ls out.h5* 2>/dev/null | tr '\n' ' ')
        [ $rc -eq 0 ] || [ "$left" = "out.h5.partial " ] || fail "$mode $s, ${kb} KiB: resume on a full disk left $left"
        [ -e out.h5 ] || "$calcikin" run $s.yaml -o out.h5 --resume --no-progress 2>/dev/null ||
          fail "$mode $s, ${kb} KiB: the .partial left by a full disk does not resume"
        "$driver" compare ref_$s.h5 out.h5 || fail "$mode $s, ${kb} KiB: resumed file differs"
      fi
    done
  done
  # merge on a full disk: exit 5 naming the error, no merged file, no .partial
  for k in 0 1 2; do
    [ -e part$k.h5 ] || "$calcikin" run plain.yaml -o part$k.h5 --shard $k/3 --no-progress 2>/dev/null || fail "shard $k"
  done
  size_kb=$(( $(stat -c %s ref_plain.h5) / 1024 + 40 ))
  for kb in $(seq 1 5 "$size_kb"); do
    rm -f merged.h5*
    limited $mode "$kb" "$calcikin" merge part0.h5 part1.h5 part2.h5 -o merged.h5 2>err.txt
    rc=$?
    tried=$((tried + 1))
    left=$(ls merged.h5* 2>/dev/null | tr '\n' ' ')
    if [ $rc -eq 0 ]; then
      [ "$left" = "merged.h5 " ] || fail "$mode merge, ${kb} KiB: exit 0 but files: $left"
      "$driver" compare ref_plain.h5 merged.h5 || fail "$mode merge, ${kb} KiB: merged file differs"
      continue
    fi
    [ $rc -eq 5 ] || { cat err.txt; fail "$mode merge, ${kb} KiB: exit $rc (expected 0 or 5)"; }
    grep -q "$(expected_error $mode)" err.txt || { cat err.txt; fail "$mode merge, ${kb} KiB: the message does not name $(expected_error $mode)"; }
    [ -z "$left" ] || fail "$mode merge, ${kb} KiB: a failed merge left $left"
  done
done
echo "disk full ($modes): $tried limits tried, every one exit 0 or 5 naming the error, with nothing or a resumable .partial ($partials partials resumed)"
