"""The guest's Slack Connect invitation: sent by a host leader, accepted or declined on the guest's side."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import notices
from models.collaborations import Collaboration, InviteStatus, Participant, active_in_channel
from models.errors import RoleRequired
from models.flows._context import load_situation, participant_added_data, set_guest_team
from models.flows.start import valid_email
from models.history import EventKind, append_event
from models.permissions import Action, require
from models.sides import Actor, Member, Role, Side

__all__ = ["invite_accepted", "invite_declined", "invite_sent"]


async def invite_sent(
    session: AsyncSession, *, actor: Actor, collaboration_id: int, email: str, now: datetime
) -> Collaboration:
    """A host leader invites the retailer's contact into the channel by email (Slack Connect)."""
    address = valid_email(email, field="contact_email")
    situation = await load_situation(session, actor, collaboration_id, Action.ADD_PEOPLE, lock=True)
    require(Action.ADD_PEOPLE, situation)
    c = situation.collaboration
    me = situation.me
    assert me is not None  # require() refuses non-participants
    if me.side is not Side.HOST:
        raise RoleRequired(f"{c.host_name} invites people by email; bring your colleagues into the channel in Slack.")
    c.guest_contact_email = address
    c.invite_status = InviteStatus.PENDING
    await session.flush()
    await append_event(
        session,
        c.id,
        EventKind.INVITE_SENT,
        actor=actor.user_id,
        side=Side.HOST,
        data={"email": address},
        at=now,
    )
    await notices.invite_guest(session, c, address)
    await notices.refresh_card(session, c)
    return c


async def invite_accepted(
    session: AsyncSession,
    *,
    channel_id: str,
    guest_team_key: str,
    accepting_user_id: str,
    display_name: str = "",
    guest_name: str | None = None,
    channel_members: Sequence[Member] = (),
    now: datetime,
) -> Collaboration | None:
    """The guest accepted: its organisation becomes the guest side and the accepting person a guest leader.

    `channel_members` may list the guest's people already in the channel; they become contributors.
    None when the channel has no active collaboration. An acceptance by the host's own organisation,
    or by a third one once the guest is known, changes nothing. A repeated event changes nothing.
    """
    c = await active_in_channel(session, channel_id, lock=True)
    if c is None:
        return None
    if guest_team_key == c.host_team_key or (c.guest_team_key not in (None, guest_team_key)):
        return c
    existing = {
        p.user_id: p for p in await session.scalars(select(Participant).where(Participant.collaboration_id == c.id))
    }
    accepting = existing.get(accepting_user_id)
    if (
        c.invite_status is InviteStatus.ACCEPTED
        and accepting is not None
        and accepting.active
        and accepting.role is Role.LEADER
    ):
        return c

    await set_guest_team(session, c, guest_team_key)
    c.invite_status = InviteStatus.ACCEPTED
    if guest_name and guest_name.strip():
        c.guest_name = guest_name.strip()
    if c.guest_contact_user_id is None:
        c.guest_contact_user_id = accepting_user_id
    await append_event(
        session,
        c.id,
        EventKind.INVITE_ACCEPTED,
        actor=accepting_user_id,
        side=Side.GUEST,
        data={"user_id": accepting_user_id, "team_key": guest_team_key, "guest_name": c.guest_name},
        at=now,
    )

    joined: list[Participant] = []
    wanted = [Member(accepting_user_id, guest_team_key, display_name)] + [
        m for m in channel_members if m.team_key == guest_team_key and m.user_id != accepting_user_id
    ]
    for member in wanted:
        role = Role.LEADER if member.user_id == accepting_user_id else Role.CONTRIBUTOR
        person = existing.get(member.user_id)
        if person is not None and person.active and (person.role is role or role is Role.CONTRIBUTOR):
            continue
        if person is None:
            person = Participant(
                collaboration_id=c.id,
                user_id=member.user_id,
                display_name=member.display_name,
                side=Side.GUEST,
                team_key=guest_team_key,
                role=role,
                active=True,
                added_by=None,
                joined_at=now,
            )
            session.add(person)
        else:
            person.active, person.role = True, role
            if member.display_name:
                person.display_name = member.display_name
        await session.flush()
        await append_event(
            session,
            c.id,
            EventKind.PARTICIPANT_ADDED,
            actor=accepting_user_id,
            side=Side.GUEST,
            data=participant_added_data(person, how="accepted"),
            at=now,
        )
        joined.append(person)
    for person in joined:
        await notices.read_in(session, c, person.user_id)
    await notices.refresh_card(session, c)
    return c


async def invite_declined(session: AsyncSession, *, channel_id: str, now: datetime) -> Collaboration | None:
    """The guest declined the invitation; the card says so and a host leader may invite someone else."""
    c = await active_in_channel(session, channel_id, lock=True)
    if c is None or c.invite_status is not InviteStatus.PENDING:
        return c
    c.invite_status = InviteStatus.DECLINED
    await session.flush()
    await append_event(
        session,
        c.id,
        EventKind.INVITE_DECLINED,
        actor=None,
        side=None,
        data={"email": c.guest_contact_email},
        at=now,
    )
    await notices.refresh_card(session, c)
    return c
