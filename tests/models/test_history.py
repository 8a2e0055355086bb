"""The event chain: it verifies from first to last, tampering is found by seq, redaction keeps it whole."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.db import Sessions
from models.history import (
    GENESIS_HASH,
    Event,
    NewEvent,
    append_event,
    append_events,
    canonical_json,
    content_hash_of,
    event_hash,
    head_hash,
    redact_event_content,
    verify_chain,
)
from models.sides import Side
from models.use_cases import pass_turn
from tests.models.support import ALEX, PAT, T0, at, chain, start


@dataclass(frozen=True)
class Link:
    """An event as an archive would hold it: verification works on any such record, not only rows."""

    collaboration_id: int
    seq: int
    kind: str
    at: datetime
    actor_user_id: str | None
    side: str | None
    data: dict[str, Any]
    content_hash: str
    prev_hash: str
    hash: str


async def a_chain(sessions: Sessions) -> int:
    c = await start(sessions)
    async with sessions.begin() as session:
        await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="Statement, as promised.", now=at(1))
        await pass_turn(session, actor=PAT, collaboration_id=c.id, message="Café receipts ✓", now=at(2))
    return c.id


async def test_the_chain_verifies_from_first_to_last_and_follows_the_documented_form(
    sessions: Sessions,
) -> None:
    collaboration_id = await a_chain(sessions)
    events = await chain(sessions, collaboration_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    assert verify_chain(events) == []

    # Recompute one link by the documented recipe, independently of the module's helpers.
    last = events[-1]
    canonical = json.dumps(last.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert last.content_hash == hashlib.sha256(canonical).hexdigest()
    header = {
        "collaboration_id": collaboration_id,
        "seq": last.seq,
        "kind": "turn_passed",
        "at": "2026-12-01T09:02:00.000000+00:00",
        "actor_user_id": PAT.user_id,
        "side": "guest",
        "content_hash": last.content_hash,
        "prev_hash": events[-2].hash,
    }
    assert last.hash == hashlib.sha256(canonical_json(header)).hexdigest()
    async with sessions() as session:
        assert await head_hash(session, collaboration_id) == last.hash


async def test_tampered_data_is_found_by_seq(sessions: Sessions) -> None:
    collaboration_id = await a_chain(sessions)
    target = (await chain(sessions, collaboration_id))[-1]
    async with sessions.begin() as session:
        await session.execute(
            update(Event).where(Event.id == target.id).values(data={**target.data, "message": "Nothing to see."})
        )
    assert verify_chain(await chain(sessions, collaboration_id)) == [
        f"seq {target.seq}: data does not match its content_hash"
    ]


async def test_a_tampered_hash_is_found_by_seq(sessions: Sessions) -> None:
    collaboration_id = await a_chain(sessions)
    events = await chain(sessions, collaboration_id)
    target = events[2]
    async with sessions.begin() as session:
        await session.execute(update(Event).where(Event.id == target.id).values(hash="f" * 64))
    assert verify_chain(await chain(sessions, collaboration_id)) == [
        f"seq {target.seq}: hash does not match the event",
        f"seq {target.seq + 1}: prev_hash does not match the previous event's hash",
    ]


async def test_rewriting_a_whole_link_still_breaks_the_next_one() -> None:
    first = _link(1, GENESIS_HASH, {"text": "Pay 100"})
    second = _link(2, first.hash, {"text": "ok"})
    forged = _link(1, GENESIS_HASH, {"text": "Pay 900"})  # a consistent link of its own…
    assert verify_chain([first, second]) == []
    assert verify_chain([forged, second]) == ["seq 2: prev_hash does not match the previous event's hash"]


async def test_a_missing_or_reordered_event_is_reported() -> None:
    one = _link(1, GENESIS_HASH, {"n": 1})
    two = _link(2, one.hash, {"n": 2})
    three = _link(3, two.hash, {"n": 3})
    problems = verify_chain([one, three])
    assert "seq 3: expected seq 2 (an event is missing or out of order)" in problems
    assert "seq 3: prev_hash does not match the previous event's hash" in problems
    assert verify_chain([two, three])[0] == "seq 2: expected seq 1 (an event is missing or out of order)"
    assert verify_chain([]) == []


async def test_a_redacted_event_keeps_its_fact_and_the_chain_still_verifies(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        pasted = await append_event(
            session,
            c.id,
            "message_posted",
            actor=PAT.user_id,
            side=Side.GUEST,
            data={"text": "IBAN DE02 1203 0000 0000 2020 51", "ts": "1764579600.000100"},
            at=at(1),
        )
        await append_event(
            session,
            c.id,
            "message_deleted",
            actor=PAT.user_id,
            side=Side.GUEST,
            data={"ts": "1764579600.000100"},
            at=at(2),
        )
    content_hash = pasted.content_hash
    async with sessions.begin() as session:
        event = await session.get(Event, pasted.id)
        assert event is not None
        await redact_event_content(session, event)

    events = await chain(sessions, c.id)
    redacted = next(e for e in events if e.id == pasted.id)
    assert redacted.data == {"redacted": True}
    assert redacted.content_hash == content_hash
    assert verify_chain(events) == []

    # The marker does not excuse other data: text slipped back in beside it is detected.
    async with sessions.begin() as session:
        await session.execute(update(Event).where(Event.id == pasted.id).values(data={"redacted": True, "text": "x"}))
    assert verify_chain(await chain(sessions, c.id)) == [f"seq {redacted.seq}: data does not match its content_hash"]


async def test_appends_in_one_transaction_take_consecutive_seqs(sessions: Sessions) -> None:
    c = await start(sessions)
    before = len(await chain(sessions, c.id))
    async with sessions.begin() as session:
        made = [
            await append_event(session, c.id, "note", actor=None, side=None, data={"i": i}, at=at(i)) for i in range(3)
        ]
    assert [e.seq for e in made] == [before + 1, before + 2, before + 3]
    assert verify_chain(await chain(sessions, c.id)) == []


async def test_a_batch_of_appends_links_like_single_appends_and_first_is_refused_on_a_started_chain(
    sessions: Sessions,
) -> None:
    c = await start(sessions)
    before = len(await chain(sessions, c.id))
    async with sessions.begin() as session:
        made = await append_events(session, c.id, [NewEvent("note", None, None, {"i": i}) for i in range(3)], at=at(1))
    assert [e.seq for e in made] == [before + 1, before + 2, before + 3]
    assert verify_chain(await chain(sessions, c.id)) == []

    with pytest.raises(IntegrityError):  # `first` on a chain with events: the database refuses seq 1
        async with sessions.begin() as session:
            await append_events(session, c.id, [NewEvent("note", None, None, {})], at=at(2), first=True)
    assert len(await chain(sessions, c.id)) == before + 3


def _link(seq: int, prev: str, data: dict[str, Any]) -> Link:
    c_hash = content_hash_of(data)
    draft = Link(7, seq, "note", T0, "U1", "host", data, c_hash, prev, "")
    return replace(
        draft,
        hash=event_hash(
            collaboration_id=7,
            seq=seq,
            kind="note",
            at=T0,
            actor_user_id="U1",
            side="host",
            content_hash=c_hash,
            prev_hash=prev,
        ),
    )
