"""Case 5 — the database at scale: 100,000 collaborations and 1,000,000 events bulk-loaded (tests/bench/
bulk.py), then `/turn status` and the Home tab measured against `baton serve`, and the size on disk.

- `/turn status` (Alice, in channels whose accounts have 20 periods each): the time to the HTTP answer,
  which is the reply Slack shows (the load generator's clock; a fixed 20/s).
- Home: an `app_home_opened` event for Alice, who has 200 active collaborations (and 3,800 past ones);
  the time from sending the event to the emulator receiving Baton's `views.publish`, one at a time.

The reference is the same measurement on a database holding only those 200 active collaborations (the
same people, the same Home), so the ratio is what the other 99,800 collaborations cost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.emulator import SlackEmulator
from bot.emulator.signing import signed_headers
from tests.bench.bulk import Shape, load
from tests.bench.common import (
    Row,
    Run,
    baton_serve,
    database_size,
    fresh_database,
    percentile,
    rounded,
    run_load,
    summary,
)
from tests.bench.world import World, make_world

CASE = "scale"
PROBES = 10


class PublishWatch:
    """Notes when the emulator receives each views.publish (before it handles it)."""

    def __init__(self) -> None:
        self.waiter: asyncio.Future[float] | None = None

    def install(self, emu: SlackEmulator) -> None:
        handle = emu.webapi.handle

        async def watched(request: Any) -> Any:
            if request.match_info.get("method") == "views.publish" and self.waiter and not self.waiter.done():
                self.waiter.set_result(time.perf_counter())
            return await handle(request)

        emu.webapi.handle = watched  # type: ignore[method-assign]


async def home_latencies(world: World, url: str, watch: PublishWatch, n: int) -> tuple[list[float], list[float]]:
    """`n` Home openings one after the other: (to views.publish received, to the HTTP ack)."""
    loop = asyncio.get_running_loop()
    to_publish: list[float] = []
    to_ack: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(n):
            request = world.home_opened(world.alice, url)
            body = request["body"].encode()
            headers = {"Content-Type": request["content_type"], **signed_headers(world.emu.signing_secret, body)}
            watch.waiter = loop.create_future()
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"app_home_opened answered {response.status}")
            to_ack.append(time.perf_counter() - started)
            published = await asyncio.wait_for(watch.waiter, 30)
            to_publish.append(published - started)
            await asyncio.sleep(0.02)
    return to_publish, to_ack


async def measure(r: Run, database: str, shape: Shape, world: World, watch: PublishWatch, label: str) -> dict[str, Any]:
    folder = r.dir(f"{CASE}-{database}-{label}")
    n_status = 60 if r.quick else 400
    n_home = 20 if r.quick else 150
    async with fresh_database(database, folder) as url:
        r.say(f"  {database} {label}: loading {shape.collaborations:,} collaborations, {shape.events:,} events")
        started = time.perf_counter()
        counts = await load(url, shape)
        loaded = time.perf_counter() - started
        size = await database_size(url)
        server = baton_serve(world.emu, url, folder / "data", folder / "baton.log")
        try:
            await server.start()
            probes = world.channels[:PROBES]

            def status(n: int) -> list[dict[str, Any]]:
                return [
                    {**world.status_command(world.alice, probes[i % len(probes)], server.url), "tag": str(i)}
                    for i in range(n)
                ]

            await run_load(status(20), rate=20.0, secret=world.emu.signing_secret, folder=folder)  # warm-up
            await home_latencies(world, server.url, watch, 5)
            r.say(f"  {database} {label}: {n_status} /turn status, {n_home} Home openings")
            load_result = await run_load(status(n_status), rate=20.0, secret=world.emu.signing_secret, folder=folder)
            to_publish, to_ack = await home_latencies(world, server.url, watch, n_home)
            blocks = len(world.alice.home.blocks) if world.alice.home is not None else 0
            memory = server.memory()
            log = server.log_summary()
        finally:
            await server.stop()
    return {
        "counts": counts,
        "load_seconds": loaded,
        "size": size,
        "status": summary(load_result.latencies()),
        "status_failures": load_result.failures(),
        "home": summary(to_publish),
        "home_ack_p50": percentile(to_ack, 50) * 1000,
        "home_blocks": blocks,
        "rss_mb": memory.get("VmRSS", 0) / 1024,
        "log": log,
    }


def shapes(r: Run, world: World) -> tuple[Shape, Shape]:
    probes = tuple(c.id for c in world.channels[:PROBES])
    hosts = 5 if r.quick else 50
    big = (10_000, 100_000) if r.quick else (100_000, 1_000_000)
    full = Shape(big[0], big[1], hosts=hosts, host_user_ids=(world.alice.user.id,), probe_channels=probes)
    # Alice's 200 active collaborations alone: leader of 100 accounts, contributor on 100 (2 hosts).
    small = Shape(200, 2_000, hosts=2, host_user_ids=(world.alice.user.id,), probe_channels=probes, account_count=200)
    return small, full


async def on(r: Run, database: str) -> list[Row]:
    watch = PublishWatch()
    install: Callable[[SlackEmulator], None] = watch.install
    world = await make_world(PROBES, before_start=install)
    try:
        small, full = shapes(r, world)
        # Quick runs skip the reference (the same code on a smaller database) to stay short.
        reference = None if r.quick else await measure(r, database, small, world, watch, "reference")
        big = await measure(r, database, full, world, watch, "full")
    finally:
        await world.emu.stop()
    counts = big["counts"]
    scale = f"{counts['collaborations']:,} collaborations, {counts['events']:,} events"
    rows = []
    for what, label, extra in (
        ("status", "/turn status", "time to the HTTP answer (the reply), 20/s"),
        ("home", "Home tab (app_home_opened → views.publish)", "one at a time"),
    ):
        for p in ("p50", "p95"):
            value, ref = big[what][p], reference[what][p] if reference else None
            notes = None
            if p == "p50":
                notes = f"{scale}; {extra}; reference: the same on a database of Alice's 200 active collaborations"
                if what == "home":
                    notes += (
                        f"; Alice has 200 active collaborations (Home shows {big['home_blocks']} blocks); "
                        f"the ack itself p50 {big['home_ack_p50']:.1f} ms"
                    )
                if what == "status" and big["status_failures"]:
                    notes += f"; {big['status_failures']} requests failed"
            rows.append(
                Row(
                    CASE,
                    f"{label} {p} at {counts['collaborations']:,} collaborations",
                    value,
                    "ms",
                    reference=ref,
                    ratio=rounded(value / ref) if ref else None,
                    target="< 50 ms",
                    met=value < 50.0,
                    database=database,
                    notes=notes,
                )
            )
    rows.append(
        Row(
            CASE,
            f"database size at {counts['collaborations']:,} collaborations",
            round(big["size"] / 2**20, 1),
            "MB",
            reference=round(reference["size"] / 2**20, 1) if reference else None,
            database=database,
            notes=(
                f"rows: {', '.join(f'{t} {n:,}' for t, n in counts.items())}; bulk load {big['load_seconds']:.0f} s; "
                f"baton serve RSS {big['rss_mb']:.0f} MB; server log {big['log']['warning']} warnings, "
                f"{big['log']['error']} errors"
                + ("; SQLite: no ANALYZE (Baton never runs it)" if database == "sqlite" else "; ANALYZE after the load")
            ),
        )
    )
    return rows


async def run(r: Run) -> list[Row]:
    rows: list[Row] = []
    for database in r.databases:
        rows += await on(r, database)
    return rows
