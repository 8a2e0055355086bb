"""Case 6 — start-up: from starting `python -m bot.cli serve` (settings pointing at the emulator, a fresh
SQLite database) to the first 200 from `/healthz`, and the process's resident memory then.

`/healthz` is polled every 5 ms. The first start of each run migrates an empty database; a second
start on the same database (nothing to migrate) is measured too. The median of the runs is reported.
"""

from __future__ import annotations

import asyncio
import statistics

from bot.emulator import SlackEmulator
from tests.bench.common import PYTHON, Row, Run, Server, baton_env, free_port

CASE = "startup"


async def one(emu: SlackEmulator, folder, database_url: str, log) -> tuple[float, dict[str, int]]:  # type: ignore[no-untyped-def]
    port = free_port()
    env = baton_env(emulator=emu, database_url=database_url, data_dir=folder / "data", port=port)
    server = Server([PYTHON, "-m", "bot.cli", "serve", "--host", "127.0.0.1"], env, port, log)
    try:
        seconds = await server.start(timeout=30)
        memory = server.memory()
        await asyncio.sleep(0.5)
        memory["VmRSS_after_0_5s"] = server.memory().get("VmRSS", 0)
    finally:
        await server.stop()
    return seconds, memory


async def run(r: Run) -> list[Row]:
    runs = 1 if r.quick else 5
    fresh: list[float] = []
    again: list[float] = []
    rss: list[int] = []
    hwm: list[int] = []
    async with SlackEmulator() as emu:
        for i in range(runs):
            folder = r.dir(f"{CASE}-{i}")
            url = f"sqlite+aiosqlite:///{folder / 'baton.db'}"
            seconds, memory = await one(emu, folder, url, folder / "serve.log")
            fresh.append(seconds)
            rss.append(memory.get("VmRSS", 0))
            hwm.append(memory.get("VmHWM", 0))
            seconds, _ = await one(emu, folder, url, folder / "serve-again.log")
            again.append(seconds)
    first = statistics.median(fresh)
    spread = f"runs: {', '.join(f'{s:.2f}' for s in fresh)} s"
    return [
        Row(
            CASE,
            "baton serve to healthy /healthz (fresh SQLite, migrations applied)",
            round(first, 3),
            "s",
            target="< 2 s",
            met=first < 2.0,
            database="sqlite",
            notes=f"median of {runs}; {spread}; scheduler on (as `baton serve` runs by default)",
        ),
        Row(
            CASE,
            "baton serve to healthy /healthz (existing database)",
            round(statistics.median(again), 3),
            "s",
            database="sqlite",
            notes=f"runs: {', '.join(f'{s:.2f}' for s in again)} s",
        ),
        Row(
            CASE,
            "RSS when healthy",
            round(statistics.median(rss) / 1024, 1),
            "MB",
            database="sqlite",
            notes=f"peak (VmHWM) {statistics.median(hwm) / 1024:.0f} MB",
        ),
    ]
