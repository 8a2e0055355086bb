"""People: leaders adding and removing participants, and channel members joining or leaving.

Who manages whom (DESIGN §2 gives leaders the power to add and remove people; this module draws the
lines between the two organisations):
- Any leader, of either side and whoever holds the turn, adds people to *their own* side: people of
  their own organisation, or people of a third organisation (a carrier, say) — those need the side
  given explicitly. Nobody adds people of the other side's organisation: they join the channel and
  become contributors of their side, or their own leaders change their role.
- A leader changes the role of, and removes, people of their own side only, and never leaves the side
  without a leader.
- Leaders' additions, role changes and removals change the record, so they clear sign-offs. Slack
  membership (joining or leaving the channel) is not a decision about the record and clears nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import notices
from models.collaborations import Collaboration, Participant, active_in_channel
from models.errors import InvalidInput
from models.flows._context import clear_sign_offs, load_situation, participant_added_data, set_guest_team
from models.history import EventKind, append_event
from models.permissions import Action, Situation, leaders_of, require
from models.sides import Actor, NewPerson, Role, Side

__all__ = ["add_participants", "member_joined", "member_left", "remove_participants"]


async def add_participants(
    session: AsyncSession,
    *,
    actor: Actor,
    collaboration_id: int,
    people: Sequence[NewPerson],
    now: datetime,
) -> list[Participant]:
    """Add people to the actor's side, or change their role; returns the participants that changed.

    A leader only (see the module's rules). New people are invited into the channel and get a read-in.
    """
    if not people:
        raise InvalidInput("Choose at least one person.", field="people")
    situation = await load_situation(session, actor, collaboration_id, Action.ADD_PEOPLE, lock=True)
    require(Action.ADD_PEOPLE, situation)
    c = situation.collaboration
    me = situation.me
    assert me is not None  # require() refuses non-participants
    side = me.side
    existing = {p.user_id: p for p in situation.people}

    # Check everyone first: a refusal changes nothing.
    plan: list[tuple[NewPerson, Participant | None, Role]] = []
    for person in people:
        who = person.display_name or "One of the people you chose"
        org_side = c.side_of_team(person.team_key)
        if org_side is side.other:
            other = c.org_name(side.other)
            raise InvalidInput(f"{who} is with {other}: {other}'s own leaders manage their people.", field="people")
        if person.side is not None and person.side is not side:
            raise InvalidInput(f"Leaders add people to their own side, {c.org_name(side)}.", field="people")
        if org_side is None and person.side is None:
            raise InvalidInput(
                f"{who} is from another organisation: add them with a side to confirm they work with "
                f"{c.org_name(side)}.",
                field="people",
            )
        known = existing.get(person.user_id)
        if known is not None and known.side is not side:
            other = c.org_name(known.side)
            raise InvalidInput(f"{who} is on {other}'s side: {other}'s own leaders manage them.", field="people")
        role = person.role or (known.role if known is not None else Role.CONTRIBUTOR)
        if known is not None and known.active and known.role is role:
            continue
        plan.append((person, known, role))
    _keep_a_leader(situation, side, demoted={k.user_id for _, k, r in plan if k is not None and r is not Role.LEADER})

    changed: list[Participant] = []
    newcomers: list[Participant] = []
    for person, known, role in plan:
        if known is None:
            participant = Participant(
                collaboration_id=c.id,
                user_id=person.user_id,
                display_name=person.display_name,
                side=side,
                team_key=person.team_key,
                role=role,
                active=True,
                added_by=actor.user_id,
                joined_at=now,
            )
            session.add(participant)
            await session.flush()
            await _added(session, c, participant, actor, how="added", now=now)
            newcomers.append(participant)
        elif not known.active:
            participant = known
            participant.active, participant.role, participant.added_by = True, role, actor.user_id
            if person.display_name:
                participant.display_name = person.display_name
            await _added(session, c, participant, actor, how="added", now=now)
            newcomers.append(participant)
        else:
            participant = known
            before = participant.role
            participant.role = role
            await append_event(
                session,
                c.id,
                EventKind.PARTICIPANT_ROLE_CHANGED,
                actor=actor.user_id,
                side=side,
                data={"user_id": participant.user_id, "from": before.value, "to": role.value},
                at=now,
            )
        changed.append(participant)
    if not changed:
        return changed
    await clear_sign_offs(session, c, actor=actor, because="people changed", now=now)
    # The channel invite goes first in the channel's lane, so the read-ins reach members.
    await notices.invite_to_channel(session, c, [p.user_id for p in newcomers])
    for participant in newcomers:
        await notices.read_in(session, c, participant.user_id)
    await notices.refresh_card(session, c)
    await notices.refresh_homes(session, c, changed)
    return changed


async def remove_participants(
    session: AsyncSession,
    *,
    actor: Actor,
    collaboration_id: int,
    user_ids: Sequence[str],
    now: datetime,
) -> list[Participant]:
    """Remove people of the actor's side from the collaboration (kept, inactive, for the record).

    A leader only; never the side's last leader. They stay in the Slack channel.
    """
    if not user_ids:
        raise InvalidInput("Choose at least one person.", field="people")
    situation = await load_situation(session, actor, collaboration_id, Action.REMOVE_PEOPLE, lock=True)
    require(Action.REMOVE_PEOPLE, situation)
    c = situation.collaboration
    me = situation.me
    assert me is not None  # require() refuses non-participants
    active = {p.user_id: p for p in situation.people if p.active}
    leaving: list[Participant] = []
    for user_id in dict.fromkeys(user_ids):
        person = active.get(user_id)
        if person is None:
            raise InvalidInput(f"One of the people you chose isn't part of “{c.title}”.", field="people")
        if person.side is not me.side:
            other = c.org_name(person.side)
            who = person.display_name or "One of the people you chose"
            raise InvalidInput(f"{who} is with {other}: {other}'s own leaders manage their people.", field="people")
        leaving.append(person)
    _keep_a_leader(situation, me.side, demoted={p.user_id for p in leaving})

    for person in leaving:
        person.active = False
        await append_event(
            session,
            c.id,
            EventKind.PARTICIPANT_REMOVED,
            actor=actor.user_id,
            side=person.side,
            data={
                "user_id": person.user_id,
                "side": person.side.value,
                "role": person.role.value,
                "how": "removed",
            },
            at=now,
        )
    await session.flush()
    await clear_sign_offs(session, c, actor=actor, because="people changed", now=now)
    await notices.refresh_card(session, c)
    await notices.refresh_homes(session, c, leaving)
    return leaving


async def member_joined(
    session: AsyncSession,
    *,
    channel_id: str,
    user_id: str,
    team_key: str,
    display_name: str = "",
    now: datetime,
) -> Participant | None:
    """Someone joined the channel: a contributor of their organisation's side, with a read-in.

    None when the channel has no active collaboration, or the person is of a third organisation
    (a leader adds them with a side). Someone who was removed or left comes back with their old role.
    The invited contact joining before Slack reported the accepted invitation makes their
    organisation the guest side and them its leader.
    """
    c = await active_in_channel(session, channel_id, lock=True)
    if c is None:
        return None
    known = await _participant(session, c.id, user_id)
    if known is not None and known.active:
        return known  # Slack repeats events; this one is already recorded
    if known is not None:
        known.active = True
        if display_name:
            known.display_name = display_name
        await _joined(session, c, known, how="rejoined", now=now)
        return known

    side = c.side_of_team(team_key)
    is_contact = user_id == c.guest_contact_user_id
    if side is None and is_contact and c.guest_team_key is None and team_key != c.host_team_key:
        await set_guest_team(session, c, team_key)
        side = Side.GUEST
    if side is None:
        return None
    participant = Participant(
        collaboration_id=c.id,
        user_id=user_id,
        display_name=display_name,
        side=side,
        team_key=team_key,
        role=Role.LEADER if is_contact and side is Side.GUEST else Role.CONTRIBUTOR,
        active=True,
        added_by=None,
        joined_at=now,
    )
    session.add(participant)
    await session.flush()
    await _joined(session, c, participant, how="joined", now=now)
    return participant


async def member_left(session: AsyncSession, *, channel_id: str, user_id: str, now: datetime) -> Participant | None:
    """Someone left the channel: no longer a participant (kept, inactive, for the record)."""
    c = await active_in_channel(session, channel_id, lock=True)
    if c is None:
        return None
    person = await _participant(session, c.id, user_id)
    if person is None or not person.active:
        return None
    person.active = False
    await session.flush()
    await append_event(
        session,
        c.id,
        EventKind.PARTICIPANT_REMOVED,
        actor=user_id,
        side=person.side,
        data={"user_id": user_id, "side": person.side.value, "role": person.role.value, "how": "left"},
        at=now,
    )
    await notices.refresh_card(session, c)
    await notices.refresh_homes(session, c, [person])
    return person


def _keep_a_leader(situation: Situation, side: Side, *, demoted: set[str]) -> None:
    leaders = [p for p in leaders_of(situation.people, side) if p.role is Role.LEADER]
    if leaders and all(p.user_id in demoted for p in leaders):
        org = situation.collaboration.org_name(side)
        who = leaders[0].display_name or "That person"
        raise InvalidInput(
            f"{who} is {org}'s only leader: make someone else a leader first."
            if len(leaders) == 1
            else f"That would leave {org} without a leader: keep one.",
            field="people",
        )


async def _participant(session: AsyncSession, collaboration_id: int, user_id: str) -> Participant | None:
    return await session.scalar(
        select(Participant).where(Participant.collaboration_id == collaboration_id, Participant.user_id == user_id)
    )


async def _added(
    session: AsyncSession,
    c: Collaboration,
    person: Participant,
    actor: Actor | None,
    *,
    how: str,
    now: datetime,
) -> None:
    await append_event(
        session,
        c.id,
        EventKind.PARTICIPANT_ADDED,
        actor=actor.user_id if actor else person.user_id,
        side=person.side,
        data=participant_added_data(person, how=how),
        at=now,
    )


async def _joined(session: AsyncSession, c: Collaboration, person: Participant, *, how: str, now: datetime) -> None:
    await _added(session, c, person, None, how=how, now=now)
    await notices.read_in(session, c, person.user_id)
    await notices.refresh_card(session, c)
    await notices.refresh_homes(session, c, [person])
