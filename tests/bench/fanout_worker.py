"""The Baton side of the fan-out case, in a process of its own: the monthly job, then the real outbox worker
until everything it recorded is delivered.

    python -m tests.bench.fanout_worker OUT.json NOW_ISO TIME_SCALE TIMEOUT_S

Settings come from the environment (as `baton` reads them). Every duration of the worker is scaled like
the emulator's rate-limit windows: the retry backoff (2 s doubling to 300 s), the poll interval (1 s);
Slack's Retry-After arrives already scaled. The worker runs while the job runs, as in `baton serve`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.app import build_baton
from bot.logs import configure_logging
from bot.migrate import upgrade
from bot.outbox import RetryPolicy
from bot.scheduled_deliveries import build_scheduled_deliverers
from bot.settings import load_settings
from models.outbox import OutboxEntry, OutboxStatus
from scheduler.jobs import run_due


def write(out: Path, result: dict[str, object]) -> None:
    out.write_text(json.dumps(result))


async def main(out: Path, now: datetime, scale: float, timeout: float) -> None:
    settings = load_settings()
    configure_logging("json")
    policy = RetryPolicy(base=2.0 * scale, cap=300.0 * scale, lease=120.0)
    baton = build_baton(settings, outbox_policy=policy, outbox_poll_interval=max(0.01, 1.0 * scale))
    deps = baton.deps
    result: dict[str, object] = {}
    try:
        await upgrade(deps.engine)
        # As `baton remind` does until the composition root merges them: the scheduler's deliverers.
        deps.outbox.deliverers = {**build_scheduled_deliverers(deps.slack, deps.sessions), **deps.outbox.deliverers}
        async with deps.sessions() as session:
            before = int(await session.scalar(select(func.max(OutboxEntry.id))) or 0)
        started = time.perf_counter()
        deps.outbox.start()
        report = await run_due(deps.sessions, now=now, default_timezone=settings.BATON_TIMEZONE)
        deps.outbox.wake()
        result["job_seconds"] = time.perf_counter() - started
        result["report"] = str(report)
        pending = -1
        while time.perf_counter() - started < timeout:
            async with deps.sessions() as session:
                pending = int(
                    await session.scalar(
                        select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == OutboxStatus.PENDING)
                    )
                    or 0
                )
            if pending == 0:
                break
            await asyncio.sleep(max(0.02, 0.5 * scale))
        result["drained_seconds"] = time.perf_counter() - started
        result["pending_left"] = pending
        async with deps.sessions() as session:
            kinds = (
                await session.execute(
                    select(OutboxEntry.kind, OutboxEntry.status, func.count(), func.sum(OutboxEntry.attempts))
                    .where(OutboxEntry.id > before)
                    .group_by(OutboxEntry.kind, OutboxEntry.status)
                )
            ).all()
        result["outbox"] = [[k, str(s), int(n), int(a or 0)] for k, s, n, a in kinds]
    finally:
        await baton.close()
        write(out, result)


if __name__ == "__main__":
    target, now_iso, scale_text, timeout_text = sys.argv[1:5]
    asyncio.run(main(Path(target), datetime.fromisoformat(now_iso), float(scale_text), float(timeout_text)))
