"""Starting a collaboration in a channel: its account, its people, Turn 1 to the host."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import notices
from models.collaborations import (
    Account,
    Collaboration,
    InviteStatus,
    Participant,
    Turn,
    active_in_channel,
)
from models.errors import ChannelBusy, InvalidInput, RoleRequired
from models.flows._context import participant_added_data
from models.history import EventKind, append_event
from models.sides import Actor, Member, Role, Side

__all__ = ["start_collaboration", "valid_email", "valid_period"]

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
TITLE_MAX = 200


def valid_period(period: str | None) -> str | None:
    """The period as stored ("YYYY-MM") or None; InvalidInput on the "period" field otherwise."""
    period = (period or "").strip()
    if not period:
        return None
    if not _PERIOD.fullmatch(period):
        raise InvalidInput("Write the period as year and month, like 2026-11.", field="period")
    return period


def valid_email(email: str, *, field: str) -> str:
    email = email.strip()
    if not _EMAIL.fullmatch(email):
        raise InvalidInput("That doesn't look like an email address.", field=field)
    return email


def _valid_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput("Give the collaboration a title.", field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"Keep the title under {TITLE_MAX} characters.", field="title")
    return title


async def start_collaboration(
    session: AsyncSession,
    *,
    actor: Actor,
    channel_id: str,
    host_team_key: str,
    host_name: str,
    title: str,
    period: str | None = None,
    note: str = "",
    due_date: date | None = None,
    account_name: str | None = None,
    customer_number: str | None = None,
    guest_name: str | None = None,
    guest_team_key: str | None = None,
    guest_contact_user_id: str | None = None,
    guest_contact_email: str | None = None,
    channel_members: Sequence[Member] = (),
    timezone: str = "UTC",
    now: datetime,
) -> Collaboration:
    """Open a collaboration in the channel, Turn 1 held by the host.

    The channel's account is created with its first collaboration (`account_name` is then required;
    later it is the account's name). The creator and the guest's contact are leaders; every other
    channel member of the host's or the guest's organisation is a contributor; members of a third
    organisation get no side until a leader adds them. With an email and no guest organisation known
    yet, the contact is invited to the channel (Slack Connect). Refused when the actor is not of the
    host organisation or the channel already has an active collaboration.
    """
    title = _valid_title(title)
    period = valid_period(period)
    email = valid_email(guest_contact_email, field="contact_email") if guest_contact_email else None
    if actor.team_key != host_team_key:
        raise RoleRequired(f"Only {host_name} starts collaborations in this channel.")

    busy = await active_in_channel(session, channel_id, lock=True)
    if busy is not None:
        raise _busy(busy)

    account = await session.scalar(select(Account).where(Account.channel_id == channel_id))
    if account is None:
        name = (account_name or "").strip()
        if not name:
            raise InvalidInput("Name the retailer this channel is for.", field="account_name")
        account = Account(
            name=name,
            customer_number=(customer_number or "").strip() or None,
            channel_id=channel_id,
            guest_team_key=guest_team_key,
            timezone=timezone,
            created_at=now,
        )
    guest_team_key = guest_team_key or account.guest_team_key
    if guest_team_key == host_team_key:
        raise InvalidInput(f"The retailer's organisation can't be {host_name} itself.", field="contact")

    members = {m.user_id: m for m in channel_members}
    contact: Member | None = None
    if guest_contact_user_id:
        contact = members.get(guest_contact_user_id)
        if contact is None and guest_team_key is not None:
            contact = Member(guest_contact_user_id, guest_team_key)
        if contact is None:
            raise InvalidInput(
                "The retailer's contact isn't in this channel yet: invite them by email instead.",
                field="contact",
            )
        if contact.user_id == actor.user_id or contact.team_key == host_team_key:
            raise InvalidInput(f"Choose the retailer's contact, not someone from {host_name}.", field="contact")
        if guest_team_key is not None and contact.team_key != guest_team_key:
            raise InvalidInput("That person isn't with the retailer this channel is shared with.", field="contact")
        guest_team_key = contact.team_key
    if account.guest_team_key is None:
        account.guest_team_key = guest_team_key
    invite = email is not None and guest_team_key is None

    collaboration = Collaboration(
        channel_id=channel_id,
        title=title,
        note=note.strip(),
        period=period,
        due_date=due_date,
        host_name=host_name,
        guest_name=(guest_name or "").strip() or account.name,
        host_team_key=host_team_key,
        guest_team_key=guest_team_key,
        guest_contact_user_id=contact.user_id if contact else None,
        guest_contact_email=email,
        invite_status=InviteStatus.PENDING if invite else InviteStatus.NONE,
        created_by=actor.user_id,
        created_at=now,
    )
    try:
        # The partial unique index settles a race with another start in the same channel.
        async with session.begin_nested():
            session.add(account)
            await session.flush()
            collaboration.account_id = account.id
            session.add(collaboration)
            await session.flush()
    except IntegrityError as e:
        raise ChannelBusy("Someone just started a collaboration in this channel; look at its card.") from e

    people = _initial_people(collaboration, actor, contact, channel_members, now)
    session.add_all(people)
    session.add(Turn(collaboration_id=collaboration.id, number=1, side=Side.HOST, started_at=now))
    await session.flush()

    await append_event(
        session,
        collaboration.id,
        EventKind.COLLABORATION_STARTED,
        actor=actor.user_id,
        side=Side.HOST,
        data={
            "title": title,
            "period": period,
            "note": collaboration.note,
            "due_date": due_date.isoformat() if due_date else None,
            "account": account.name,
            "channel_id": channel_id,
            "host_name": collaboration.host_name,
            "guest_name": collaboration.guest_name,
            "turn": 1,
            "holding_side": Side.HOST.value,
        },
        at=now,
    )
    for person in people:
        await append_event(
            session,
            collaboration.id,
            EventKind.PARTICIPANT_ADDED,
            actor=actor.user_id,
            side=person.side,
            data=participant_added_data(person, how="started"),
            at=now,
        )
    if invite and email is not None:
        await append_event(
            session,
            collaboration.id,
            EventKind.INVITE_SENT,
            actor=actor.user_id,
            side=Side.HOST,
            data={"email": email},
            at=now,
        )
        await notices.invite_guest(session, collaboration, email)
    await notices.refresh_card(session, collaboration)
    await notices.refresh_homes(session, collaboration, people)
    return collaboration


def _initial_people(
    collaboration: Collaboration,
    actor: Actor,
    contact: Member | None,
    channel_members: Sequence[Member],
    now: datetime,
) -> list[Participant]:
    def person(member: Member, side: Side, role: Role) -> Participant:
        return Participant(
            collaboration_id=collaboration.id,
            user_id=member.user_id,
            display_name=member.display_name,
            side=side,
            team_key=member.team_key,
            role=role,
            active=True,
            added_by=actor.user_id,
            joined_at=now,
        )

    people = [person(Member(actor.user_id, actor.team_key, actor.display_name), Side.HOST, Role.LEADER)]
    if contact is not None:
        people.append(person(contact, Side.GUEST, Role.LEADER))
    seen = {p.user_id for p in people}
    for member in channel_members:
        side = collaboration.side_of_team(member.team_key)
        if side is None or member.user_id in seen:
            continue  # a third organisation's people get a side only when a leader adds them
        seen.add(member.user_id)
        people.append(person(member, side, Role.CONTRIBUTOR))
    return people


def _busy(active: Collaboration) -> ChannelBusy:
    return ChannelBusy(
        f"“{active.title}” is still open in this channel (Turn {active.turn_number}, "
        f"{active.org_name(active.holding_side)}'s turn). A channel holds one collaboration at a time: "
        "wrap it up first."
    )
