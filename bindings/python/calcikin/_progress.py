"""A one-line text progress display for sweeps, drawn from the calling thread (works in Jupyter)."""
from __future__ import annotations

import sys
import time


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


class TextProgress:
    """Callable given the runner's progress dicts; redraws one line on stream (stderr by default)."""

    def __init__(self, stream=None, min_interval_s: float = 0.25):
        self._stream = stream if stream is not None else sys.stderr
        self._min_interval = min_interval_s
        self._last_draw = 0.0
        self._drew = False

    def __call__(self, p: dict) -> None:
        now = time.monotonic()
        final = p["done"] >= p["total"]
        if not final and now - self._last_draw < self._min_interval:
            return
        self._last_draw = now
        computed = p["done"] - p["resumed"]
        rate = computed / p["elapsed_seconds"] if p["elapsed_seconds"] > 0 else 0.0
        line = f"{p['done']}/{p['total']} points"
        if p["failed"]:
            line += f", {p['failed']} failed"
        if rate > 0:
            line += f", {rate:.1f} points/s"
            if not final:
                line += f", ETA {_duration((p['total'] - p['done']) / rate)}"
        self._stream.write("\r" + line.ljust(60))
        self._stream.flush()
        self._drew = True

    def close(self) -> None:
        if self._drew:
            self._stream.write("\n")
            self._stream.flush()
