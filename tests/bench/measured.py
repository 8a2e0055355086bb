"""Run a module as `python -m` would, then record this process's peak RSS and timings.

    python -m tests.bench.measured OUT.json MODULE [ARGS...]

The peak is VmHWM from /proc/self/status: the high-water mark of this process's own memory since it
was exec'd. (`ru_maxrss` of a child is no good here: Linux carries the parent's high-water mark across
fork and exec, so a child of a 90 MB orchestrator never reports less than 90 MB.) `work_seconds` is
the time from after the module's imports (done before the clock starts) to exit.
"""

from __future__ import annotations

import atexit
import importlib
import json
import runpy
import sys
import time
from pathlib import Path


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    out, module, *args = sys.argv[1:]
    preload = {"bot.cli": ("bot.archive", "bot.blobs", "bot.db", "sqlalchemy.dialects.sqlite.aiosqlite")}
    for name in preload.get(module, ()):
        importlib.import_module(name)
    imported_kib = peak_kib()
    started = time.perf_counter()

    def report() -> None:
        Path(out).write_text(
            json.dumps(
                {
                    "peak_kib": peak_kib(),
                    "after_imports_kib": imported_kib,
                    "work_seconds": time.perf_counter() - started,
                }
            )
        )

    atexit.register(report)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
