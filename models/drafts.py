"""Drafts: what a side does through Baton during its turn, seen only by that side until it sends the update.

A feature (documents, requests) stores its work as drafts of its own `kind` and registers a publisher
for that kind. Passing the turn publishes the side's drafts in the order they were made: each
publisher appends the events and records the outbox rows its kind needs and returns one summary line
for the turn ("Uploaded statement-2026-11.pdf"); the draft is then deleted. Drafts never enter the
event chain themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_type
from models.collaborations import Collaboration
from models.sides import Actor, Side

__all__ = [
    "Draft",
    "PublishContext",
    "Publisher",
    "add_draft",
    "count_drafts",
    "drafts_of",
    "publish_drafts",
    "register_publisher",
]


class Draft(Base):
    """One unsent piece of a side's turn; `data` is the feature's own, read by its publisher."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_collaboration_side", "collaboration_id", "side", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("collaborations.id"))
    side: Mapped[Side] = mapped_column(enum_type(Side))
    turn_number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


@dataclass(frozen=True)
class PublishContext:
    """What a publisher knows about the pass that publishes its draft."""

    collaboration: Collaboration
    actor: Actor  # the leader sending the update
    turn_number: int  # the turn being passed
    now: datetime


Publisher = Callable[[AsyncSession, Draft, PublishContext], Awaitable[str]]

_publishers: dict[str, Publisher] = {}


def register_publisher(kind: str, publisher: Publisher) -> None:
    """Declare what publishing a draft of `kind` does. Registering the same function again is a no-op."""
    known = _publishers.get(kind)
    if known is not None and known is not publisher:
        raise ValueError(f"a different publisher is already registered for draft kind {kind!r}")
    _publishers[kind] = publisher


async def add_draft(
    session: AsyncSession,
    *,
    collaboration: Collaboration,
    side: Side,
    kind: str,
    data: dict[str, Any],
    created_by: str,
    now: datetime,
) -> Draft:
    """Store a draft for `side` in the collaboration's current turn.

    This is the mechanism only: the caller has checked that the actor may work now
    (`permissions.require(Action.WORK, …)`, as `flows.work.stage_draft` does).
    """
    if kind not in _publishers:
        raise LookupError(f"no publisher is registered for draft kind {kind!r}")
    draft = Draft(
        collaboration_id=collaboration.id,
        side=side,
        turn_number=collaboration.turn_number,
        kind=kind,
        data=data,
        created_by=created_by,
        created_at=now,
    )
    session.add(draft)
    await session.flush()
    return draft


async def drafts_of(session: AsyncSession, collaboration_id: int, side: Side) -> Sequence[Draft]:
    """The side's drafts, in the order they were made."""
    return (
        await session.scalars(
            select(Draft).where(Draft.collaboration_id == collaboration_id, Draft.side == side).order_by(Draft.id)
        )
    ).all()


async def count_drafts(session: AsyncSession, collaboration_id: int, side: Side) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Draft)
            .where(Draft.collaboration_id == collaboration_id, Draft.side == side)
        )
    ) or 0


async def publish_drafts(
    session: AsyncSession,
    *,
    collaboration: Collaboration,
    side: Side,
    turn_number: int,
    actor: Actor,
    now: datetime,
) -> list[str]:
    """Publish the side's drafts in order and delete them; returns their summary lines, in order.

    Runs inside the pass's transaction, after the collaboration row was taken: if anything fails, the
    pass and every publication roll back together.
    """
    context = PublishContext(collaboration=collaboration, actor=actor, turn_number=turn_number, now=now)
    lines: list[str] = []
    for draft in await drafts_of(session, collaboration.id, side):
        publisher = _publishers.get(draft.kind)
        if publisher is None:
            raise LookupError(f"no publisher is registered for draft kind {draft.kind!r}")
        lines.append(await publisher(session, draft, context))
        await session.delete(draft)
    await session.flush()
    return lines
