"""A one-line text progress display for sweeps, drawn from the calling thread (works in Jupyter)."""
from __future__ import annotations

import sys
import time


class TextProgress:
    """Callable given the runner's progress dicts; redraws their `text` line on stream (stderr by default)."""

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
        line = p["text"]  # formatted in C++ (sweep::format_progress), the same line as the CLI's
        self._stream.write("\r" + line.ljust(60))
        self._stream.flush()
        self._drew = True

    def close(self) -> None:
        if self._drew:
            self._stream.write("\n")
            self._stream.flush()
