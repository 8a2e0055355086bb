"""When Baton was last running, so that time it was not can be recorded as a gap in the history."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

__all__ = ["Heartbeat", "beat", "last_beat"]


class Heartbeat(Base):
    """One row per running process (replicas each keep their own); `seen_at` moves while it runs."""

    __tablename__ = "heartbeats"

    process: Mapped[str] = mapped_column(String(128), primary_key=True)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]


async def beat(session: AsyncSession, *, process: str, now: datetime) -> None:
    """Record that `process` is alive now."""
    row = await session.get(Heartbeat, process)
    if row is None:
        session.add(Heartbeat(process=process, started_at=now, seen_at=now))
    else:
        row.seen_at = now


async def last_beat(session: AsyncSession, *, excluding: str | None = None) -> datetime | None:
    """The last moment any process (other than `excluding`) was known to be running."""
    stmt = select(Heartbeat.seen_at).order_by(Heartbeat.seen_at.desc()).limit(1)
    if excluding is not None:
        stmt = stmt.where(Heartbeat.process != excluding)
    return await session.scalar(stmt)


GAP_THRESHOLD = timedelta(minutes=2)
