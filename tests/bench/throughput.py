"""Case 2 — throughput: the highest sustained rate of interactions one `baton serve` process answers
with p99 under one second, on SQLite and on PostgreSQL.

The load is the three requests of the ack case in equal parts, in turn (`/turn status`, a Pass turn
click, a pass submission that ends a turn), open-loop at a fixed rate for a while; the rate doubles
(50, 100, 200, 400/s…) until p99 passes 1 s or requests fail, then the midpoint between the last rate
held and the first missed is tried. Between steps Baton is given time to deliver what the passes
recorded (its outbox), so each step starts from a quiet server; the backlog left is reported.
"""

from __future__ import annotations

from typing import Any

from tests.bench.common import Load, Row, Run, percentile, run_load, summary
from tests.bench.serving import Stage, stage

CASE = "throughput"
LIMIT_P99 = 1.0  # seconds


def mixed(s: Stage, rate: float, seconds: float) -> list[dict[str, Any]]:
    n = max(3, int(rate * seconds) // 3)
    status, clicks, submissions = s.status(n, "baton"), s.clicks(n, "baton"), s.submissions(n, "baton")
    return [r for trio in zip(status, clicks, submissions, strict=True) for r in trio]


async def step(s: Stage, rate: float, seconds: float) -> tuple[Load, dict[str, Any]]:
    await s.sync_turns()
    load = await run_load(mixed(s, rate, seconds), rate=rate, secret=s.world.emu.signing_secret, folder=s.folder)
    latencies = load.latencies()
    total = len(load.results)
    ok = total - load.failures()
    settle = await s.settle(120)
    refused = sum(1 for x in load.results if x.kind == "submission" and x.answer == "errors")
    facts = {
        "rate": rate,
        "sent": total,
        "answered_2xx": ok,
        "p99_s": percentile(latencies, 99) if latencies else float("inf"),
        "summary": summary(latencies) if latencies else {},
        "achieved": ok / load.seconds if load.seconds else 0.0,
        "settle": settle,
        "refused": refused,
        "lag_p99_ms": round(percentile([x.lag for x in load.results], 99) * 1000, 1),
    }
    facts["held"] = ok == total and facts["p99_s"] <= LIMIT_P99
    return load, facts


def describe(f: dict[str, Any]) -> str:
    sm = f["summary"]
    held = "held" if f["held"] else "missed"
    settle = f"outbox empty {f['settle']:.0f} s later" if f["settle"] is not None else "outbox NOT empty 120 s later"
    return (
        f"{f['rate']:.0f}/s {held}: p50 {sm.get('p50', '—')} ms, p99 {sm.get('p99', '—')} ms, "
        f"{f['answered_2xx']}/{f['sent']} answered, {f['achieved']:.0f}/s achieved, "
        f"{f['refused']} submissions refused as out of turn, {settle}, client lag p99 {f['lag_p99_ms']} ms"
    )


async def on(r: Run, database: str) -> list[Row]:
    seconds = 2.0 if r.quick else 10.0
    rates = [50.0, 100.0] if r.quick else [50.0, 100.0, 200.0, 400.0, 800.0]
    steps: list[dict[str, Any]] = []
    async with stage(r, database, pool=30 if r.quick else 300, warm=2, bare=False, name=CASE) as s:
        # Warm-up, not counted.
        await run_load(mixed(s, 30.0, 1.0), rate=30.0, secret=s.world.emu.signing_secret, folder=s.folder)
        await s.settle(60)
        best: float | None = None
        missed: float | None = None
        for rate in rates:
            r.say(f"  {database}: {rate:.0f}/s for {seconds:.0f} s")
            _, facts = await step(s, rate, seconds)
            steps.append(facts)
            if facts["held"]:
                best = rate
            else:
                missed = rate
                break
        lower = rates[0]
        while best is None and lower > rates[0] / 4:  # the first rate missed: look below it (twice at most)
            lower /= 2
            r.say(f"  {database}: {lower:.0f}/s for {seconds:.0f} s")
            _, facts = await step(s, lower, seconds)
            steps.append(facts)
            if facts["held"]:
                best = lower
        if not r.quick and best is not None and missed is not None and missed > best * 1.2:
            middle = round((best + missed) / 2)
            r.say(f"  {database}: {middle:.0f}/s for {seconds:.0f} s")
            _, facts = await step(s, middle, seconds)
            steps.append(facts)
            if facts["held"]:
                best = middle
        memory = s.baton.memory()
        log = s.baton.log_summary()
    held = [f for f in steps if f["held"]]
    top = max(held, key=lambda f: f["rate"]) if held else None
    notes = "; ".join(describe(f) for f in steps)
    notes += (
        f"; mix: /turn status, Pass turn click, pass submission in turn; {seconds:.0f} s per step; "
        f"baton serve peak RSS {memory.get('VmHWM', 0) / 1024:.0f} MB; server log {log['warning']} warnings, "
        f"{log['error']} errors"
    )
    if top is None:
        notes = "no rate tried held p99 under 1 s; " + notes
    elif top["rate"] == max(f["rate"] for f in steps):
        notes = "the highest rate tried held: the limit is above it; " + notes
    rows = [
        Row(
            CASE,
            "sustained interactions/s with p99 <= 1 s",
            top["rate"] if top else 0,
            "req/s",
            database=database,
            notes=notes,
        )
    ]
    if top is not None:
        rows.append(Row(CASE, "p99 at that rate", top["summary"]["p99"], "ms", database=database))
    return rows


async def run(r: Run) -> list[Row]:
    rows: list[Row] = []
    for database in r.databases:
        rows += await on(r, database)
    return rows
