"""The history: an append-only chain of events, each hashed over its canonical form and the previous hash.

    content_hash = sha256(canonical(data))
    hash         = sha256(canonical({collaboration_id, seq, kind, at, actor_user_id, side,
                                     content_hash, prev_hash}))
    canonical(x) = json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

`at` enters the hash as ISO-8601 UTC with microseconds; the first event's `prev_hash` is 64 zeros.
Because the link hashes the content's hash and not the content, an event's text can be removed (a
deleted message) and the chain still verifies. Only published things enter the chain; drafts never do.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_type
from models.collaborations import Collaboration
from models.sides import Side

__all__ = [
    "GENESIS_HASH",
    "REDACTED",
    "ChainLink",
    "Event",
    "EventKind",
    "NewEvent",
    "append_event",
    "append_events",
    "canonical_json",
    "content_hash_of",
    "event_hash",
    "events_of",
    "events_page",
    "head_hash",
    "is_redacted",
    "redact_event_content",
    "verify_chain",
]

GENESIS_HASH = "0" * 64


class EventKind(enum.StrEnum):
    """The domain's events; later features add their own kinds (the column is a plain string)."""

    COLLABORATION_STARTED = "collaboration_started"
    PARTICIPANT_ADDED = "participant_added"
    PARTICIPANT_ROLE_CHANGED = "participant_role_changed"
    PARTICIPANT_REMOVED = "participant_removed"
    TURN_PASSED = "turn_passed"
    TURN_SKIPPED = "turn_skipped"
    SIGNED_OFF = "signed_off"
    SIGN_OFFS_CLEARED = "sign_offs_cleared"
    WRAPPED_UP = "wrapped_up"
    REOPENED = "reopened"
    INVITE_SENT = "invite_sent"
    INVITE_ACCEPTED = "invite_accepted"
    INVITE_DECLINED = "invite_declined"


class Event(Base):
    """One link of a collaboration's chain."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("collaboration_id", "seq", name="uq_events_collaboration_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("collaborations.id"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    actor_user_id: Mapped[str | None] = mapped_column(String(32), default=None)
    side: Mapped[Side | None] = mapped_column(enum_type(Side), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainLink(Protocol):
    """What verification reads of an event: an `Event` row, or one read back from an archive."""

    @property
    def collaboration_id(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor_user_id(self) -> str | None: ...
    @property
    def side(self) -> str | None: ...
    @property
    def data(self) -> Mapping[str, Any]: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


def canonical_json(obj: Any) -> bytes:
    """The one byte form hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash_of(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime in the event chain; use an aware datetime")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    collaboration_id: int,
    seq: int,
    kind: str,
    at: datetime,
    actor_user_id: str | None,
    side: str | None,
    content_hash: str,
    prev_hash: str,
) -> str:
    """The link's own hash, over everything but the content itself."""
    return hashlib.sha256(
        canonical_json(
            {
                "collaboration_id": collaboration_id,
                "seq": seq,
                "kind": str(kind),
                "at": _iso(at),
                "actor_user_id": actor_user_id,
                "side": None if side is None else str(side),
                "content_hash": content_hash,
                "prev_hash": prev_hash,
            }
        )
    ).hexdigest()


@dataclass(frozen=True)
class NewEvent:
    """An event to append (`append_events`): what happened, who did it (None: Baton), on which side."""

    kind: str
    actor: str | None
    side: Side | None
    data: Mapping[str, Any]


async def append_event(
    session: AsyncSession,
    collaboration_id: int,
    kind: str,
    *,
    actor: str | None,
    side: Side | None,
    data: Mapping[str, Any],
    at: datetime,
) -> Event:
    """Add the next link to the collaboration's chain, in the caller's transaction.

    `actor` is the acting user's id (None for Baton itself). The collaboration row is locked first
    (a no-op when the use case already holds it), so two appends never take the same seq.
    """
    (event,) = await append_events(session, collaboration_id, [NewEvent(kind, actor, side, data)], at=at)
    return event


async def append_events(
    session: AsyncSession, collaboration_id: int, new: Sequence[NewEvent], *, at: datetime, first: bool = False
) -> list[Event]:
    """Add several links to the collaboration's chain, in order, in the caller's transaction.

    The same chain as appending them one by one, for one lock, one read of the head and one flush
    (opening a period appends six at once; each separate append costs three round trips).
    `first`: the collaboration was inserted in this transaction, so its chain is empty and nobody else
    can append to it: neither lock nor head is read. (Were it not empty, the unique (collaboration,
    seq) constraint would refuse seq 1: a mistake fails loudly, it cannot fork the chain.)
    """
    last = None
    if not first:
        # Only the lock: selecting the id leaves the caller's loaded objects as they are.
        await session.execute(select(Collaboration.id).where(Collaboration.id == collaboration_id).with_for_update())
        last = (
            await session.execute(
                select(Event.seq, Event.hash)
                .where(Event.collaboration_id == collaboration_id)
                .order_by(Event.seq.desc())
                .limit(1)
            )
        ).first()
    seq, prev_hash = (0, GENESIS_HASH) if last is None else (last.seq, last.hash)
    events: list[Event] = []
    for item in new:
        seq += 1
        # A JSON round trip, so the hashed form is exactly what the database returns later.
        stored = json.loads(canonical_json(dict(item.data)))
        c_hash = content_hash_of(stored)
        event = Event(
            collaboration_id=collaboration_id,
            seq=seq,
            kind=str(item.kind),
            at=at,
            actor_user_id=item.actor,
            side=item.side,
            data=stored,
            content_hash=c_hash,
            prev_hash=prev_hash,
            hash=event_hash(
                collaboration_id=collaboration_id,
                seq=seq,
                kind=item.kind,
                at=at,
                actor_user_id=item.actor,
                side=item.side,
                content_hash=c_hash,
                prev_hash=prev_hash,
            ),
        )
        events.append(event)
        prev_hash = event.hash
    session.add_all(events)
    await session.flush()
    return events


def verify_chain(events: Sequence[ChainLink]) -> list[str]:
    """What is wrong with a collaboration's chain, given from its first event in order; empty = it verifies.

    Checks that seqs run 1, 2, 3…, each event links to the previous one's hash, each hash matches its
    event, and each content hash matches its data unless the data was redacted.
    """
    problems: list[str] = []
    prev_hash = GENESIS_HASH
    collaboration_ids = {e.collaboration_id for e in events}
    if len(collaboration_ids) > 1:
        problems.append(f"events of several collaborations: {sorted(collaboration_ids)}")
    for expected_seq, event in enumerate(events, start=1):
        where = f"seq {event.seq}"
        if event.seq != expected_seq:
            problems.append(f"{where}: expected seq {expected_seq} (an event is missing or out of order)")
        if event.prev_hash != prev_hash:
            problems.append(f"{where}: prev_hash does not match the previous event's hash")
        if not is_redacted(event.data) and content_hash_of(event.data) != event.content_hash:
            problems.append(f"{where}: data does not match its content_hash")
        try:
            recomputed = event_hash(
                collaboration_id=event.collaboration_id,
                seq=event.seq,
                kind=event.kind,
                at=event.at,
                actor_user_id=event.actor_user_id,
                side=event.side,
                content_hash=event.content_hash,
                prev_hash=event.prev_hash,
            )
        except ValueError as e:
            problems.append(f"{where}: {e}")
        else:
            if recomputed != event.hash:
                problems.append(f"{where}: hash does not match the event")
        prev_hash = event.hash
    return problems


REDACTED: dict[str, Any] = {"redacted": True}


def is_redacted(data: Mapping[str, Any]) -> bool:
    """Whether an event's content was removed. Exactly the marker, so no other data escapes the check."""
    return dict(data) == REDACTED


async def redact_event_content(session: AsyncSession, event: Event) -> None:
    """Remove an event's content (a deleted message's text), keeping its content_hash so the chain verifies.

    The data becomes `{"redacted": true}`; the fact, the time, the author and the content hash stay.
    """
    event.data = dict(REDACTED)  # a new dict, so the JSON column sees the change
    await session.flush()


async def events_of(session: AsyncSession, collaboration_id: int) -> Sequence[Event]:
    """The collaboration's chain, first to last."""
    return (
        await session.scalars(select(Event).where(Event.collaboration_id == collaboration_id).order_by(Event.seq))
    ).all()


async def head_hash(session: AsyncSession, collaboration_id: int) -> str:
    """The last event's hash (printed with an archive), or the genesis hash for an empty chain."""
    last = await session.scalar(
        select(Event.hash).where(Event.collaboration_id == collaboration_id).order_by(Event.seq.desc()).limit(1)
    )
    return last or GENESIS_HASH


async def events_page(
    session: AsyncSession, collaboration_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Event], int]:
    """One page of the chain, newest first, and how many events there are in all (the History view)."""
    total = await session.scalar(
        select(func.count()).select_from(Event).where(Event.collaboration_id == collaboration_id)
    )
    page = (
        await session.scalars(
            select(Event)
            .where(Event.collaboration_id == collaboration_id)
            .order_by(Event.seq.desc())
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return page, int(total or 0)
