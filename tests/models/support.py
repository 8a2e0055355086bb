"""The cast of the domain tests and small helpers: a distributor (Acme), a retailer (Retail Co), a carrier."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Sessions
from models.collaborations import Account, Collaboration, Participant, Turn
from models.drafts import Draft, PublishContext, register_publisher
from models.errors import BatonError
from models.history import Event, append_event
from models.outbox import OutboxEntry
from models.sides import Actor, Member
from models.use_cases import start_collaboration

ACME = "T0ACME"
RETAIL = "E0RETAIL"  # an Enterprise Grid organisation: its key is the enterprise id
CARRIER = "T0CARRIER"
CHANNEL = "C0RETAIL"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

ALEX = Actor("U0ALEX", ACME, "Alex Kim")  # host AR accountant, creator: leader
JO = Actor("U0JO", ACME, "Jo Park")  # host colleague in the channel: contributor
PAT = Actor("U0PAT", RETAIL, "Pat Lee")  # retailer AP contact: leader
SAM = Actor("U0SAM", RETAIL, "Sam Ortiz")  # retailer colleague: contributor
CARL = Actor("U0CARL", CARRIER, "Carl Hauler")  # a carrier: no side until a leader adds one
STRANGER = Actor("U0NOBODY", ACME, "Nora Body")  # host org, not a participant

E = TypeVar("E", bound=BatonError)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def member(actor: Actor) -> Member:
    return Member(actor.user_id, actor.team_key, actor.display_name)


async def start(
    sessions: Sessions,
    *,
    channel: str = CHANNEL,
    title: str = "Retail Co — November 2026 statement",
    period: str | None = "2026-11",
    now: datetime = T0,
    **kwargs: Any,
) -> Collaboration:
    """The usual start: Alex opens it, Pat is the retailer's contact; Jo, Sam and Carl are in the channel."""
    args: dict[str, Any] = {
        "actor": ALEX,
        "channel_id": channel,
        "host_team_key": ACME,
        "host_name": "Acme",
        "title": title,
        "period": period,
        "note": "Please reconcile by the 15th.",
        "account_name": "Retail Co",
        "guest_contact_user_id": PAT.user_id,
        "channel_members": [member(a) for a in (ALEX, JO, PAT, SAM, CARL)],
        "now": now,
    }
    args.update(kwargs)
    async with sessions.begin() as session:
        return await start_collaboration(session, **args)


async def snapshot(sessions: Sessions) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the domain writes, to compare before and after a refusal."""
    tables: list[type[Any]] = [Account, Collaboration, Participant, Turn, Event, Draft, OutboxEntry]
    result: dict[str, list[tuple[Any, ...]]] = {}
    async with sessions() as session:
        for model in tables:
            columns = list(model.__table__.columns)
            rows = (await session.execute(select(*columns).order_by(columns[0]))).all()
            result[model.__tablename__] = [tuple(repr(v) for v in row) for row in rows]
    return result


async def refused(sessions: Sessions, error: type[E], act: Callable[[AsyncSession], Awaitable[Any]]) -> E:
    """Run `act`, expect `error`, commit whatever it left in the transaction, and check nothing changed.

    Committing after the refusal (instead of rolling back) shows the use case refused before writing.
    """
    before = await snapshot(sessions)
    async with sessions.begin() as session:
        with pytest.raises(error) as caught:
            await act(session)
    assert await snapshot(sessions) == before, "a refusal changed the database"
    return caught.value


async def outbox(sessions: Sessions, kind: str | None = None) -> list[OutboxEntry]:
    async with sessions() as session:
        stmt = select(OutboxEntry).order_by(OutboxEntry.id)
        if kind is not None:
            stmt = stmt.where(OutboxEntry.kind == kind)
        return list((await session.scalars(stmt)).all())


async def chain(sessions: Sessions, collaboration_id: int) -> list[Event]:
    async with sessions() as session:
        stmt = select(Event).where(Event.collaboration_id == collaboration_id).order_by(Event.seq)
        return list((await session.scalars(stmt)).all())


# A draft kind for the tests: publishing a note appends its own event and names it in the summary.
NOTE = "test_note"


async def publish_note(session: AsyncSession, draft: Draft, context: PublishContext) -> str:
    await append_event(
        session,
        draft.collaboration_id,
        "note_published",
        actor=context.actor.user_id,
        side=draft.side,
        data={"text": draft.data["text"], "turn": context.turn_number},
        at=context.now,
    )
    return f"Note: {draft.data['text']}"


register_publisher(NOTE, publish_note)
