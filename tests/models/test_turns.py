"""The turn: the month's walk from start to wrap-up, every refusal, and two leaders passing at once."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.db import Sessions
from models.collaborations import Collaboration, CollaborationStatus, Participant, Turn, TurnEnd
from models.errors import (
    ChannelBusy,
    Conflict,
    DraftsPending,
    InvalidInput,
    InvalidTransition,
    NotAParticipant,
    NotYourTurn,
    RoleRequired,
)
from models.history import verify_chain
from models.outbox import OutboxKind
from models.sides import Role, Side
from models.use_cases import (
    NewPerson,
    add_participants,
    pass_turn,
    reopen,
    sign_off,
    skip_turn,
    stage_draft,
    start_collaboration,
)
from tests.models.support import (
    ACME,
    ALEX,
    CHANNEL,
    JO,
    NOTE,
    PAT,
    SAM,
    STRANGER,
    at,
    chain,
    outbox,
    refused,
    start,
)


async def turns(sessions: Sessions, collaboration_id: int) -> list[Turn]:
    async with sessions() as session:
        stmt = select(Turn).where(Turn.collaboration_id == collaboration_id).order_by(Turn.number)
        return list((await session.scalars(stmt)).all())


async def current(sessions: Sessions, collaboration_id: int) -> Collaboration:
    async with sessions() as session:
        c = await session.get(Collaboration, collaboration_id)
        assert c is not None
        return c


async def test_start_gives_turn_one_to_the_host_and_each_person_their_default_role(
    sessions: Sessions,
) -> None:
    c = await start(sessions)
    assert (c.status, c.turn_number, c.holding_side) == (CollaborationStatus.ACTIVE, 1, Side.HOST)
    assert c.guest_team_key == PAT.team_key, "the contact's organisation is the guest side"
    async with sessions() as session:
        people = {p.user_id: (p.side, p.role) for p in await session.scalars(select(Participant))}
    assert people == {
        ALEX.user_id: (Side.HOST, Role.LEADER),
        PAT.user_id: (Side.GUEST, Role.LEADER),
        JO.user_id: (Side.HOST, Role.CONTRIBUTOR),
        SAM.user_id: (Side.GUEST, Role.CONTRIBUTOR),
    }, "the carrier, of a third organisation, gets no side by default"
    assert [(t.number, t.side, t.ended_at) for t in await turns(sessions, c.id)] == [(1, Side.HOST, None)]
    events = await chain(sessions, c.id)
    assert [e.kind for e in events] == ["collaboration_started"] + ["participant_added"] * 4
    assert [e.kind for e in await outbox(sessions, OutboxKind.CARD_REFRESH)] == [OutboxKind.CARD_REFRESH]
    homes = {e.payload["user_id"] for e in await outbox(sessions, OutboxKind.HOME_REFRESH)}
    assert homes == {ALEX.user_id, JO.user_id}, "only the host side has Baton's Home tab"


async def test_the_month_from_start_to_wrap_up(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        await stage_draft(session, actor=JO, collaboration_id=c.id, kind=NOTE, data={"text": "statement"}, now=at(1))
        turn = await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="Here is November.", now=at(2))
    assert (turn.number, turn.end_kind, turn.summary) == (1, TurnEnd.PASSED, ["Note: statement"])

    async with sessions.begin() as session:
        await pass_turn(
            session, actor=PAT, collaboration_id=c.id, message="Two PODs please.", expected_turn=2, now=at(3)
        )
    async with sessions.begin() as session:
        await sign_off(session, actor=ALEX, collaboration_id=c.id, expected_turn=3, now=at(4))
    after_host = await current(sessions, c.id)
    assert (after_host.status, after_host.turn_number, after_host.holding_side) == (
        CollaborationStatus.ACTIVE,
        4,
        Side.GUEST,
    ), "signing off hands the turn over while the other side has not signed"
    assert after_host.host_signed_off_by == ALEX.user_id

    async with sessions.begin() as session:
        await sign_off(session, actor=PAT, collaboration_id=c.id, now=at(5))
    done = await current(sessions, c.id)
    assert done.status is CollaborationStatus.WRAPPED_UP
    assert (done.host_signed_off_by, done.guest_signed_off_by, done.wrapped_up_at) == (
        ALEX.user_id,
        PAT.user_id,
        at(5),
    )

    recorded = await turns(sessions, c.id)
    assert [(t.number, t.side, t.end_kind, t.ended_by) for t in recorded] == [
        (1, Side.HOST, TurnEnd.PASSED, ALEX.user_id),
        (2, Side.GUEST, TurnEnd.PASSED, PAT.user_id),
        (3, Side.HOST, TurnEnd.SIGNED_OFF, ALEX.user_id),
        (4, Side.GUEST, TurnEnd.SIGNED_OFF, PAT.user_id),
    ]
    assert recorded[2].message is not None and recorded[2].message.startswith("Acme signed off.")

    events = await chain(sessions, c.id)
    assert [e.kind for e in events if e.kind not in ("participant_added",)] == [
        "collaboration_started",
        "note_published",
        "turn_passed",
        "turn_passed",
        "signed_off",
        "signed_off",
        "wrapped_up",
    ]
    assert verify_chain(events) == []
    updates = [e.payload["turn"] for e in await outbox(sessions, OutboxKind.TURN_UPDATE)]
    assert updates == [1, 2, 3, 4]
    (archive,) = await outbox(sessions, OutboxKind.POST_ARCHIVE)
    assert archive.payload == {
        "collaboration_id": c.id,
        "up_to_seq": events[-1].seq,
        "head_hash": events[-1].hash,
    }


async def test_the_host_may_pass_turn_one_before_the_guest_has_joined(sessions: Sessions) -> None:
    c = await start(sessions, guest_contact_user_id=None, guest_contact_email="ap@retail.example", channel_members=[])
    assert c.guest_team_key is None
    async with sessions.begin() as session:
        await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="Statement attached.", now=at(1))
    assert (await current(sessions, c.id)).holding_side is Side.GUEST


async def test_refusals_change_nothing_and_say_who_can_act(sessions: Sessions) -> None:
    c = await start(sessions)

    error = await refused(
        sessions,
        NotAParticipant,
        lambda s: pass_turn(s, actor=STRANGER, collaboration_id=c.id, message="hi", now=at(1)),
    )
    assert error.message == "You're not part of “Retail Co — November 2026 statement”: Alex Kim or Pat Lee can add you."

    error = await refused(
        sessions,
        NotYourTurn,
        lambda s: pass_turn(s, actor=PAT, collaboration_id=c.id, message="ours?", now=at(1)),
    )
    assert error.message == "It's Acme's turn (Turn 1): Alex Kim can pass it."
    assert error.can_act == (ALEX.user_id,)

    error = await refused(
        sessions,
        RoleRequired,
        lambda s: pass_turn(s, actor=JO, collaboration_id=c.id, message="done", now=at(1)),
    )
    assert error.message == "Only leaders pass the turn: ask Alex Kim."

    error = await refused(
        sessions,
        InvalidInput,
        lambda s: pass_turn(s, actor=ALEX, collaboration_id=c.id, message="  ", now=at(1)),
    )
    assert error.field == "message"

    error = await refused(
        sessions,
        NotYourTurn,
        lambda s: stage_draft(s, actor=SAM, collaboration_id=c.id, kind=NOTE, data={"text": "x"}, now=at(1)),
    )
    assert error.message.startswith("It's Acme's turn (Turn 1): only Acme works through Baton")

    async with sessions.begin() as session:
        await stage_draft(session, actor=JO, collaboration_id=c.id, kind=NOTE, data={"text": "x"}, now=at(2))
    error = await refused(sessions, DraftsPending, lambda s: skip_turn(s, actor=ALEX, collaboration_id=c.id, now=at(3)))
    assert "1 unsent draft" in error.message
    await refused(sessions, DraftsPending, lambda s: sign_off(s, actor=ALEX, collaboration_id=c.id, now=at(3)))

    error = await refused(
        sessions,
        ChannelBusy,
        lambda s: start_collaboration(
            s,
            actor=ALEX,
            channel_id=CHANNEL,
            host_team_key=ACME,
            host_name="Acme",
            title="Another",
            now=at(4),
        ),
    )
    assert error.message.startswith("“Retail Co — November 2026 statement” is still open in this channel (Turn 1")

    error = await refused(
        sessions,
        RoleRequired,
        lambda s: start_collaboration(
            s,
            actor=PAT,
            channel_id="C0OTHER",
            host_team_key=ACME,
            host_name="Acme",
            title="Ours",
            account_name="X",
            now=at(4),
        ),
    )
    assert error.message == "Only Acme starts collaborations in this channel."

    await refused(sessions, InvalidTransition, lambda s: reopen(s, actor=ALEX, collaboration_id=c.id, now=at(5)))


async def test_reopen_is_refused_while_a_later_collaboration_is_active(sessions: Sessions) -> None:
    november = await _wrapped_up(sessions)
    await start(sessions, title="Retail Co — December 2026 statement", period="2026-12", now=at(60))
    error = await refused(
        sessions, ChannelBusy, lambda s: reopen(s, actor=PAT, collaboration_id=november.id, now=at(61))
    )
    assert error.message == (
        "“Retail Co — December 2026 statement” is open in this channel now; "
        "“Retail Co — November 2026 statement” can't be reopened while it is."
    )


async def test_reopen_gives_the_turn_to_the_reopening_side_and_clears_sign_offs(sessions: Sessions) -> None:
    c = await _wrapped_up(sessions)
    await refused(sessions, RoleRequired, lambda s: reopen(s, actor=SAM, collaboration_id=c.id, now=at(20)))
    async with sessions.begin() as session:
        await reopen(session, actor=PAT, collaboration_id=c.id, reason="CM-2231 is missing", now=at(20))
    again = await current(sessions, c.id)
    assert (again.status, again.turn_number, again.holding_side) == (
        CollaborationStatus.ACTIVE,
        5,
        Side.GUEST,
    )
    assert (again.host_signed_off_by, again.guest_signed_off_by, again.wrapped_up_at) == (None, None, None)
    assert (await turns(sessions, c.id))[-1].side is Side.GUEST
    events = await chain(sessions, c.id)
    assert events[-1].kind == "reopened" and events[-1].data["reason"] == "CM-2231 is missing"
    assert verify_chain(events) == []


async def test_skip_needs_no_message_and_is_recorded(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        turn = await skip_turn(session, actor=ALEX, collaboration_id=c.id, now=at(1))
    assert (turn.end_kind, turn.message) == (TurnEnd.SKIPPED, None)
    assert (await chain(sessions, c.id))[-1].kind == "turn_skipped"
    assert [e.payload for e in await outbox(sessions, OutboxKind.TURN_UPDATE)] == [
        {"collaboration_id": c.id, "turn": 1}
    ]


async def test_a_stale_turn_number_is_a_conflict_naming_who_passed(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="Statement.", expected_turn=1, now=at(1))
    error = await refused(
        sessions,
        Conflict,
        lambda s: pass_turn(s, actor=ALEX, collaboration_id=c.id, message="again", expected_turn=1, now=at(2)),
    )
    assert error.message == "Turn 1 was already passed by Alex Kim."
    # Without the turn number (a slash command), the refusal still says what happened.
    error = await refused(
        sessions,
        NotYourTurn,
        lambda s: pass_turn(s, actor=ALEX, collaboration_id=c.id, message="again", now=at(2)),
    )
    assert error.message == "Alex Kim already passed Turn 1. It's Retail Co's turn (Turn 2): Pat Lee can pass it."


async def test_twenty_concurrent_passes_make_exactly_one(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        await add_participants(
            session,
            actor=ALEX,
            collaboration_id=c.id,
            now=at(1),
            people=[NewPerson(JO.user_id, ACME, Role.LEADER)],
        )

    async def click(i: int) -> str:
        try:
            async with sessions.begin() as session:
                await pass_turn(
                    session,
                    actor=(ALEX, JO)[i % 2],
                    collaboration_id=c.id,
                    message=f"update {i}",
                    expected_turn=1,
                    now=at(2),
                )
        except Conflict as e:
            return e.message
        return "passed"

    results = await asyncio.gather(*(click(i) for i in range(20)))
    assert results.count("passed") == 1
    winner = "Alex Kim" if results.index("passed") % 2 == 0 else "Jo Park"
    assert set(results) - {"passed"} == {f"Turn 1 was already passed by {winner}."}
    ended = [t for t in await turns(sessions, c.id) if t.ended_at is not None]
    assert len(ended) == 1
    assert len(await outbox(sessions, OutboxKind.TURN_UPDATE)) == 1
    state = await current(sessions, c.id)
    assert (state.turn_number, state.holding_side) == (2, Side.GUEST)
    events = await chain(sessions, c.id)
    assert [e.kind for e in events].count("turn_passed") == 1
    assert verify_chain(events) == []


async def test_a_side_whose_leaders_left_is_led_by_its_contributors(sessions: Sessions) -> None:
    from models.use_cases import member_left

    c = await start(sessions)
    async with sessions.begin() as session:
        await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="Statement.", now=at(1))
        await member_left(session, channel_id=CHANNEL, user_id=PAT.user_id, now=at(2))
    async with sessions.begin() as session:
        await pass_turn(session, actor=SAM, collaboration_id=c.id, message="Reviewed.", now=at(3))
    assert (await current(sessions, c.id)).holding_side is Side.HOST


async def _wrapped_up(sessions: Sessions) -> Collaboration:
    c = await start(sessions)
    async with sessions.begin() as session:
        await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="Statement.", now=at(1))
        await pass_turn(session, actor=PAT, collaboration_id=c.id, message="All good.", now=at(2))
        await sign_off(session, actor=ALEX, collaboration_id=c.id, now=at(3))
        await sign_off(session, actor=PAT, collaboration_id=c.id, now=at(4))
    wrapped = await current(sessions, c.id)
    assert wrapped.status is CollaborationStatus.WRAPPED_UP
    return wrapped
