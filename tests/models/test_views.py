"""What the card, the Home tab and the modal pre-checks read; and the one-active-per-channel index."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from bot.db import Sessions
from models.collaborations import Collaboration, CollaborationStatus, InviteStatus
from models.errors import NotAParticipant, NotFound, NotYourTurn, RoleRequired
from models.sides import Actor, Role, Side
from models.use_cases import (
    Action,
    PersonView,
    collaboration_view,
    home_view,
    pass_turn,
    record_card,
    why_not,
)
from tests.models.support import ACME, ALEX, CHANNEL, JO, PAT, SAM, STRANGER, T0, at, snapshot, start

OLGA = Actor("U0OLGA", ACME, "Olga Ruiz")


async def test_why_not_answers_before_the_modal_is_acked_and_changes_nothing(sessions: Sessions) -> None:
    c = await start(sessions)
    before = await snapshot(sessions)
    assert await why_not(sessions, ALEX, Action.PASS, c.id) is None
    assert await why_not(sessions, JO, Action.WORK, c.id) is None
    assert isinstance(await why_not(sessions, JO, Action.PASS, c.id), RoleRequired)
    assert isinstance(await why_not(sessions, STRANGER, Action.WORK, c.id), NotAParticipant)
    assert isinstance(await why_not(sessions, ALEX, Action.PASS, 999), NotFound)
    async with sessions() as session:
        refusal = await why_not(session, SAM, Action.WORK, c.id)
    assert isinstance(refusal, NotYourTurn)
    assert refusal.can_act == (ALEX.user_id, JO.user_id), "everyone who can work on Acme's turn"
    assert await why_not(sessions, PAT, Action.ADD_PEOPLE, c.id) is None, "leaders manage people on any turn"
    assert await snapshot(sessions) == before


async def test_the_card_view_names_the_holder_people_and_the_last_update(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        await record_card(session, c.id, "1764579600.000100")
        await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="Statement attached.", now=at(1))
    async with sessions() as session:
        view = await collaboration_view(session, c.id)
    assert (view.title, view.period, view.status, view.turn_number, view.holder_name) == (
        "Retail Co — November 2026 statement",
        "2026-11",
        CollaborationStatus.ACTIVE,
        2,
        "Retail Co",
    )
    assert view.card_ts == "1764579600.000100"
    assert view.turn_started_at == at(1)
    assert view.participants[Side.HOST] == (
        PersonView(ALEX.user_id, "Alex Kim", Side.HOST, Role.LEADER),
        PersonView(JO.user_id, "Jo Park", Side.HOST, Role.CONTRIBUTOR),
    )
    assert [p.display_name for p in view.participants[Side.GUEST]] == ["Pat Lee", "Sam Ortiz"]
    assert view.last_update is not None
    assert (view.last_update.number, view.last_update.ended_by_name, view.last_update.message) == (
        1,
        "Alex Kim",
        "Statement attached.",
    )
    assert (view.invite_status, view.account_name, view.signed_off) == (InviteStatus.NONE, "Retail Co", {})


async def test_home_splits_your_turn_from_waiting_on_them(sessions: Sessions) -> None:
    mine = await start(sessions, channel="C0A", title="A — November")
    theirs = await start(sessions, channel="C0B", title="B — November", account_name="B Stores")
    # Someone else's collaboration, with Alex not in its channel: not on Alex's Home.
    await start(
        sessions,
        channel="C0C",
        title="C",
        account_name="C Mart",
        actor=OLGA,
        channel_members=[],
        guest_contact_user_id=None,
    )
    async with sessions.begin() as session:
        await pass_turn(session, actor=ALEX, collaboration_id=theirs.id, message="Sent.", now=at(1))
    async with sessions() as session:
        home = await home_view(session, ALEX.user_id)
        guest_home = await home_view(session, PAT.user_id)
    assert [i.collaboration_id for i in home.your_turn] == [mine.id]
    assert [(i.collaboration_id, i.holder_name) for i in home.waiting_on_them] == [(theirs.id, "B Stores")]
    assert home.your_turn[0].role is Role.LEADER
    assert guest_home.your_turn == guest_home.waiting_on_them == (), "Home lists only host participants' work"


async def test_the_database_allows_one_active_collaboration_per_channel(sessions: Sessions) -> None:
    """The partial unique index itself (the migration's, which the schema comparison cannot see)."""
    first = await start(sessions)

    def another(status: CollaborationStatus) -> Collaboration:
        return Collaboration(
            account_id=first.account_id,
            channel_id=CHANNEL,
            title="x",
            host_name="Acme",
            guest_name="Retail Co",
            host_team_key=ACME,
            created_by=ALEX.user_id,
            created_at=T0,
            status=status,
        )

    async with sessions.begin() as session:
        session.add(another(CollaborationStatus.WRAPPED_UP))
        session.add(another(CollaborationStatus.ROLLED_OVER))
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(another(CollaborationStatus.ACTIVE))
    async with sessions.begin() as session:
        other = another(CollaborationStatus.ACTIVE)
        other.channel_id = "C0ELSEWHERE"
        session.add(other)
