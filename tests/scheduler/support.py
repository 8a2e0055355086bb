"""Helpers for the scheduler tests: the cast of tests/models (Acme and Retail Co), dated runs, the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from bot.db import Sessions
from models.collaborations import Collaboration, CollaborationStatus, participants_of
from models.outbox import OutboxEntry
from models.requests import DocumentRequest
from models.schedules import ScheduleClaim
from models.sides import Actor
from models.use_cases import NewRequest, file_requests, pass_turn, set_schedule
from scheduler.jobs import RunReport, run_due
from tests.models.support import ALEX, CHANNEL, start

OCTOBER = "Retail Co — October 2026 statement"
NOVEMBER = "Retail Co — November 2026 statement"
NOV_5 = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)
DEC_1_NINE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday: the 1st business day of December 2026


def utc(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def october(sessions: Sessions, *, channel: str = CHANNEL, **kwargs: Any) -> Collaboration:
    """Retail Co's October collaboration, started by hand on 5 November (the account is created with it)."""
    args: dict[str, Any] = {"channel": channel, "title": OCTOBER, "period": "2026-10", "now": NOV_5}
    args.update(kwargs)
    return await start(sessions, **args)


async def run(sessions: Sessions, when: datetime | date, **kwargs: Any) -> RunReport:
    return await run_due(sessions, now=when, default_timezone="UTC", **kwargs)


async def entries(sessions: Sessions, *kinds: str) -> list[OutboxEntry]:
    async with sessions() as session:
        stmt = select(OutboxEntry).order_by(OutboxEntry.id)
        if kinds:
            stmt = stmt.where(OutboxEntry.kind.in_(kinds))
        return list((await session.scalars(stmt)).all())


async def collaborations(sessions: Sessions, channel: str = CHANNEL) -> list[Collaboration]:
    async with sessions() as session:
        stmt = select(Collaboration).where(Collaboration.channel_id == channel).order_by(Collaboration.id)
        return list((await session.scalars(stmt)).all())


async def active(sessions: Sessions, channel: str = CHANNEL) -> Collaboration:
    (c,) = [c for c in await collaborations(sessions, channel) if c.status is CollaborationStatus.ACTIVE]
    return c


async def people(sessions: Sessions, c: Collaboration) -> dict[str, tuple[str, str]]:
    async with sessions() as session:
        return {p.user_id: (p.side.value, p.role.value) for p in await participants_of(session, c.id)}


async def requests(sessions: Sessions, c: Collaboration) -> list[DocumentRequest]:
    async with sessions() as session:
        stmt = select(DocumentRequest).where(DocumentRequest.collaboration_id == c.id)
        return list((await session.scalars(stmt.order_by(DocumentRequest.number))).all())


async def claims(sessions: Sessions) -> list[ScheduleClaim]:
    async with sessions() as session:
        return list((await session.scalars(select(ScheduleClaim).order_by(ScheduleClaim.key))).all())


async def file(sessions: Sessions, actor: Actor, c: Collaboration, *requests: NewRequest, now: datetime) -> list[int]:
    async with sessions.begin() as session:
        filed = await file_requests(session, actor=actor, collaboration_id=c.id, requests=list(requests), now=now)
    return [r.id for r in filed]


async def send(sessions: Sessions, actor: Actor, c: Collaboration, message: str, *, now: datetime) -> None:
    async with sessions.begin() as session:
        await pass_turn(session, actor=actor, collaboration_id=c.id, message=message, now=now)


async def schedule(sessions: Sessions, c: Collaboration, *, by: Actor = ALEX, **fields: Any) -> None:
    async with sessions.begin() as session:
        await set_schedule(session, actor=by, account_id=c.account_id, now=NOV_5, **fields)


def lanes(items: Sequence[OutboxEntry]) -> list[str]:
    return [e.lane for e in items]
