"""The turn: passing it with an update, skipping it, signing off, and reopening a wrapped-up collaboration.

Two leaders may end the same turn at the same moment. Each use case takes the collaboration row first
(`lock_collaboration`), then moves the turn with an UPDATE conditional on the turn it read (id, turn
number, holding side, status) and checks that exactly one row changed: whatever the database and its
isolation level, one of them ends the turn and the others get `Conflict`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import notices
from models.collaborations import Collaboration, CollaborationStatus, Turn, TurnEnd, turn_of
from models.drafts import publish_drafts
from models.errors import ChannelBusy, Conflict, InvalidInput
from models.flows._context import clear_sign_offs, load_situation
from models.history import EventKind, append_event
from models.permissions import Action, Situation, require
from models.sides import Actor

__all__ = ["pass_turn", "reopen", "sign_off", "skip_turn"]

MESSAGE_MAX = 3000  # a Slack section's text limit, so the update posts as written

_ENDED = {
    TurnEnd.PASSED: "passed by",
    TurnEnd.SKIPPED: "skipped by",
    TurnEnd.SIGNED_OFF: "ended by a sign-off from",
}
_EVENT = {
    TurnEnd.PASSED: EventKind.TURN_PASSED,
    TurnEnd.SKIPPED: EventKind.TURN_SKIPPED,
    TurnEnd.SIGNED_OFF: EventKind.SIGNED_OFF,
}


async def pass_turn(
    session: AsyncSession,
    *,
    actor: Actor,
    collaboration_id: int,
    message: str,
    expected_turn: int | None = None,
    now: datetime,
) -> Turn:
    """Send the update: publish the side's drafts, end the turn with `message`, hand the turn over.

    A leader of the holding side only. `expected_turn` is the turn the person saw (the modal carries
    it): when that turn has already ended, `Conflict` says who ended it.
    """
    text = _message(message, required=True)
    situation = await load_situation(session, actor, collaboration_id, Action.PASS, lock=True)
    await _expect(session, situation, expected_turn)
    require(Action.PASS, situation)
    return await _end_turn(session, situation, actor, TurnEnd.PASSED, text, now=now)


async def skip_turn(
    session: AsyncSession,
    *,
    actor: Actor,
    collaboration_id: int,
    message: str | None = None,
    expected_turn: int | None = None,
    now: datetime,
) -> Turn:
    """End the turn with nothing to send (refused while the side has drafts); the message is optional."""
    text = _message(message, required=False)
    situation = await load_situation(session, actor, collaboration_id, Action.SKIP, lock=True)
    await _expect(session, situation, expected_turn)
    require(Action.SKIP, situation)
    return await _end_turn(session, situation, actor, TurnEnd.SKIPPED, text, now=now)


async def sign_off(
    session: AsyncSession,
    *,
    actor: Actor,
    collaboration_id: int,
    expected_turn: int | None = None,
    now: datetime,
) -> Collaboration:
    """Sign off for the actor's side ("we are satisfied"): a leader, on its turn, with no drafts.

    When the other side has signed off already, the collaboration wraps up and its archive is asked
    for; otherwise the turn passes to the other side with an automatic update.
    """
    situation = await load_situation(session, actor, collaboration_id, Action.SIGN_OFF, lock=True)
    await _expect(session, situation, expected_turn)
    require(Action.SIGN_OFF, situation)
    c = situation.collaboration
    side = c.holding_side
    both = c.signed_off_by(side.other) is not None
    if both:
        text = f"{c.org_name(side)} signed off. Both sides are satisfied: “{c.title}” is wrapped up."
    else:
        text = (
            f"{c.org_name(side)} signed off. Over to {c.org_name(side.other)}: sign off too to wrap up, "
            "or pass the turn back with an update."
        )
    turn = await _end_turn(session, situation, actor, TurnEnd.SIGNED_OFF, text, now=now, wrap_up=both)
    if both:
        event = await append_event(
            session,
            c.id,
            EventKind.WRAPPED_UP,
            actor=actor.user_id,
            side=side,
            data={
                "turn": turn.number,
                "host_signed_off_by": c.host_signed_off_by,
                "guest_signed_off_by": c.guest_signed_off_by,
            },
            at=now,
        )
        await notices.post_archive(session, c, up_to_seq=event.seq, head_hash=event.hash)
    return c


async def reopen(
    session: AsyncSession,
    *,
    actor: Actor,
    collaboration_id: int,
    reason: str | None = None,
    now: datetime,
) -> Collaboration:
    """Make a wrapped-up collaboration active again, the turn to the reopening side; sign-offs are cleared.

    A leader of either side; refused while another (later) collaboration is active in the channel.
    """
    text = _message(reason, required=False)
    situation = await load_situation(session, actor, collaboration_id, Action.REOPEN, lock=True)
    require(Action.REOPEN, situation)
    c = situation.collaboration
    me = situation.me
    assert me is not None  # require() refuses non-participants
    number = c.turn_number + 1
    cleared = {s.value: u for s in (me.side, me.side.other) if (u := c.signed_off_by(s)) is not None}
    try:
        # The partial unique index settles a race with a collaboration starting in the channel.
        async with session.begin_nested():
            result = await session.execute(
                update(Collaboration)
                .where(Collaboration.id == c.id, Collaboration.status == CollaborationStatus.WRAPPED_UP)
                .values(
                    status=CollaborationStatus.ACTIVE,
                    turn_number=number,
                    holding_side=me.side,
                    wrapped_up_at=None,
                    host_signed_off_by=None,
                    guest_signed_off_by=None,
                )
            )
    except IntegrityError as e:
        raise ChannelBusy(f"Another collaboration just opened in this channel; “{c.title}” stays wrapped up.") from e
    if _rowcount(result) != 1:
        raise Conflict(f"“{c.title}” was reopened already.")
    session.add(Turn(collaboration_id=c.id, number=number, side=me.side, started_at=now))
    await session.flush()
    await append_event(
        session,
        c.id,
        EventKind.REOPENED,
        actor=actor.user_id,
        side=me.side,
        data={"reason": text, "turn": number, "holding_side": me.side.value, "cleared_sign_offs": cleared},
        at=now,
    )
    await notices.refresh_card(session, c)
    await notices.refresh_homes(session, c, [p for p in situation.people if p.active])
    return c


def _message(message: str | None, *, required: bool) -> str | None:
    text = (message or "").strip()
    if not text:
        if required:
            raise InvalidInput("Write an update: it tells the other side what changed.", field="message")
        return None
    if len(text) > MESSAGE_MAX:
        raise InvalidInput(f"Keep the message under {MESSAGE_MAX} characters.", field="message")
    return text


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


async def _expect(session: AsyncSession, situation: Situation, expected_turn: int | None) -> None:
    """Conflict when the turn the person acted on has ended meanwhile (a lost race, a stale modal)."""
    c = situation.collaboration
    if expected_turn is None or (expected_turn == c.turn_number and c.status is CollaborationStatus.ACTIVE):
        return
    raise await _already_ended(session, situation, expected_turn)


async def _already_ended(session: AsyncSession, situation: Situation, number: int) -> Conflict:
    turn = await turn_of(session, situation.collaboration.id, number)
    if turn is None or turn.end_kind is None:
        return Conflict("The collaboration changed since you opened this; look at its card again.")
    return Conflict(f"Turn {number} was already {_ENDED[turn.end_kind]} {situation.name_of(turn.ended_by)}.")


async def _end_turn(
    session: AsyncSession,
    situation: Situation,
    actor: Actor,
    how: TurnEnd,
    message: str | None,
    *,
    now: datetime,
    wrap_up: bool = False,
) -> Turn:
    c = situation.collaboration
    number, holder = c.turn_number, c.holding_side
    moved: dict[str, Any] = (
        {"status": CollaborationStatus.WRAPPED_UP, "wrapped_up_at": now}
        if wrap_up
        else {"turn_number": number + 1, "holding_side": holder.other}
    )
    result = await session.execute(
        update(Collaboration)
        .where(
            Collaboration.id == c.id,
            Collaboration.turn_number == number,
            Collaboration.holding_side == holder,
            Collaboration.status == CollaborationStatus.ACTIVE,
        )
        .values(**moved)
    )
    if _rowcount(result) != 1:
        raise await _already_ended(session, situation, number)

    summary: list[str] = []
    if how is TurnEnd.PASSED:
        summary = await publish_drafts(session, collaboration=c, side=holder, turn_number=number, actor=actor, now=now)
        if summary:
            await clear_sign_offs(session, c, actor=actor, because="the record changed", now=now)
    if how is TurnEnd.SIGNED_OFF:
        c.set_signed_off_by(holder, actor.user_id)

    turn = await turn_of(session, c.id, number)
    if turn is None:  # every turn gets its row when it starts; be forgiving all the same
        turn = Turn(collaboration_id=c.id, number=number, side=holder, started_at=now)
        session.add(turn)
    turn.ended_at = now
    turn.ended_by = actor.user_id
    turn.end_kind = how
    turn.message = message
    turn.summary = summary
    if not wrap_up:
        session.add(Turn(collaboration_id=c.id, number=number + 1, side=holder.other, started_at=now))
    await session.flush()

    await append_event(
        session,
        c.id,
        _EVENT[how],
        actor=actor.user_id,
        side=holder,
        data={
            "turn": number,
            "message": message,
            "summary": summary,
            "next_turn": None if wrap_up else number + 1,
            "next_side": None if wrap_up else holder.other.value,
        },
        at=now,
    )
    await notices.turn_update(session, c, number)
    await notices.refresh_card(session, c)
    await notices.refresh_homes(session, c, [p for p in situation.people if p.active])
    return turn
