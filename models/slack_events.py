"""Slack events already handled, so a retried or duplicated delivery changes nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

__all__ = ["SeenEvent", "first_time"]


class SeenEvent(Base):
    """One handled Slack event (`event_id`), or another once-only key such as a message's channel and ts."""

    __tablename__ = "seen_events"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime]


async def first_time(session: AsyncSession, key: str, *, now: datetime) -> bool:
    """Claim `key` in the caller's transaction: True the first time, False for a retry or duplicate.

    Concurrent deliveries of the same event race on the primary key; the loser gets False and its
    transaction goes on (the insert runs in a savepoint).
    """
    if await session.get(SeenEvent, key) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(SeenEvent(key=key, seen_at=now))
    except IntegrityError:
        return False
    return True
