"""Drafts until sent: a side's work stays its own until the update publishes it, in order."""

from __future__ import annotations

import pytest

from bot.db import Sessions
from models.drafts import drafts_of, register_publisher
from models.errors import RoleRequired
from models.history import verify_chain
from models.sides import Role, Side
from models.use_cases import (
    NewPerson,
    add_participants,
    collaboration_view,
    pass_turn,
    sign_off,
    stage_draft,
)
from tests.models.support import ACME, ALEX, JO, NOTE, PAT, SAM, at, chain, publish_note, refused, start


async def test_the_pass_publishes_the_sides_drafts_in_order_and_never_before(sessions: Sessions) -> None:
    c = await start(sessions)
    for i, (who, text) in enumerate([(JO, "statement"), (ALEX, "aging report"), (JO, "cover letter")]):
        async with sessions.begin() as session:
            await stage_draft(session, actor=who, collaboration_id=c.id, kind=NOTE, data={"text": text}, now=at(i))

    before = await chain(sessions, c.id)
    assert "note_published" not in [e.kind for e in before], "drafts never enter the chain"
    async with sessions() as session:
        assert [d.data["text"] for d in await drafts_of(session, c.id, Side.HOST)] == [
            "statement",
            "aging report",
            "cover letter",
        ]
        assert await drafts_of(session, c.id, Side.GUEST) == []
        assert (await collaboration_view(session, c.id, Side.HOST)).drafts == 3
        assert (await collaboration_view(session, c.id, Side.GUEST)).drafts == 0, "the other side sees none"
        assert (await collaboration_view(session, c.id)).drafts is None, "the shared card shows no drafts"

    async with sessions.begin() as session:
        turn = await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="November is in.", now=at(5))
    assert turn.summary == ["Note: statement", "Note: aging report", "Note: cover letter"]

    after = await chain(sessions, c.id)
    published = after[len(before) :]
    assert [(e.kind, e.data.get("text")) for e in published] == [
        ("note_published", "statement"),
        ("note_published", "aging report"),
        ("note_published", "cover letter"),
        ("turn_passed", None),
    ]
    assert published[-1].data["summary"] == turn.summary
    assert verify_chain(after) == []
    async with sessions() as session:
        assert await drafts_of(session, c.id, Side.HOST) == []
        view = await collaboration_view(session, c.id, Side.GUEST)
    assert view.last_update is not None
    assert (view.last_update.message, view.last_update.summary) == ("November is in.", tuple(turn.summary))


async def test_a_follower_cannot_work_and_an_unknown_kind_is_a_programming_error(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        await add_participants(
            session,
            actor=ALEX,
            collaboration_id=c.id,
            now=at(1),
            people=[NewPerson(JO.user_id, ACME, Role.FOLLOWER)],
        )
    error = await refused(
        sessions,
        RoleRequired,
        lambda s: stage_draft(s, actor=JO, collaboration_id=c.id, kind=NOTE, data={"text": "x"}, now=at(2)),
    )
    assert error.message == "Followers read and chat; ask Alex Kim to make you a contributor."
    with pytest.raises(LookupError):
        async with sessions.begin() as session:
            await stage_draft(session, actor=ALEX, collaboration_id=c.id, kind="nobody_publishes", data={}, now=at(3))
    register_publisher(NOTE, publish_note)  # the same function again is fine…
    with pytest.raises(ValueError):
        register_publisher(NOTE, lambda *_: publish_note(*_))  # …a different one is a mistake


async def test_a_change_clears_sign_offs_but_a_pass_does_not(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        await sign_off(session, actor=ALEX, collaboration_id=c.id, now=at(1))  # the turn goes to Retail Co
        await pass_turn(session, actor=PAT, collaboration_id=c.id, message="Looking into it.", now=at(2))
        view = await collaboration_view(session, c.id)
    assert set(view.signed_off) == {Side.HOST}, "passing without a change keeps Acme's sign-off"
    assert view.signed_off[Side.HOST].display_name == "Alex Kim"

    async with sessions.begin() as session:
        await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="Still fine by us.", now=at(3))
        await stage_draft(session, actor=SAM, collaboration_id=c.id, kind=NOTE, data={"text": "POD"}, now=at(4))
        await pass_turn(session, actor=PAT, collaboration_id=c.id, message="POD attached.", now=at(5))
        view = await collaboration_view(session, c.id)
    assert view.signed_off == {}, "a published draft changes the record"
    events = await chain(sessions, c.id)
    cleared = [e for e in events if e.kind == "sign_offs_cleared"]
    assert [e.data for e in cleared] == [{"cleared": {"host": ALEX.user_id}, "because": "the record changed"}]


async def test_adding_people_is_a_change_that_clears_sign_offs(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        await sign_off(session, actor=ALEX, collaboration_id=c.id, now=at(1))
        await add_participants(
            session,
            actor=PAT,
            collaboration_id=c.id,
            now=at(2),
            people=[NewPerson(SAM.user_id, PAT.team_key, Role.LEADER)],
        )
        view = await collaboration_view(session, c.id)
    assert view.signed_off == {}
