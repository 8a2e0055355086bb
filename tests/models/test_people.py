"""People: newcomers become contributors of their side with a read-in; leaders manage their own side."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import Sessions
from models.collaborations import Account, Collaboration, InviteStatus, Participant
from models.errors import InvalidInput, RoleRequired
from models.outbox import OutboxKind
from models.sides import Member, Role, Side
from models.use_cases import (
    NewPerson,
    add_participants,
    invite_accepted,
    invite_declined,
    invite_sent,
    member_joined,
    member_left,
    pass_turn,
    remove_participants,
)
from tests.models.support import (
    ACME,
    ALEX,
    CARL,
    CARRIER,
    CHANNEL,
    JO,
    PAT,
    RETAIL,
    SAM,
    at,
    chain,
    outbox,
    refused,
    start,
)


async def people(sessions: Sessions, collaboration_id: int) -> dict[str, tuple[Side, Role, bool]]:
    async with sessions() as session:
        rows = await session.scalars(select(Participant).where(Participant.collaboration_id == collaboration_id))
        return {p.user_id: (p.side, p.role, p.active) for p in rows}


async def test_a_newcomer_becomes_a_contributor_of_their_side_with_a_read_in(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        joined = await member_joined(
            session,
            channel_id=CHANNEL,
            user_id="U0RECV",
            team_key=RETAIL,
            display_name="Rae Receiving",
            now=at(1),
        )
    assert joined is not None and (joined.side, joined.role) == (Side.GUEST, Role.CONTRIBUTOR)
    (read_in,) = await outbox(sessions, OutboxKind.READ_IN)
    assert (read_in.lane, read_in.payload) == (CHANNEL, {"collaboration_id": c.id, "user_id": "U0RECV"})
    assert (await chain(sessions, c.id))[-1].data["how"] == "joined"

    # Slack repeats events: the same join records nothing more.
    async with sessions.begin() as session:
        again = await member_joined(session, channel_id=CHANNEL, user_id="U0RECV", team_key=RETAIL, now=at(2))
    assert again is not None and again.id == joined.id
    assert len(await outbox(sessions, OutboxKind.READ_IN)) == 1

    # A third organisation's person gets no side by joining.
    async with sessions.begin() as session:
        assert await member_joined(session, channel_id=CHANNEL, user_id="U0TRUCK", team_key=CARRIER, now=at(3)) is None
    assert "U0TRUCK" not in await people(sessions, c.id)


async def test_leaving_and_coming_back_keeps_the_role(sessions: Sessions) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        await add_participants(
            session,
            actor=ALEX,
            collaboration_id=c.id,
            now=at(1),
            people=[NewPerson(JO.user_id, ACME, Role.LEADER)],
        )
        await member_left(session, channel_id=CHANNEL, user_id=JO.user_id, now=at(2))
    assert (await people(sessions, c.id))[JO.user_id] == (Side.HOST, Role.LEADER, False)
    async with sessions.begin() as session:
        await member_joined(session, channel_id=CHANNEL, user_id=JO.user_id, team_key=ACME, now=at(3))
    assert (await people(sessions, c.id))[JO.user_id] == (Side.HOST, Role.LEADER, True)


async def test_no_collaboration_means_nothing_to_join(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        assert await member_joined(session, channel_id="C0EMPTY", user_id="U1", team_key=ACME, now=at(0)) is None
        assert await member_left(session, channel_id="C0EMPTY", user_id="U1", now=at(0)) is None


async def test_leaders_add_people_to_their_own_side_only(sessions: Sessions) -> None:
    c = await start(sessions)
    error = await refused(
        sessions,
        InvalidInput,
        lambda s: add_participants(
            s,
            actor=ALEX,
            collaboration_id=c.id,
            now=at(1),
            people=[NewPerson("U0RECV", RETAIL, display_name="Rae")],
        ),
    )
    assert (error.field, error.message) == (
        "people",
        "Rae is with Retail Co: Retail Co's own leaders manage their people.",
    )

    error = await refused(
        sessions,
        InvalidInput,
        lambda s: add_participants(
            s,
            actor=PAT,
            collaboration_id=c.id,
            now=at(1),
            people=[NewPerson(CARL.user_id, CARRIER, display_name="Carl")],
        ),
    )
    assert error.message.startswith("Carl is from another organisation: add them with a side")

    await refused(
        sessions,
        RoleRequired,
        lambda s: add_participants(s, actor=SAM, collaboration_id=c.id, now=at(1), people=[NewPerson("U9", RETAIL)]),
    )

    async with sessions.begin() as session:
        added = await add_participants(
            session,
            actor=PAT,
            collaboration_id=c.id,
            now=at(2),
            people=[NewPerson(CARL.user_id, CARRIER, side=Side.GUEST, display_name="Carl Hauler")],
        )
    assert [(p.user_id, p.side, p.role) for p in added] == [(CARL.user_id, Side.GUEST, Role.CONTRIBUTOR)]
    invite = (await outbox(sessions, OutboxKind.CHANNEL_INVITE))[-1]
    read_in = (await outbox(sessions, OutboxKind.READ_IN))[-1]
    assert invite.payload["user_ids"] == [CARL.user_id]
    assert invite.id < read_in.id and invite.lane == read_in.lane == CHANNEL, "invited before the read-in"


async def test_leaders_remove_people_of_their_side_but_never_the_last_leader(sessions: Sessions) -> None:
    c = await start(sessions)
    error = await refused(
        sessions,
        InvalidInput,
        lambda s: remove_participants(s, actor=ALEX, collaboration_id=c.id, user_ids=[SAM.user_id], now=at(1)),
    )
    assert error.message == "Sam Ortiz is with Retail Co: Retail Co's own leaders manage their people."
    error = await refused(
        sessions,
        InvalidInput,
        lambda s: remove_participants(s, actor=ALEX, collaboration_id=c.id, user_ids=[ALEX.user_id], now=at(1)),
    )
    assert error.message == "Alex Kim is Acme's only leader: make someone else a leader first."

    async with sessions.begin() as session:
        await remove_participants(session, actor=ALEX, collaboration_id=c.id, user_ids=[JO.user_id], now=at(2))
    assert (await people(sessions, c.id))[JO.user_id] == (Side.HOST, Role.CONTRIBUTOR, False)
    assert (await chain(sessions, c.id))[-1].data == {
        "user_id": JO.user_id,
        "side": "host",
        "role": "contributor",
        "how": "removed",
    }


async def test_an_email_invitation_until_the_guest_accepts(sessions: Sessions) -> None:
    c = await start(
        sessions,
        guest_contact_user_id=None,
        guest_contact_email="ap@retail.example",
        channel_members=[Member(ALEX.user_id, ACME, "Alex Kim"), Member(JO.user_id, ACME, "Jo Park")],
    )
    assert c.invite_status is InviteStatus.PENDING
    (invite,) = await outbox(sessions, OutboxKind.INVITE_GUEST)
    assert invite.payload == {"collaboration_id": c.id, "email": "ap@retail.example"}
    async with sessions.begin() as session:
        await pass_turn(session, actor=ALEX, collaboration_id=c.id, message="Statement attached.", now=at(1))

    async with sessions.begin() as session:
        accepted = await invite_accepted(
            session,
            channel_id=CHANNEL,
            guest_team_key=RETAIL,
            accepting_user_id=PAT.user_id,
            display_name="Pat Lee",
            guest_name="Retail Co (AP)",
            channel_members=[Member(SAM.user_id, RETAIL, "Sam Ortiz"), Member(CARL.user_id, CARRIER)],
            now=at(2),
        )
    assert accepted is not None
    assert (accepted.invite_status, accepted.guest_team_key, accepted.guest_name) == (
        InviteStatus.ACCEPTED,
        RETAIL,
        "Retail Co (AP)",
    )
    roster = await people(sessions, c.id)
    assert roster[PAT.user_id] == (Side.GUEST, Role.LEADER, True)
    assert roster[SAM.user_id] == (Side.GUEST, Role.CONTRIBUTOR, True)
    assert CARL.user_id not in roster
    async with sessions() as session:
        account = await session.scalar(select(Account))
        assert account is not None and account.guest_team_key == RETAIL
    read_ins = {e.payload["user_id"] for e in await outbox(sessions, OutboxKind.READ_IN)}
    assert read_ins == {PAT.user_id, SAM.user_id}

    # Now it is Retail Co's turn, and its leader can pass it.
    async with sessions.begin() as session:
        await pass_turn(session, actor=PAT, collaboration_id=c.id, message="Reviewing.", now=at(3))
    # A repeated acceptance records nothing more.
    events = len(await chain(sessions, c.id))
    async with sessions.begin() as session:
        await invite_accepted(
            session, channel_id=CHANNEL, guest_team_key=RETAIL, accepting_user_id=PAT.user_id, now=at(4)
        )
    assert len(await chain(sessions, c.id)) == events


async def test_the_invited_contact_joining_first_makes_their_organisation_the_guest(
    sessions: Sessions,
) -> None:
    c = await start(sessions, guest_contact_user_id=None, channel_members=[])
    async with sessions.begin() as session:
        row = await session.get(Collaboration, c.id)
        assert row is not None
        row.guest_contact_user_id = PAT.user_id  # e.g. picked in the modal before the channel was shared
    async with sessions.begin() as session:
        joined = await member_joined(session, channel_id=CHANNEL, user_id=PAT.user_id, team_key=RETAIL, now=at(1))
    assert joined is not None and (joined.side, joined.role) == (Side.GUEST, Role.LEADER)
    async with sessions() as session:
        row = await session.get(Collaboration, c.id)
        assert row is not None and row.guest_team_key == RETAIL


async def test_declined_and_resent_invitations(sessions: Sessions) -> None:
    c = await start(sessions, guest_contact_user_id=None, guest_contact_email="ap@retail.example", channel_members=[])
    async with sessions.begin() as session:
        declined = await invite_declined(session, channel_id=CHANNEL, now=at(1))
    assert declined is not None and declined.invite_status is InviteStatus.DECLINED
    await refused(
        sessions,
        InvalidInput,
        lambda s: invite_sent(s, actor=ALEX, collaboration_id=c.id, email="not an address", now=at(2)),
    )
    async with sessions.begin() as session:
        again = await invite_sent(session, actor=ALEX, collaboration_id=c.id, email="ar@retail.example", now=at(2))
    assert (again.invite_status, again.guest_contact_email) == (InviteStatus.PENDING, "ar@retail.example")
    assert [e.payload["email"] for e in await outbox(sessions, OutboxKind.INVITE_GUEST)] == [
        "ap@retail.example",
        "ar@retail.example",
    ]
