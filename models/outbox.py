"""The outbox: what must be shown in Slack, recorded in the same transaction as the change it follows."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_type, utcnow

__all__ = ["OutboxEntry", "OutboxKind", "OutboxStatus", "enqueue", "enqueue_once", "note_progress", "queued_again"]


class OutboxKind(enum.StrEnum):
    """What an entry asks for; each kind has one deliverer in bot/deliveries.py."""

    POST_MESSAGE = "post_message"  # payload: channel, text, blocks?, thread_ts?
    DIRECT_MESSAGE = "direct_message"  # payload: user, text, blocks?
    # Recorded by the use cases in models/flows (see models/notices.py); lane: the channel unless noted.
    CARD_REFRESH = "card_refresh"  # payload: collaboration_id — post and pin the card, or chat.update it
    TURN_UPDATE = "turn_update"  # payload: collaboration_id, turn — post how that turn ended, mentioning
    #                              the side now holding the turn (dedupe: one per turn)
    READ_IN = "read_in"  # payload: collaboration_id, user_id — ephemeral "where things stand" for a newcomer
    HOME_REFRESH = "home_refresh"  # payload: user_id — republish the person's Home tab; lane "dm:<user>"
    INVITE_GUEST = "invite_guest"  # payload: collaboration_id, email — conversations.inviteShared
    CHANNEL_INVITE = "channel_invite"  # payload: collaboration_id, user_ids — conversations.invite
    POST_ARCHIVE = "post_archive"  # payload: collaboration_id, up_to_seq, head_hash — share the archive
    DELIVERY_PROBLEM = "delivery_problem"  # payload: user_id, entry_id — tell a host leader what Slack
    #                                        refused for good; lane "dm:<user>"
    REQUEST_CARD = "request_card"  # payload: collaboration_id, request_id — post the request's own
    #                                top-level card (then record its ts: use_cases.record_request_card),
    #                                or chat.update it
    PUBLISH_FILES = "publish_files"  # payload: collaboration_id, turn — upload the document versions the
    #                                  turn published (use_cases.files_to_publish) into the channel with the
    #                                  update, then record each file id (use_cases.record_shared_file);
    #                                  dedupe: one per turn
    # Recorded by the scheduler (models/flows/reminders.py); delivered by bot/scheduled_deliveries.py.
    STATEMENT_DUE = "statement_due"  # payload: user_id, account_id, period, collaboration_id?, opened,
    #                                  skipped (periods) — DM a host person that the statement is due;
    #                                  lane "dm:<user>"; dedupe: statement-due:<account>:<period>:<user>
    REQUEST_REMINDER = "request_reminder"  # payload: request_id, collaboration_id, reminder_key, stage,
    #                                        days, and user_id (a DM, lane "dm:<user>") or channel_id and
    #                                        mentions (a channel post, lane: the channel)
    REQUEST_ESCALATION = "request_escalation"  # payload: user_id, request_id, collaboration_id, days —
    #                                            DM a host leader about a long-overdue request
    TURN_NUDGE = "turn_nudge"  # payload: collaboration_id, turn, side, days, reminder_key, and user_id
    #                            (DM) or channel_id and mentions (channel post)
    CARD_UNPIN = "card_unpin"  # payload: collaboration_id — unpin a rolled-over collaboration's card
    # Microsoft 365 (models/flows/sharepoint.py); delivered by bot/sharepoint.py, only when it is configured.
    STATEMENT_PICKUP = "statement_pickup"  # payload: user_id, statement_file_id — DM a host leader that a
    #                                        statement from SharePoint is staged (or why it was not);
    #                                        lane "dm:<user>"; dedupe: statement-file:<file>:<user>
    FILE_ARCHIVE = "file_archive"  # payload: collaboration_id, up_to_seq, path, name, title, channel — upload
    #                                the archive zip shared in the channel into the account's SharePoint
    #                                archive folder, record its link, delete the local zip; lane
    #                                "sharepoint:<channel>"; dedupe: file-archive:<collaboration>:<seq>


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    SET_ASIDE = "set_aside"  # a permanent Slack error; kept for the record and for an operator


class OutboxEntry(Base):
    """One thing to show in Slack. `kind` names the deliverer; it renders the current state when it runs."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_lane", "lane", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    # Entries of one lane (a Slack channel, or a person's DM) are delivered in order, one at a time.
    lane: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    collaboration_id: Mapped[int | None] = mapped_column(default=None)
    # Set when the same thing must never be shown twice (a scheduled reminder, an event's answer).
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(default=None)


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    lane: str,
    payload: dict[str, Any] | None = None,
    collaboration_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboxEntry | None:
    """Record something to show; with a `dedupe_key` already taken, record nothing and return None.

    Call it inside the transaction that makes the change, so the two commit or roll back together.
    """
    if dedupe_key is not None:
        taken = await session.scalar(select(OutboxEntry.id).where(OutboxEntry.dedupe_key == dedupe_key))
        if taken is not None:
            return None
    entry = OutboxEntry(
        kind=kind,
        lane=lane,
        payload=payload or {},
        collaboration_id=collaboration_id,
        dedupe_key=dedupe_key,
    )
    session.add(entry)
    await session.flush()
    return entry


async def enqueue_once(
    session: AsyncSession,
    *,
    kind: str,
    lane: str,
    dedupe_key: str,
    payload: dict[str, Any] | None = None,
    collaboration_id: int | None = None,
) -> OutboxEntry | None:
    """`enqueue` with its key claimed safely under concurrency: None when the key is taken.

    Two transactions may both find the key free and insert it; on Postgres the second waits on the
    unique index and then fails. The insert runs in a savepoint, so the loser gets None and its
    transaction goes on (as `slack_events.first_time` does).
    """
    try:
        async with session.begin_nested():
            return await enqueue(
                session,
                kind=kind,
                lane=lane,
                payload=payload,
                collaboration_id=collaboration_id,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return None


async def queued_again(session: AsyncSession, entry: OutboxEntry) -> bool:
    """Whether the same kind of entry is pending later in `entry`'s lane.

    For entries that render the current state when they run (a Home tab), the later one will show
    everything this one would: delivering both only spends Slack's rate limit.
    """
    later = await session.scalar(
        select(OutboxEntry.id)
        .where(
            OutboxEntry.lane == entry.lane,
            OutboxEntry.kind == entry.kind,
            OutboxEntry.status == OutboxStatus.PENDING,
            OutboxEntry.id > entry.id,
        )
        .limit(1)
    )
    return later is not None


async def note_progress(session: AsyncSession, entry_id: int, progress: dict[str, Any]) -> None:
    """Keep how far a delivery of several Slack calls got, so a retry resumes instead of starting over.

    Stored in `result`, which the worker replaces with the deliverer's answer once the entry is done.
    """
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == entry_id)
        .values(result=progress)
        .execution_options(synchronize_session=False)
    )
