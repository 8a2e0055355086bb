"""Read models for the card, `/turn status` and the Home tab: plain data, nothing to load lazily."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import (
    Account,
    Collaboration,
    CollaborationStatus,
    InviteStatus,
    Participant,
    Turn,
    TurnEnd,
    get_collaboration,
    participants_of,
    turn_of,
)
from models.drafts import count_drafts
from models.sides import Role, Side

__all__ = [
    "CollaborationView",
    "HomeItem",
    "HomeView",
    "PersonView",
    "TurnView",
    "collaboration_view",
    "home_view",
    "turn_view",
]


@dataclass(frozen=True)
class PersonView:
    user_id: str
    display_name: str
    side: Side
    role: Role


@dataclass(frozen=True)
class TurnView:
    """An ended turn: who ended it, how, with what message, and what it published."""

    number: int
    side: Side
    org_name: str
    ended_at: datetime
    ended_by: str
    ended_by_name: str
    end_kind: TurnEnd
    message: str | None
    summary: tuple[str, ...]


@dataclass(frozen=True)
class CollaborationView:
    """Everything the card shows. Only published things, except `drafts`: the viewer's side's own count."""

    id: int
    account_id: int
    account_name: str
    channel_id: str
    card_ts: str | None
    title: str
    note: str
    period: str | None
    status: CollaborationStatus
    turn_number: int
    holding_side: Side
    holder_name: str  # the holding organisation's name
    turn_started_at: datetime | None
    host_name: str
    guest_name: str
    due_date: date | None
    invite_status: InviteStatus
    guest_contact_email: str | None
    signed_off: dict[Side, PersonView]  # the sides that signed off, and who did
    participants: dict[Side, tuple[PersonView, ...]]  # active ones, leaders first
    last_update: TurnView | None  # the latest ended turn
    drafts: int | None  # the viewer's side's unsent drafts; None without a viewer side
    rolled_into_id: int | None
    created_by: str
    created_at: datetime
    wrapped_up_at: datetime | None

    def org_name(self, side: Side) -> str:
        return self.host_name if side is Side.HOST else self.guest_name

    def side_of(self, user_id: str) -> Side | None:
        """The side of an active participant; None for anyone else."""
        return next((side for side, people in self.participants.items() for p in people if p.user_id == user_id), None)


@dataclass(frozen=True)
class HomeItem:
    collaboration_id: int
    channel_id: str
    title: str
    period: str | None
    turn_number: int
    holder_name: str
    due_date: date | None
    turn_started_at: datetime | None
    role: Role  # the viewer's role in it


@dataclass(frozen=True)
class HomeView:
    """A host person's active collaborations, split by whose turn it is (most urgent first)."""

    your_turn: tuple[HomeItem, ...]
    waiting_on_them: tuple[HomeItem, ...]


_LATEST = datetime.max.replace(tzinfo=UTC)
_ROLE_ORDER = {Role.LEADER: 0, Role.CONTRIBUTOR: 1, Role.FOLLOWER: 2}


async def collaboration_view(
    session: AsyncSession, collaboration_id: int, viewer_side: Side | None = None
) -> CollaborationView:
    """What the card (and `/turn status`) shows; the drafts count only for `viewer_side`."""
    c = await get_collaboration(session, collaboration_id)
    account = await session.get(Account, c.account_id)
    people = await participants_of(session, c.id, include_inactive=True)
    by_id = {p.user_id: p for p in people}

    def view(user_id: str, side: Side) -> PersonView:
        p = by_id.get(user_id)
        return PersonView(user_id, p.display_name, p.side, p.role) if p else PersonView(user_id, "", side, Role.LEADER)

    active = sorted((p for p in people if p.active), key=lambda p: (_ROLE_ORDER[p.role], p.id))
    # The running turn and the one before it, in one query: the last ended turn is one of the two.
    latest = (
        await session.scalars(select(Turn).where(Turn.collaboration_id == c.id).order_by(Turn.number.desc()).limit(2))
    ).all()
    current = next((t for t in latest if t.number == c.turn_number), None)
    last = next((t for t in latest if t.ended_at is not None), None)
    return CollaborationView(
        id=c.id,
        account_id=c.account_id,
        account_name=account.name if account else c.guest_name,
        channel_id=c.channel_id,
        card_ts=c.card_ts,
        title=c.title,
        note=c.note,
        period=c.period,
        status=c.status,
        turn_number=c.turn_number,
        holding_side=c.holding_side,
        holder_name=c.org_name(c.holding_side),
        turn_started_at=current.started_at if current else None,
        host_name=c.host_name,
        guest_name=c.guest_name,
        due_date=c.due_date,
        invite_status=c.invite_status,
        guest_contact_email=c.guest_contact_email,
        signed_off={
            side: view(user_id, side)
            for side in (Side.HOST, Side.GUEST)
            if (user_id := c.signed_off_by(side)) is not None
        },
        participants={
            side: tuple(PersonView(p.user_id, p.display_name, p.side, p.role) for p in active if p.side is side)
            for side in (Side.HOST, Side.GUEST)
        },
        last_update=_turn_view(last, c, by_id) if last is not None else None,
        drafts=await count_drafts(session, c.id, viewer_side) if viewer_side is not None else None,
        rolled_into_id=c.rolled_into_id,
        created_by=c.created_by,
        created_at=c.created_at,
        wrapped_up_at=c.wrapped_up_at,
    )


async def turn_view(session: AsyncSession, collaboration_id: int, number: int) -> TurnView | None:
    """How turn `number` ended, or None while it is still running."""
    c = await get_collaboration(session, collaboration_id)
    turn = await turn_of(session, collaboration_id, number)
    if turn is None or turn.ended_at is None:
        return None
    people = await participants_of(session, collaboration_id, include_inactive=True)
    return _turn_view(turn, c, {p.user_id: p for p in people})


def _turn_view(turn: Turn, c: Collaboration, by_id: dict[str, Participant]) -> TurnView:
    assert turn.ended_at is not None and turn.end_kind is not None and turn.ended_by is not None
    ender = by_id.get(turn.ended_by)
    return TurnView(
        number=turn.number,
        side=turn.side,
        org_name=c.org_name(turn.side),
        ended_at=turn.ended_at,
        ended_by=turn.ended_by,
        ended_by_name=ender.display_name if ender else "",
        end_kind=turn.end_kind,
        message=turn.message,
        summary=tuple(turn.summary),
    )


async def home_view(session: AsyncSession, user_id: str) -> HomeView:
    """The Home tab of a host person: their active collaborations, theirs to act on first."""
    rows = (
        await session.execute(
            select(Collaboration, Participant.role, Turn.started_at)
            .join(
                Participant,
                and_(
                    Participant.collaboration_id == Collaboration.id,
                    Participant.user_id == user_id,
                    Participant.active.is_(True),
                    Participant.side == Side.HOST,
                ),
            )
            .outerjoin(
                Turn,
                and_(Turn.collaboration_id == Collaboration.id, Turn.number == Collaboration.turn_number),
            )
            .where(Collaboration.status == CollaborationStatus.ACTIVE)
        )
    ).all()
    items = [
        (
            c.holding_side,
            HomeItem(
                collaboration_id=c.id,
                channel_id=c.channel_id,
                title=c.title,
                period=c.period,
                turn_number=c.turn_number,
                holder_name=c.org_name(c.holding_side),
                due_date=c.due_date,
                turn_started_at=started_at,
                role=role,
            ),
        )
        for c, role, started_at in rows
    ]
    # Due first (no due date last), then the longest waiting.
    items.sort(key=lambda i: (i[1].due_date or date.max, i[1].turn_started_at or _LATEST))
    return HomeView(
        your_turn=tuple(item for side, item in items if side is Side.HOST),
        waiting_on_them=tuple(item for side, item in items if side is Side.GUEST),
    )
