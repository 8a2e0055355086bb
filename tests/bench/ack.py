"""Case 1 — ack latency: `/turn status`, a **Pass turn** click and a pass-turn submission, N of each at a
fixed rate over HTTP to a running `baton serve`, and the same requests to a bare bolt app that only acks.

Latency is the client's: from handing the signed request to the HTTP client to reading the whole answer
(see loadgen.py), in a process of its own. The emulator (Baton's Slack) runs in this process.
"""

from __future__ import annotations

from typing import Any

from tests.bench.common import Load, Row, Run, percentile, rounded, run_load, summary
from tests.bench.serving import Stage, query, stage

CASE = "ack"
KINDS = {"status": "/turn status", "click": "Pass turn click", "submission": "pass-turn view_submission"}
RATE = 100.0
SLACK_DEADLINE = 3.0  # seconds Slack waits for an ack
LOW_RATE = 10.0  # full runs also measure each request well below saturation


def sizes(requests: list[dict[str, Any]]) -> int:
    return round(sum(len(r["body"]) for r in requests) / max(1, len(requests)))


async def one_load(s: Stage, kind: str, target: str, n: int, rate: float = RATE) -> tuple[Load, int, float]:
    """The load, the mean body size, and the server's CPU time per request (ms) while it ran."""
    build = {"status": s.status, "click": s.clicks, "submission": s.submissions}[kind]
    requests = build(n, target)
    server = s.baton if target == "baton" else s.bare
    assert server is not None
    before = server.cpu_seconds()
    load = await run_load(requests, rate=rate, secret=s.world.emu.signing_secret, folder=s.folder)
    cpu = (server.cpu_seconds() - before) / n * 1000
    return load, sizes(requests), cpu


async def passes(s: Stage) -> int:
    return int(await query(s.database_url, "SELECT count(*) FROM events WHERE kind = 'turn_passed'", scalar=True))


async def warm_up(s: Stage) -> None:
    """Every code path once or twice on both servers before anything is measured."""
    for target in ("baton", "bare"):
        requests = s.status(20, target) + s.clicks(20, target) + s.submissions(len(s.warm), target, pool=s.warm)
        await run_load(requests, rate=50.0, secret=s.world.emu.signing_secret, folder=s.folder)
    await s.settle(60)
    await s.sync_turns()


async def run(r: Run) -> list[Row]:
    rows: list[Row] = []
    for database in r.databases:
        rows += await on(r, database)
    return rows


async def on(r: Run, database: str) -> list[Row]:
    n = 200 if r.quick else 2000
    rows: list[Row] = []
    async with stage(r, database, pool=30 if r.quick else 300, warm=4 if r.quick else 10, name=CASE) as s:
        await warm_up(s)
        passed_before = await passes(s)
        loads: dict[tuple[str, str], Load] = {}
        body_sizes: dict[str, int] = {}
        cpu: dict[tuple[str, str], float] = {}
        for kind in KINDS:
            for target in ("baton", "bare"):
                r.say(f"  {KINDS[kind]}: {n} at {RATE:.0f}/s to {target}")
                loads[kind, target], body_sizes[kind], cpu[kind, target] = await one_load(s, kind, target, n)
        settle = await s.settle(300)
        passed = await passes(s) - passed_before
        low: dict[tuple[str, str], Load] = {}
        passed_low = 0
        if not r.quick:
            await s.sync_turns()
            for kind in KINDS:
                for target in ("baton", "bare"):
                    r.say(f"  {KINDS[kind]}: 300 at {LOW_RATE:.0f}/s to {target}")
                    low[kind, target], _, _ = await one_load(s, kind, target, 300, LOW_RATE)
            await s.settle(120)
        passed_low = await passes(s) - passed_before - passed
        baton_memory = s.baton.memory()
        log = s.baton.log_summary()
        stats = s.world.emu.stats
        violations = len(s.world.emu.violations)

    for kind, label in KINDS.items():
        baton, bare = loads[kind, "baton"], loads[kind, "bare"]
        b, ref = summary(baton.latencies(kind)), summary(bare.latencies(kind))
        lag = max(percentile([x.lag for x in baton.results], 99), percentile([x.lag for x in bare.results], 99))
        notes = [
            f"{n} requests at {RATE:.0f}/s, {body_sizes[kind]} bytes each; client lag p99 {lag * 1000:.1f} ms; "
            f"Baton's last answer {baton.seconds:.1f} s after the first request (sending took {n / RATE:.0f} s)"
        ]
        late = sum(1 for x in baton.latencies(kind) if x > SLACK_DEADLINE)
        if late:
            notes.append(f"{late} of Baton's answers came after Slack's 3 s deadline (Slack shows an error)")
        failures = baton.failures(kind) + bare.failures(kind)
        if failures:
            notes.append(
                f"{baton.failures(kind)} Baton and {bare.failures(kind)} bare requests got no answer within the "
                "client's 10 s (in the percentiles at the 10 s they waited)"
            )
        if kind == "submission":
            accepted = sum(1 for x in baton.results if x.answer == "empty")
            refused = sum(1 for x in baton.results if x.answer == "errors")
            notes.append(
                f"each submission is made valid for the turn it names: {accepted} accepted (modal closed), "
                f"{passed} turns passed in the database, so {accepted - passed} accepted but refused after the "
                f"ack (an earlier pass of that collaboration had not committed: stale turn, told by ephemeral); "
                f"{refused} refused in the modal by Baton's check (not that side's turn yet)"
            )
        if kind == "click":
            notes.append("each click is Alice's on her turn: checked, then the modal opens after the ack")
        p50_ratio = b["p50"] / ref["p50"] if ref["p50"] else None
        for p in ("p50", "p95", "p99"):
            ratio = b[p] / ref[p] if ref[p] else None
            target, met = None, None
            if p == "p99":
                target, met = "< 100 ms", b[p] < 100.0
            if p == "p50":
                target, met = "<= 2x bare bolt", p50_ratio is not None and p50_ratio <= 2.0
            rows.append(
                Row(
                    CASE,
                    f"{label} {p}",
                    b[p],
                    "ms",
                    reference=ref[p],
                    ratio=rounded(ratio),
                    target=target,
                    met=met,
                    database=database,
                    notes="; ".join(notes) if p == "p50" else None,
                )
            )
        if (kind, "baton") in low:
            lb, lr = summary(low[kind, "baton"].latencies()), summary(low[kind, "bare"].latencies())
            for p in ("p50", "p99"):
                rows.append(
                    Row(
                        CASE,
                        f"{label} {p} at {LOW_RATE:.0f}/s",
                        lb[p],
                        "ms",
                        reference=lr[p],
                        ratio=rounded(lb[p] / lr[p]) if lr[p] else None,
                        database=database,
                        notes=(
                            "300 requests, well below saturation: each request's own latency"
                            + (f"; {passed_low} turns passed" if kind == "submission" else "")
                        )
                        if p == "p50"
                        else None,
                    )
                )
        rows.append(
            Row(
                CASE,
                f"{label} server CPU per request",
                round(cpu[kind, "baton"], 2),
                "ms",
                reference=round(cpu[kind, "bare"], 2),
                ratio=rounded(cpu[kind, "baton"] / cpu[kind, "bare"]) if cpu[kind, "bare"] else None,
                database=database,
                notes=None
                if kind != "status"
                else "CPU time of the server process (all threads) during the load, over the requests sent; "
                "for Baton it includes the work done after the ack (modals opened, turns passed, outbox "
                "deliveries that ran meanwhile)",
            )
        )
    rows.append(
        Row(
            CASE,
            "baton serve RSS after the run",
            round(baton_memory.get("VmRSS", 0) / 1024, 1),
            "MB",
            database=database,
            notes=(
                f"peak {baton_memory.get('VmHWM', 0) / 1024:.0f} MB; outbox drained "
                + (f"{settle:.1f} s after the last request" if settle is not None else "NOT within 300 s")
                + f"; server log: {log['warning']} warnings, {log['error']} errors; emulator: "
                + ", ".join(f"{m} {c}" for m, c in sorted(stats.calls.items()))
                + f"; {violations} violations of Slack's contract"
            ),
        )
    )
    return rows
