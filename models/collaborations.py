"""Accounts, collaborations, participants and turns: the tables, and the lookups every use case needs."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, and_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_type
from models.errors import NotFound
from models.sides import Role, Side

__all__ = [
    "Account",
    "Collaboration",
    "CollaborationStatus",
    "InviteStatus",
    "Participant",
    "Turn",
    "TurnEnd",
    "active_collaborations",
    "active_in_channel",
    "current_turns",
    "get_collaboration",
    "latest_in_channel",
    "lock_collaboration",
    "participants_of",
    "record_card",
    "turn_of",
]


class CollaborationStatus(enum.StrEnum):
    ACTIVE = "active"
    WRAPPED_UP = "wrapped_up"  # both sides signed off; a reopen makes it active again
    ROLLED_OVER = "rolled_over"  # the next period opened while it was active; final


class InviteStatus(enum.StrEnum):
    """The Slack Connect invitation of the guest's contact, when the channel was not shared yet."""

    NONE = "none"
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class TurnEnd(enum.StrEnum):
    PASSED = "passed"  # with an update message
    SKIPPED = "skipped"  # nothing to send
    SIGNED_OFF = "signed_off"  # the side signed off, which ends its turn


class Account(Base):
    """The relationship with one retailer, tied to the Slack Connect channel its collaborations live in."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    customer_number: Mapped[str | None] = mapped_column(String(64), default=None)
    channel_id: Mapped[str] = mapped_column(String(32), unique=True)
    guest_team_key: Mapped[str | None] = mapped_column(String(32), default=None)
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Collaboration(Base):
    """One period's back-and-forth in a channel: whose turn it is, who signed off, how it ended."""

    __tablename__ = "collaborations"
    __table_args__ = (
        Index("ix_collaborations_channel_status", "channel_id", "status"),
        # A channel hosts successive collaborations but at most one active one. The use cases refuse a
        # second one with a clear message first; this index settles a race between two of them.
        Index(
            "uq_collaborations_one_active_per_channel",
            "channel_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    period: Mapped[str | None] = mapped_column(String(7), default=None)  # "YYYY-MM", the month covered
    status: Mapped[CollaborationStatus] = mapped_column(
        enum_type(CollaborationStatus), default=CollaborationStatus.ACTIVE
    )
    turn_number: Mapped[int] = mapped_column(default=1)
    holding_side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.HOST)
    due_date: Mapped[date | None] = mapped_column(default=None)
    card_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    # Organisation names as Slack's team.info gives them, so messages name sides without Slack calls.
    host_name: Mapped[str] = mapped_column(String(200))
    guest_name: Mapped[str] = mapped_column(String(200))
    host_team_key: Mapped[str] = mapped_column(String(32))
    guest_team_key: Mapped[str | None] = mapped_column(String(32), default=None)  # None until the guest joins
    guest_contact_user_id: Mapped[str | None] = mapped_column(String(32), default=None)
    guest_contact_email: Mapped[str | None] = mapped_column(String(320), default=None)
    invite_status: Mapped[InviteStatus] = mapped_column(enum_type(InviteStatus), default=InviteStatus.NONE)
    host_signed_off_by: Mapped[str | None] = mapped_column(String(32), default=None)
    guest_signed_off_by: Mapped[str | None] = mapped_column(String(32), default=None)
    rolled_into_id: Mapped[int | None] = mapped_column(ForeignKey("collaborations.id"), default=None)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    wrapped_up_at: Mapped[datetime | None] = mapped_column(default=None)

    def org_name(self, side: Side) -> str:
        """The organisation on `side`, by name."""
        return self.host_name if side is Side.HOST else self.guest_name

    def team_key(self, side: Side) -> str | None:
        return self.host_team_key if side is Side.HOST else self.guest_team_key

    def side_of_team(self, team_key: str) -> Side | None:
        """The side of an organisation; None for a third organisation (or the guest, while not known yet)."""
        if team_key == self.host_team_key:
            return Side.HOST
        if self.guest_team_key is not None and team_key == self.guest_team_key:
            return Side.GUEST
        return None

    def signed_off_by(self, side: Side) -> str | None:
        return self.host_signed_off_by if side is Side.HOST else self.guest_signed_off_by

    def set_signed_off_by(self, side: Side, user_id: str | None) -> None:
        if side is Side.HOST:
            self.host_signed_off_by = user_id
        else:
            self.guest_signed_off_by = user_id


class Participant(Base):
    """A person in a collaboration: their side and role. Removed people stay, inactive, for the record."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("collaboration_id", "user_id", name="uq_participants_collaboration_user"),
        Index("ix_participants_user", "user_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("collaborations.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    side: Mapped[Side] = mapped_column(enum_type(Side))
    team_key: Mapped[str] = mapped_column(String(32))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    active: Mapped[bool] = mapped_column(default=True)
    added_by: Mapped[str | None] = mapped_column(String(32), default=None)  # None: joined the channel
    joined_at: Mapped[datetime]


class Turn(Base):
    """One turn: the side that held it and, once ended, who ended it, how, and what it published."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("collaboration_id", "number", name="uq_turns_collaboration_number"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("collaborations.id"))
    number: Mapped[int]
    side: Mapped[Side] = mapped_column(enum_type(Side))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_by: Mapped[str | None] = mapped_column(String(32), default=None)
    end_kind: Mapped[TurnEnd | None] = mapped_column(enum_type(TurnEnd), default=None)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    # One line per draft published when the turn was passed, in order ("Uploaded statement.pdf").
    summary: Mapped[list[str]] = mapped_column(JSON, default=list)


async def get_collaboration(session: AsyncSession, collaboration_id: int) -> Collaboration:
    """The collaboration, or NotFound."""
    collaboration = await session.get(Collaboration, collaboration_id)
    if collaboration is None:
        raise NotFound("That collaboration doesn't exist (any more).")
    return collaboration


async def lock_collaboration(session: AsyncSession, collaboration_id: int) -> Collaboration:
    """The collaboration, freshly read and locked for the rest of the transaction (or NotFound).

    Every change to a collaboration's record starts here, so changes to one collaboration (and the
    appends to its event chain) queue one behind the other: on Postgres by the row lock, on SQLite
    because BEGIN IMMEDIATE already serialises writers.
    """
    collaboration = await session.scalar(
        select(Collaboration)
        .where(Collaboration.id == collaboration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if collaboration is None:
        raise NotFound("That collaboration doesn't exist (any more).")
    return collaboration


async def active_in_channel(session: AsyncSession, channel_id: str, *, lock: bool = False) -> Collaboration | None:
    """The channel's active collaboration, if it has one."""
    stmt = select(Collaboration).where(
        Collaboration.channel_id == channel_id, Collaboration.status == CollaborationStatus.ACTIVE
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def active_collaborations(session: AsyncSession) -> Sequence[Collaboration]:
    """Every channel's active collaboration."""
    return (
        await session.scalars(select(Collaboration).where(Collaboration.status == CollaborationStatus.ACTIVE))
    ).all()


async def current_turns(session: AsyncSession) -> Sequence[Turn]:
    """The turn each active collaboration is on (`turn_of` its `turn_number`), for all of them at once."""
    return (
        await session.scalars(
            select(Turn)
            .join(
                Collaboration, and_(Collaboration.id == Turn.collaboration_id, Collaboration.turn_number == Turn.number)
            )
            .where(Collaboration.status == CollaborationStatus.ACTIVE)
        )
    ).all()


async def latest_in_channel(session: AsyncSession, channel_id: str) -> Collaboration | None:
    """The channel's newest collaboration, whatever its status (for `/turn status` after a wrap-up)."""
    return await session.scalar(
        select(Collaboration).where(Collaboration.channel_id == channel_id).order_by(Collaboration.id.desc()).limit(1)
    )


async def participants_of(
    session: AsyncSession, collaboration_id: int, *, include_inactive: bool = False
) -> Sequence[Participant]:
    """The collaboration's participants, in the order they joined."""
    stmt = select(Participant).where(Participant.collaboration_id == collaboration_id)
    if not include_inactive:
        stmt = stmt.where(Participant.active.is_(True))
    return (await session.scalars(stmt.order_by(Participant.id))).all()


async def turn_of(session: AsyncSession, collaboration_id: int, number: int) -> Turn | None:
    return await session.scalar(select(Turn).where(Turn.collaboration_id == collaboration_id, Turn.number == number))


async def record_card(session: AsyncSession, collaboration_id: int, ts: str) -> None:
    """Remember the `ts` of the collaboration's card message, once Slack delivery has posted it."""
    collaboration = await get_collaboration(session, collaboration_id)
    collaboration.card_ts = ts
    await session.flush()
