"""Telling the host leaders when Slack refuses an outbox entry for good (archived channel, Baton removed)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import participants_of
from models.notices import dm_lane
from models.outbox import OutboxEntry, OutboxKind, enqueue
from models.permissions import leaders_of
from models.sides import Side

__all__ = ["report_set_aside"]


async def report_set_aside(session: AsyncSession, *, entry_id: int) -> int:
    """Queue a direct message about entry `entry_id` to each host leader; return how many.

    Only the host side hears of it: it is Baton's operator, and the problem may be the shared channel
    itself. The report carries no collaboration id, so a report that fails in turn is not reported again.
    """
    entry = await session.get(OutboxEntry, entry_id)
    if entry is None or entry.collaboration_id is None:
        return 0
    leaders = leaders_of(await participants_of(session, entry.collaboration_id), Side.HOST)
    queued = 0
    for leader in leaders:
        queued += (
            await enqueue(
                session,
                kind=OutboxKind.DELIVERY_PROBLEM,
                lane=dm_lane(leader.user_id),
                payload={"user_id": leader.user_id, "entry_id": entry_id},
                dedupe_key=f"set-aside:{entry_id}:{leader.user_id}",
            )
            is not None
        )
    return queued
