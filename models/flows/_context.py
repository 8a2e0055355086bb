"""Loading what the rules look at, and the small steps several use cases share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import (
    Account,
    Collaboration,
    Participant,
    Turn,
    active_in_channel,
    get_collaboration,
    lock_collaboration,
    participants_of,
)
from models.drafts import count_drafts
from models.history import EventKind, append_event
from models.permissions import Action, Situation
from models.sides import Actor, Side

__all__ = ["clear_sign_offs", "last_ended_turn", "load_situation", "participant_added_data", "set_guest_team"]


async def load_situation(
    session: AsyncSession, actor: Actor, collaboration_id: int, action: Action, *, lock: bool
) -> Situation:
    """Read the collaboration (locked when about to change it) and everything the rules for `action` need."""
    if lock:
        collaboration = await lock_collaboration(session, collaboration_id)
    else:
        collaboration = await get_collaboration(session, collaboration_id)
    people = await participants_of(session, collaboration_id, include_inactive=True)
    me = next((p for p in people if p.user_id == actor.user_id and p.active), None)
    # Only what the rules for `action` look at is read: this runs before the ack of every click and form.
    drafts = 0
    if me is not None and action in (Action.SKIP, Action.SIGN_OFF):
        drafts = await count_drafts(session, collaboration_id, me.side)
    last_turn = None
    if me is not None and me.side is not collaboration.holding_side:
        last_turn = await last_ended_turn(session, collaboration_id)  # "X already passed Turn 3."
    other_active = None
    if action is Action.REOPEN:
        other = await active_in_channel(session, collaboration.channel_id)
        other_active = other if other is not None and other.id != collaboration.id else None
    return Situation(
        collaboration=collaboration,
        people=people,
        actor_user_id=actor.user_id,
        drafts=drafts,
        other_active=other_active,
        last_turn=last_turn,
    )


async def last_ended_turn(session: AsyncSession, collaboration_id: int) -> Turn | None:
    return await session.scalar(
        select(Turn)
        .where(Turn.collaboration_id == collaboration_id, Turn.ended_at.is_not(None))
        .order_by(Turn.number.desc())
        .limit(1)
    )


async def clear_sign_offs(
    session: AsyncSession, collaboration: Collaboration, *, actor: Actor | None, because: str, now: datetime
) -> None:
    """A change to the record after a sign-off clears it (passing or skipping is not a change)."""
    cleared = {
        side.value: user_id
        for side in (Side.HOST, Side.GUEST)
        if (user_id := collaboration.signed_off_by(side)) is not None
    }
    if not cleared:
        return
    collaboration.host_signed_off_by = None
    collaboration.guest_signed_off_by = None
    await append_event(
        session,
        collaboration.id,
        EventKind.SIGN_OFFS_CLEARED,
        actor=actor.user_id if actor else None,
        side=None,
        data={"cleared": cleared, "because": because},
        at=now,
    )


def participant_added_data(person: Participant, *, how: str) -> dict[str, Any]:
    """Event data naming a participant; `how`: "started", "added", "joined", "accepted" or "rejoined"."""
    return {
        "user_id": person.user_id,
        "display_name": person.display_name,
        "side": person.side.value,
        "role": person.role.value,
        "team_key": person.team_key,
        "how": how,
    }


async def set_guest_team(session: AsyncSession, collaboration: Collaboration, team_key: str) -> None:
    """The guest's organisation is known at last: on the collaboration and, if it had none, its account."""
    collaboration.guest_team_key = team_key
    account = await session.get(Account, collaboration.account_id)
    if account is not None and account.guest_team_key is None:
        account.guest_team_key = team_key
