#!/usr/bin/env bash
# kill -9 at several moments of a sweep, resume each time, and compare the finished file with an
# uninterrupted run (datasets byte for byte). Also: SIGINT exits 130 with a resumable partial file.
set -euo pipefail
driver=$1
dir=$2
rm -rf "$dir"
mkdir -p "$dir"
points=120
delay=0.01   # s per point: the sweep takes ~0.6 s on 2 threads
# Waits until the sweep's partial file exists (start-up, e.g. MPI initialisation, varies), then a bit.
wait_for_partial() {
  for _ in $(seq 1 200); do [ -e "$1.partial" ] && break; sleep 0.05; done
  sleep "$2"
}

"$driver" run "$dir/ref.h5" $points 2 0 || test $? -eq 4

out="$dir/killed.h5"
"$driver" run "$out" $points 2 $delay &
pid=$!
wait_for_partial "$out" 0.15
kill -9 $pid
wait $pid || true
test ! -e "$out" || { echo "FAIL: a final file exists after kill -9"; exit 1; }
test -e "$out.partial" || { echo "FAIL: no partial file after kill -9"; exit 1; }
# Kill the resumed run too, then finish.
"$driver" run "$out" $points 2 $delay --resume &
pid=$!
sleep 0.3
kill -9 $pid
wait $pid || true
rc=0
"$driver" run "$out" $points 2 0 --resume || rc=$?
test $rc -eq 4 || { echo "FAIL: resumed run exited $rc, expected 4 (failed points)"; exit 1; }
"$driver" compare "$dir/ref.h5" "$out" || { echo "FAIL: resumed file differs from the uninterrupted one"; exit 1; }

# SIGINT: points in flight finish, the partial file stays, exit code 130; resume completes it.
out="$dir/interrupted.h5"
"$driver" run "$out" $points 2 $delay &
pid=$!
wait_for_partial "$out" 0.15
kill -INT $pid
rc=0
wait $pid || rc=$?
test $rc -eq 130 || { echo "FAIL: SIGINT exit code $rc, expected 130"; exit 1; }
test -e "$out.partial" || { echo "FAIL: no partial file after SIGINT"; exit 1; }
rc=0
"$driver" run "$out" $points 2 0 --resume || rc=$?
test $rc -eq 4 || { echo "FAIL: resumed run exited $rc"; exit 1; }
"$driver" compare "$dir/ref.h5" "$out" || { echo "FAIL: file resumed after SIGINT differs"; exit 1; }

# SIGTERM (scancel, a batch time limit): the same as SIGINT.
out="$dir/terminated.h5"
"$driver" run "$out" $points 2 $delay &
pid=$!
wait_for_partial "$out" 0.15
kill -TERM $pid
rc=0
wait $pid || rc=$?
test $rc -eq 130 || { echo "FAIL: SIGTERM exit code $rc, expected 130"; exit 1; }
test -e "$out.partial" || { echo "FAIL: no partial file after SIGTERM"; exit 1; }
rc=0
"$driver" run "$out" $points 2 0 --resume || rc=$?
test $rc -eq 4 || { echo "FAIL: resumed run exited $rc"; exit 1; }
"$driver" compare "$dir/ref.h5" "$out" || { echo "FAIL: file resumed after SIGTERM differs"; exit 1; }
echo "kill -9 / SIGINT / SIGTERM + resume: identical to the uninterrupted run"
