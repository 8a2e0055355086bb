"""Opening a period's collaboration on schedule, rolling the previous one over, carrying what is open.

DESIGN §2: a channel hosts one active collaboration at a time. When the next period opens while the
previous collaboration is still active, the previous one is *rolled over*: status `rolled_over`,
`rolled_into_id` set, its open requests (not accepted or cancelled) and every draft move into the new
one, its card is refreshed (it says so), unpinned, and its archive is posted. Requests keep their
history and their number, qualified by where they were first filed ("#2026-11/2"). A wrapped-up
previous collaboration keeps its status; its open requests carry over all the same ("open disputes
carry over, as they do on a real statement").

Both chains record the move: `rolled_over` (or `carried_over` from a wrapped-up one) in the old
chain, `collaboration_started` (naming where it came from) and `carried_over` in the new one.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import notices
from models.collaborations import (
    Account,
    Collaboration,
    CollaborationStatus,
    InviteStatus,
    Participant,
    Turn,
    lock_collaboration,
    participants_of,
)
from models.documents import Document, DocumentVersion
from models.drafts import Draft
from models.errors import Conflict, NotFound
from models.flows._context import participant_added_data
from models.flows.documents import UPLOAD_DRAFT
from models.flows.requests import TRANSITION_DRAFT, request_card
from models.history import Event, EventKind, NewEvent, append_event, append_events
from models.outbox import OutboxKind, enqueue
from models.permissions import leaders_of
from models.requests import FINAL, DocumentRequest
from models.schedules import AccountPerson
from models.sides import Role, Side

__all__ = [
    "Carried",
    "Opened",
    "RolloverEvent",
    "Superseded",
    "carry_over",
    "collaborations_of",
    "open_period",
    "statement_title",
]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Superseded(Conflict):
    """A collaboration for a later period exists in the channel: an earlier period is not opened after it."""


class RolloverEvent(enum.StrEnum):
    """The event-chain kinds of this module."""

    ROLLED_OVER = "rolled_over"  # old chain: the next period opened while this one was active
    CARRIED_OVER = "carried_over"  # both chains: requests and drafts moved from one to the other


@dataclass(frozen=True)
class Carried:
    """What moved from one collaboration to another."""

    requests: tuple[str, ...] = ()  # the requests' labels in their new home ("#2026-11/2")
    drafts: int = 0
    source_event: Event | None = None  # what was appended to the source's chain (its head now), if anything


@dataclass(frozen=True)
class Opened:
    """The period's collaboration, and what opening it did."""

    collaboration: Collaboration
    opened: bool  # False: it had been started by hand, and was used as it is
    rolled_over: Collaboration | None = None  # the previous collaboration, rolled over
    carried_from: Collaboration | None = None  # where open requests and drafts came from
    carried: Carried = field(default_factory=Carried)
    people: tuple[Participant, ...] = ()  # when Baton opened it: the people it was opened with, in order


def statement_title(account_name: str, period: str) -> str:
    """ "Retail Co — November 2026 statement"."""
    year, month = period.split("-")
    return f"{account_name} — {_MONTHS[int(month) - 1]} {year} statement"


async def collaborations_of(session: AsyncSession, channel_id: str) -> Sequence[Collaboration]:
    """The channel's collaborations, oldest first."""
    return (
        await session.scalars(
            select(Collaboration).where(Collaboration.channel_id == channel_id).order_by(Collaboration.id)
        )
    ).all()


async def open_period(
    session: AsyncSession,
    *,
    account_id: int,
    period: str,
    now: datetime,
    channel: Sequence[Collaboration] | None = None,
) -> Opened:
    """Open the account's collaboration for `period` in its channel, or use the one started by hand.

    Baton opens it (the event's actor is None): its title names the account and the period, the host
    holds Turn 1, the previous collaboration's active people keep their sides and roles, and the
    account's default people are added with theirs. The previous collaboration, when still active,
    is rolled over; its open requests and drafts (or a wrapped-up one's open requests) move in.

    The caller has claimed the period (models.flows.reminders.claim), so two runs never both open it.
    `channel`: the channel's collaborations (`collaborations_of`), when the caller has read them in
    this transaction already, so they are not read twice.
    """
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("That account doesn't exist (any more).")
    existing = list(channel if channel is not None else await collaborations_of(session, account.channel_id))
    mine = next((c for c in reversed(existing) if c.period == period), None)
    if mine is not None:
        # Started by hand: use it. Open requests left in a wrapped-up predecessor still carry over.
        previous = _predecessor(existing, mine)
        if (
            mine.status is CollaborationStatus.ACTIVE
            and previous is not None
            and previous.status is CollaborationStatus.WRAPPED_UP
        ):
            carried = await carry_over(session, previous, mine, now=now)
            if carried.requests or carried.drafts:
                await notices.refresh_card(session, mine)
                return Opened(mine, opened=False, carried_from=previous, carried=carried)
        return Opened(mine, opened=False)
    if not existing:
        raise NotFound("The account has no collaboration to take its people from.")
    later = next((c for c in existing if c.period is not None and c.period > period), None)
    if later is not None:
        raise Superseded(f"“{later.title}” covers a later period than {period}; nothing was opened.")

    previous = existing[-1]
    active = next((c for c in existing if c.status is CollaborationStatus.ACTIVE), None)
    if active is not None:
        previous = await lock_collaboration(session, active.id)
    old_people = await participants_of(session, previous.id)

    rolled: Collaboration | None = None
    if previous.status is CollaborationStatus.ACTIVE:
        # First out of the way: the partial unique index allows one active collaboration per channel.
        result = await session.execute(
            update(Collaboration)
            .where(Collaboration.id == previous.id, Collaboration.status == CollaborationStatus.ACTIVE)
            .values(status=CollaborationStatus.ROLLED_OVER)
            .execution_options(synchronize_session="fetch")
        )
        if cast(CursorResult[Any], result).rowcount != 1:
            raise Conflict(f"“{previous.title}” changed while the next period was opening.")
        rolled = previous

    creator = next(iter(leaders_of(old_people, Side.HOST)), None)
    c = Collaboration(
        account_id=account.id,
        channel_id=account.channel_id,
        title=statement_title(account.name, period)[:200],
        note="",
        period=period,
        host_name=previous.host_name,
        guest_name=previous.guest_name or account.name,
        host_team_key=previous.host_team_key,
        guest_team_key=previous.guest_team_key or account.guest_team_key,
        guest_contact_user_id=previous.guest_contact_user_id,
        guest_contact_email=previous.guest_contact_email,
        invite_status=previous.invite_status if previous.invite_status is InviteStatus.PENDING else InviteStatus.NONE,
        created_by=creator.user_id if creator is not None else previous.created_by,
        created_at=now,
    )
    session.add(c)
    await session.flush()
    if rolled is not None:
        rolled.rolled_into_id = c.id

    people = _people(c, old_people, await _defaults(session, account.id), now)
    session.add_all(people)
    session.add(Turn(collaboration_id=c.id, number=1, side=Side.HOST, started_at=now))
    await session.flush()

    started = {
        "title": c.title,
        "period": period,
        "note": "",
        "due_date": None,
        "account": account.name,
        "channel_id": c.channel_id,
        "host_name": c.host_name,
        "guest_name": c.guest_name,
        "turn": 1,
        "holding_side": Side.HOST.value,
        "opened_by": "schedule",
        "previous_collaboration_id": previous.id,
    }
    await append_events(
        session,
        c.id,
        [
            NewEvent(EventKind.COLLABORATION_STARTED, None, Side.HOST, started),
            *(
                NewEvent(EventKind.PARTICIPANT_ADDED, None, p.side, participant_added_data(p, how="carried_over"))
                for p in people
            ),
        ],
        at=now,
        first=True,  # `c` was inserted above
    )

    carried = Carried()
    if rolled is not None or previous.status is CollaborationStatus.WRAPPED_UP:
        carried = await carry_over(session, previous, c, now=now, rolled_over=rolled is not None)

    if rolled is not None:
        last = carried.source_event
        assert last is not None  # carry_over appended `rolled_over`: the head of the rolled-over chain
        await notices.refresh_card(session, rolled)
        await enqueue(
            session,
            kind=OutboxKind.CARD_UNPIN,
            lane=rolled.channel_id,
            payload={"collaboration_id": rolled.id},
            collaboration_id=rolled.id,
            dedupe_key=f"card-unpin:{rolled.id}",
        )
        await notices.post_archive(session, rolled, up_to_seq=last.seq, head_hash=last.hash)
    await notices.refresh_card(session, c)
    staying = {p.user_id for p in people}
    await notices.refresh_homes(session, c, [*people, *(p for p in old_people if p.user_id not in staying)])
    return Opened(c, opened=True, rolled_over=rolled, carried_from=previous, carried=carried, people=tuple(people))


async def carry_over(
    session: AsyncSession,
    source: Collaboration,
    target: Collaboration,
    *,
    now: datetime,
    rolled_over: bool = False,
) -> Carried:
    """Move the source's open requests and its drafts into the target, keeping numbers and origins.

    A request keeps its row (its history, fulfilments and card stay with it); in the target it gets
    the next number, and its origin — where and with which number it was first filed — is kept, so
    it reads "#2026-11/2" wherever it goes next. Drafts stay drafts of their side; the staged document
    versions they publish move with them. Appends `rolled_over` (when `rolled_over`) or `carried_over`
    to the source's chain, and `carried_over` to the target's, when anything moved or it rolled over.
    """
    requests = (
        await session.scalars(
            select(DocumentRequest)
            .where(DocumentRequest.collaboration_id == source.id, DocumentRequest.status.not_in(FINAL))
            .order_by(DocumentRequest.number)
            .execution_options(populate_existing=True)
        )
    ).all()
    number = 0
    if requests:  # the target's numbering is only needed for something to number
        top = await session.scalar(
            select(func.max(DocumentRequest.number)).where(DocumentRequest.collaboration_id == target.id)
        )
        number = top or 0
    moved: list[dict[str, Any]] = []
    for request in requests:
        number += 1
        before = request.label
        if request.origin_number is None:
            request.origin_collaboration_id = source.id
            request.origin_number = request.number
            request.origin_period = source.period
        request.collaboration_id = target.id
        request.number = number
        request.updated_at = now
        moved.append(
            {
                "request_id": request.id,
                "was": before,
                "label": request.label,
                "number": number,
                "status": request.status.value,
                "published": request.published,
            }
        )
    await session.flush()

    drafts = (await session.scalars(select(Draft).where(Draft.collaboration_id == source.id).order_by(Draft.id))).all()
    for draft in drafts:
        for version_id in _draft_versions(draft):
            await _move_version(session, version_id, source, target)
        draft.collaboration_id = target.id
        draft.turn_number = target.turn_number
    await session.flush()

    # Only published requests enter the chains: drafts are their own side's until it sends them.
    published = [{k: m[k] for k in ("request_id", "was", "label", "status")} for m in moved if m["published"]]
    data = {"from_collaboration_id": source.id, "into_collaboration_id": target.id, "requests": published}
    source_event: Event | None = None
    if rolled_over or published:
        kind = RolloverEvent.ROLLED_OVER if rolled_over else RolloverEvent.CARRIED_OVER
        source_event = await append_event(session, source.id, kind, actor=None, side=None, data=data, at=now)
    if published:
        await append_event(session, target.id, RolloverEvent.CARRIED_OVER, actor=None, side=None, data=data, at=now)
    # Their own cards show the qualified number now ("#2026-11/2"): refresh those posted already.
    for request in requests:
        if request.published:
            await request_card(session, target, request, turn=None)
    return Carried(
        requests=tuple(m["label"] for m in moved if m["published"]),
        drafts=len(drafts),
        source_event=source_event,
    )


def _predecessor(existing: Sequence[Collaboration], c: Collaboration) -> Collaboration | None:
    earlier = [other for other in existing if other.id < c.id]
    return earlier[-1] if earlier else None


async def _defaults(session: AsyncSession, account_id: int) -> Sequence[AccountPerson]:
    return (
        await session.scalars(
            select(AccountPerson).where(AccountPerson.account_id == account_id).order_by(AccountPerson.id)
        )
    ).all()


def _people(
    c: Collaboration, old: Sequence[Participant], defaults: Sequence[AccountPerson], now: datetime
) -> list[Participant]:
    """The previous period's active people with their roles, then the account's defaults (whose roles win)."""
    chosen: dict[str, Participant] = {}
    for p in old:
        if p.active:
            chosen[p.user_id] = Participant(
                collaboration_id=c.id,
                user_id=p.user_id,
                display_name=p.display_name,
                side=p.side,
                team_key=p.team_key,
                role=p.role,
                active=True,
                added_by=None,
                joined_at=now,
            )
    for d in defaults:
        if d.side is Side.GUEST and c.guest_team_key is not None and d.team_key != c.guest_team_key:
            continue  # a default of another retailer's organisation: not this channel's guest
        known = chosen.get(d.user_id)
        if known is not None:
            known.role = d.role
            continue
        chosen[d.user_id] = Participant(
            collaboration_id=c.id,
            user_id=d.user_id,
            display_name=d.display_name,
            side=d.side,
            team_key=d.team_key,
            role=d.role,
            active=True,
            added_by=None,
            joined_at=now,
        )
    people = list(chosen.values())
    # Each side keeps a leader when it has anyone at all (its first person leads otherwise).
    for side in (Side.HOST, Side.GUEST):
        mine = [p for p in people if p.side is side]
        if mine and not any(p.role is Role.LEADER for p in mine):
            mine[0].role = Role.LEADER
    return people


def _draft_versions(draft: Draft) -> list[int]:
    """The document versions a draft publishes (an upload's; a fulfilment's)."""
    if draft.kind == UPLOAD_DRAFT:
        return [int(draft.data["version_id"])]
    if draft.kind == TRANSITION_DRAFT:
        return [int(v) for v in draft.data.get("version_ids") or ()]
    return []


async def _move_version(session: AsyncSession, version_id: int, source: Collaboration, target: Collaboration) -> None:
    """Move an unpublished version into the target's document of the same side and name."""
    version = await session.get(DocumentVersion, version_id)
    if version is None or version.published or version.collaboration_id != source.id:
        return  # published versions stay where they were published (a fulfilment may cite them)
    old_document = await session.get(Document, version.document_id)
    assert old_document is not None  # a foreign key
    document = await session.scalar(
        select(Document).where(
            Document.collaboration_id == target.id,
            Document.side == old_document.side,
            Document.name_key == old_document.name_key,
        )
    )
    if document is None:
        document = Document(
            collaboration_id=target.id,
            side=old_document.side,
            name=old_document.name,
            name_key=old_document.name_key,
            created_by=old_document.created_by,
            created_at=old_document.created_at,
        )
        session.add(document)
        await session.flush()
    version.document_id = document.id
    version.collaboration_id = target.id
    version.turn_number = target.turn_number
    await session.flush()
    left = await session.scalar(
        select(func.count()).select_from(DocumentVersion).where(DocumentVersion.document_id == old_document.id)
    )
    if not left:
        await session.delete(old_document)  # a document with no versions would list as empty
        await session.flush()
