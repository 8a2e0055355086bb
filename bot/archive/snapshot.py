"""What an archive holds, loaded once in a short read: the collaboration, its people, turns, requests and
documents as the chain up to one event saw them.

The chain is append-only, so an archive is pinned to an event (`up_to_seq`, the wrap-up; default the
newest): its events are read later, page by page, up to that seq. Whatever was published after that
event (a file dropped into the channel after the wrap-up, a request filed after a reopen) is left out,
so the documents and requests agree with the events; nothing unpublished is ever read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from bot.archive.records import PathAllocator
from bot.blobs import BlobStore
from bot.db import Sessions
from models.collaborations import Account, Collaboration, Turn, TurnEnd, get_collaboration, participants_of
from models.documents import DocumentEvent
from models.errors import NotFound
from models.flows.documents import DocumentView, documents_of
from models.flows.requests import RequestView, requests_of
from models.history import GENESIS_HASH, Event, is_redacted
from models.requests import RequestEvent, RequestStatus
from models.sides import Role, Side

__all__ = ["Person", "Snapshot", "TurnRecord", "load_snapshot"]


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    side: Side
    role: Role
    active: bool
    team_key: str
    joined_at: datetime


@dataclass(frozen=True)
class TurnRecord:
    number: int
    side: Side
    started_at: datetime
    ended_at: datetime | None  # None: still running when the archive was taken
    ended_by: str | None
    end_kind: TurnEnd | None
    message: str | None
    summary: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """Everything but the events: small enough to hold (people, turns, requests, document versions)."""

    collaboration: Collaboration  # detached: read its columns only
    account_name: str
    timezone: tzinfo
    timezone_name: str
    people: tuple[Person, ...]
    turns: tuple[TurnRecord, ...]
    requests: tuple[RequestView, ...]
    documents: tuple[DocumentView, ...]  # published versions only, each document with at least one
    paths: Mapping[int, str]  # version id → its file in the zip (stored versions whose bytes are there)
    missing: Mapping[int, str]  # version id → why its bytes are not in the zip although it was stored
    up_to_seq: int  # the last event archived (0: an empty chain)
    head_hash: str  # that event's hash
    names: Mapping[str, str] = field(default_factory=dict)  # user id → display name

    def name(self, user_id: str | None) -> str:
        if user_id is None:
            return "Baton"
        return self.names.get(user_id) or user_id

    def org_name(self, side: Side | str | None) -> str:
        if side is None:
            return "outside both sides"
        return self.collaboration.org_name(Side(side))

    @property
    def versions(self) -> int:
        return sum(len(d.versions) for d in self.documents)


_PUBLISHING = (DocumentEvent.VERSION_PUBLISHED.value, DocumentEvent.FILE_SHARED.value)
_REQUEST_KINDS = tuple(k.value for k in RequestEvent)
_STATUS_AFTER = {
    RequestEvent.FILED.value: RequestStatus.OPEN,
    RequestEvent.FULFILLED.value: RequestStatus.FULFILLED,
    RequestEvent.FILE_ADDED.value: RequestStatus.FULFILLED,
    RequestEvent.ACCEPTED.value: RequestStatus.ACCEPTED,
    RequestEvent.REOPENED.value: RequestStatus.REOPENED,
    RequestEvent.DECLINED.value: RequestStatus.DECLINED,
    RequestEvent.CANCELLED.value: RequestStatus.CANCELLED,
}


async def load_snapshot(
    sessions: Sessions, blobs: BlobStore, collaboration_id: int, *, up_to_seq: int | None = None
) -> Snapshot:
    """Read the collaboration's published record as of event `up_to_seq` (default: the newest).

    NotFound when the collaboration does not exist, or `up_to_seq` is not one of its events.
    """
    async with sessions.read() as session:
        c = await get_collaboration(session, collaboration_id)
        last_stmt = select(Event.seq, Event.hash, Event.at).where(Event.collaboration_id == c.id)
        if up_to_seq is not None:
            last_stmt = last_stmt.where(Event.seq <= up_to_seq)
        last = (await session.execute(last_stmt.order_by(Event.seq.desc()).limit(1))).first()
        if up_to_seq is not None and (last is None or last.seq != up_to_seq):
            raise NotFound(f"Collaboration {c.id} has no event {up_to_seq} to archive up to.")
        cutoff = last.seq if last is not None else 0
        cutoff_at: datetime | None = last.at if last is not None else None
        head = last.hash if last is not None else GENESIS_HASH

        account = await session.get(Account, c.account_id)
        people = await participants_of(session, c.id, include_inactive=True)
        turns = (await session.scalars(select(Turn).where(Turn.collaboration_id == c.id).order_by(Turn.number))).all()
        requests = await requests_of(session, c.id, viewer_side=None)
        documents = await documents_of(session, c.id, viewer_side=None)
        # What was published after the archived event: version and request ids, from the chain itself.
        late = (
            await session.execute(
                select(Event.kind, Event.data).where(
                    Event.collaboration_id == c.id,
                    Event.seq > cutoff,
                    Event.kind.in_((*_PUBLISHING, *_REQUEST_KINDS)),
                )
            )
        ).all()
        late_versions = {_int(d.get("version_id")) for k, d in late if k in _PUBLISHING and not is_redacted(d)}
        late_requests = {_int(d.get("request_id")) for k, d in late if k in _REQUEST_KINDS and not is_redacted(d)}
        request_history: Sequence[Any] = []
        if late_requests:
            request_history = (
                await session.execute(
                    select(Event.kind, Event.data)
                    .where(Event.collaboration_id == c.id, Event.seq <= cutoff, Event.kind.in_(_REQUEST_KINDS))
                    .order_by(Event.seq)
                )
            ).all()

    tz, tz_name = _zone(account.timezone if account is not None else "UTC")
    documents = _published_by(documents, late_versions)
    requests = _requests_as_of(requests, late_requests, request_history, cutoff_at)
    paths: dict[int, str] = {}
    missing: dict[int, str] = {}
    allocator = PathAllocator()
    for document in documents:
        for version in document.versions:
            if not version.stored or version.sha256 is None:
                continue
            if not await blobs.exists(version.sha256):
                missing[version.id] = "its bytes are missing from Baton's blob store"
                continue
            paths[version.id] = allocator.allocate(
                side=version.side.value if version.side else None,
                document=document.name,
                number=version.number,
                original=version.original_name or document.name,
                fallback=version.id,
            )

    return Snapshot(
        collaboration=c,
        account_name=account.name if account is not None else c.guest_name,
        timezone=tz,
        timezone_name=tz_name,
        people=tuple(
            Person(p.user_id, p.display_name or p.user_id, p.side, p.role, p.active, p.team_key, p.joined_at)
            for p in people
        ),
        turns=tuple(_turn_as_of(t, cutoff_at) for t in turns if cutoff_at is None or t.started_at <= cutoff_at),
        requests=tuple(requests),
        documents=tuple(documents),
        paths=paths,
        missing=missing,
        up_to_seq=cutoff,
        head_hash=head,
        names={p.user_id: p.display_name for p in people if p.display_name},
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def _zone(name: str) -> tuple[tzinfo, str]:
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        return UTC, "UTC"


def _published_by(documents: Sequence[DocumentView], late: set[int | None]) -> list[DocumentView]:
    """The documents with only their published versions, leaving out those published after the cutoff."""
    kept = []
    for d in documents:
        versions = tuple(v for v in d.versions if v.published and v.id not in late)
        if versions:
            kept.append(replace(d, versions=versions))
    return kept


def _requests_as_of(
    requests: Sequence[RequestView], late: set[int | None], history: Sequence[Any], cutoff_at: datetime | None
) -> list[RequestView]:
    """The requests as the archived event left them: one filed later is left out; one changed later gets
    the status, outcome and reason of its last event up to the cutoff."""
    if not late:
        return list(requests)
    states: dict[int, tuple[RequestStatus, str | None, str | None]] = {}
    for kind, data in history:
        request_id = _int(data.get("request_id")) if not is_redacted(data) else None
        if request_id is None:
            continue
        status, outcome, reason = states.get(request_id, (RequestStatus.OPEN, None, None))
        status = _STATUS_AFTER.get(kind, status)
        if kind == RequestEvent.ACCEPTED:
            outcome = data.get("outcome")
        elif kind in (RequestEvent.REOPENED, RequestEvent.DECLINED, RequestEvent.CANCELLED) and data.get("reason"):
            reason = data.get("reason")
        states[request_id] = (status, outcome, reason)
    kept = []
    for r in requests:
        if r.id not in late:
            kept.append(r)
        elif r.id in states:
            status, outcome, reason = states[r.id]
            fulfilments = tuple(f for f in r.fulfilments if cutoff_at is None or f.at <= cutoff_at)
            kept.append(replace(r, status=status, outcome=outcome, reason=reason, fulfilments=fulfilments))
        elif "/" in r.label:
            # Carried over from an earlier period ("#2026-11/2"): its filing is in that period's chain.
            kept.append(
                replace(r, fulfilments=tuple(f for f in r.fulfilments if cutoff_at is None or f.at <= cutoff_at))
            )
    return kept


def _turn_as_of(turn: Turn, cutoff_at: datetime | None) -> TurnRecord:
    ended = turn.ended_at is not None and (cutoff_at is None or turn.ended_at <= cutoff_at)
    return TurnRecord(
        number=turn.number,
        side=turn.side,
        started_at=turn.started_at,
        ended_at=turn.ended_at if ended else None,
        ended_by=turn.ended_by if ended else None,
        end_kind=turn.end_kind if ended else None,
        message=turn.message if ended else None,
        summary=tuple(turn.summary or ()) if ended else (),
    )
