"""The channel's conversation in the record: messages, thread replies, edits and deletions, and gaps.

Everything people of both organisations write in the channel is chat (free for everyone, whatever
the turn) and part of the month's record, from the collaboration's start until the next one opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import Collaboration, CollaborationStatus, Participant, latest_in_channel
from models.history import Event, append_event, is_redacted, redact_event_content
from models.sides import Side

__all__ = [
    "MessageKind",
    "record_deletion",
    "record_edit",
    "record_gap",
    "record_message",
]


class MessageKind:
    POSTED = "message_posted"
    EDITED = "message_edited"
    DELETED = "message_deleted"
    GAP = "history_gap"


async def _side_of(session: AsyncSession, c: Collaboration, user_id: str, team_key: str | None) -> Side | None:
    person = await session.scalar(
        select(Participant).where(Participant.collaboration_id == c.id, Participant.user_id == user_id)
    )
    if person is not None:
        return person.side
    if team_key is not None and team_key == c.host_team_key:
        return Side.HOST
    if team_key is not None and team_key == c.guest_team_key:
        return Side.GUEST
    return None


async def _recording(session: AsyncSession, channel_id: str) -> Collaboration | None:
    """The collaboration a channel's messages belong to: the newest one (a wrapped-up one keeps
    recording until the next period opens)."""
    c = await latest_in_channel(session, channel_id)
    if c is None or c.status is CollaborationStatus.ROLLED_OVER:
        return None
    return c


async def record_message(
    session: AsyncSession,
    *,
    channel_id: str,
    user_id: str,
    team_key: str | None,
    text: str,
    ts: str,
    thread_ts: str | None,
    files: Sequence[dict[str, Any]] = (),
    now: datetime,
) -> Event | None:
    """Record a message or thread reply (text already as plain text with kept mentions)."""
    c = await _recording(session, channel_id)
    if c is None:
        return None
    data: dict[str, Any] = {
        "user": user_id,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts if thread_ts != ts else None,
    }
    if files:
        data["files"] = [{"id": f.get("id"), "name": f.get("name")} for f in files]
    return await append_event(
        session,
        c.id,
        MessageKind.POSTED,
        actor=user_id,
        side=await _side_of(session, c, user_id, team_key),
        data=data,
        at=now,
    )


async def _events_for_ts(session: AsyncSession, collaboration_id: int, ts: str) -> list[Event]:
    rows = await session.scalars(
        select(Event).where(
            Event.collaboration_id == collaboration_id,
            Event.kind.in_((MessageKind.POSTED, MessageKind.EDITED)),
            Event.data["ts"].as_string() == ts,
        )
    )
    return list(rows)


async def record_edit(
    session: AsyncSession,
    *,
    channel_id: str,
    user_id: str,
    team_key: str | None,
    ts: str,
    text: str,
    previous_text: str,
    now: datetime,
) -> Event | None:
    """Record an edit, keeping the previous text (a deleted message's edits are not revived)."""
    c = await _recording(session, channel_id)
    if c is None:
        return None
    return await append_event(
        session,
        c.id,
        MessageKind.EDITED,
        actor=user_id,
        side=await _side_of(session, c, user_id, team_key),
        data={"ts": ts, "text": text, "previous_text": previous_text},
        at=now,
    )


async def record_deletion(
    session: AsyncSession, *, channel_id: str, user_id: str | None, ts: str, now: datetime
) -> Event | None:
    """Record that a message was deleted and remove its text (and its edits') from the record.

    People delete pasted bank details for a reason: the text goes, the fact and the content hash stay,
    and the chain still verifies.
    """
    c = await _recording(session, channel_id)
    if c is None:
        return None
    for event in await _events_for_ts(session, c.id, ts):
        if not is_redacted(event.data):
            await redact_event_content(session, event)
    side = await _side_of(session, c, user_id, None) if user_id else None
    return await append_event(session, c.id, MessageKind.DELETED, actor=user_id, side=side, data={"ts": ts}, at=now)


async def record_gap(session: AsyncSession, *, since: datetime, until: datetime, now: datetime) -> int:
    """Mark time when Baton was not running in every collaboration that was recording; return how many."""
    latest_per_channel: dict[str, Collaboration] = {}
    for c in await session.scalars(
        select(Collaboration).where(Collaboration.status != CollaborationStatus.ROLLED_OVER).order_by(Collaboration.id)
    ):
        latest_per_channel[c.channel_id] = c
    for c in latest_per_channel.values():
        await append_event(
            session,
            c.id,
            MessageKind.GAP,
            actor=None,
            side=None,
            data={"from": since.isoformat(), "to": until.isoformat()},
            at=now,
        )
    return len(latest_per_channel)
