"""Who may do what, now: pure rules over a loaded situation, and refusals that say who can act instead.

The rules (DESIGN §2):
- Only participants act through Baton; chat is free for everyone and is not checked here.
- PASS, SKIP, SIGN_OFF: a leader of the side holding the turn, on an active collaboration. Skipping and
  signing off need no drafts; signing off needs the side not to have signed off already.
- WORK (upload, file, fulfil, accept… a request): a leader or contributor of the holding side.
- ADD_PEOPLE, REMOVE_PEOPLE: a leader of either side, on an active collaboration, whoever holds the turn
  (people are managed per side: see `flows.people`).
- REOPEN: a leader of either side, on a wrapped-up collaboration, while no other collaboration is active
  in the channel.
- A side with no active leader (its leader left the channel) is led by its contributors, so no side is
  ever stuck without someone who can pass the turn.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from models.collaborations import Collaboration, CollaborationStatus, Participant, Turn, TurnEnd
from models.errors import (
    ChannelBusy,
    DraftsPending,
    InvalidTransition,
    NotAParticipant,
    NotYourTurn,
    Refused,
    RoleRequired,
)
from models.sides import Role, Side

__all__ = ["Action", "Situation", "leaders_of", "names", "refusal", "require"]


class Action(enum.StrEnum):
    PASS = "pass"
    SKIP = "skip"
    SIGN_OFF = "sign_off"
    REOPEN = "reopen"
    ADD_PEOPLE = "add_people"
    REMOVE_PEOPLE = "remove_people"
    WORK = "work"  # upload, file or answer a request: anything that makes a draft


# How "Only leaders … " ends for each action a leader is needed for.
_LEADER_VERBS = {
    Action.PASS: "pass the turn",
    Action.SKIP: "skip the turn",
    Action.SIGN_OFF: "sign off",
    Action.REOPEN: "reopen a collaboration",
    Action.ADD_PEOPLE: "add people",
    Action.REMOVE_PEOPLE: "remove people",
}


@dataclass(frozen=True)
class Situation:
    """What the rules look at, read in the transaction that acts (or by `why_not` beforehand)."""

    collaboration: Collaboration
    people: Sequence[Participant]  # every participant, removed ones too (to name who ended a turn)
    actor_user_id: str
    drafts: int = 0  # the actor's side's unsent drafts
    other_active: Collaboration | None = None  # another active collaboration in the channel
    last_turn: Turn | None = None  # the latest ended turn

    @property
    def me(self) -> Participant | None:
        return next((p for p in self.people if p.user_id == self.actor_user_id and p.active), None)

    def name_of(self, user_id: str | None) -> str:
        person = next((p for p in self.people if p.user_id == user_id), None)
        return person.display_name if person is not None and person.display_name else "someone"


def leaders_of(people: Sequence[Participant], side: Side) -> list[Participant]:
    """The side's active leaders; when it has none left, its contributors lead."""
    active = [p for p in people if p.active and p.side is side]
    leaders = [p for p in active if p.role is Role.LEADER]
    return leaders or [p for p in active if p.role is Role.CONTRIBUTOR]


def _workers_of(people: Sequence[Participant], side: Side) -> list[Participant]:
    return [p for p in people if p.active and p.side is side and p.role in (Role.LEADER, Role.CONTRIBUTOR)]


def names(people: Sequence[Participant], *, fallback: str) -> str:
    """ "Pat Lee", "Pat Lee or Sam Ortiz", "Pat Lee, Sam Ortiz or 2 others"; `fallback` when none is named."""
    named = [p.display_name for p in people if p.display_name]
    if not named:
        return fallback
    others = len(people) - len(named)
    if len(named) > 3:
        others += len(named) - 2
        named = named[:2]
    parts = named + ([f"{others} other{'s' if others > 1 else ''}"] if others else [])
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"


def _ids(people: Sequence[Participant]) -> tuple[str, ...]:
    return tuple(p.user_id for p in people)


def _drafts(n: int) -> str:
    return f"{n} unsent draft{'s' if n != 1 else ''}"


def refusal(action: Action, s: Situation) -> Refused | None:
    """Why the actor may not do `action` now, in plain words; None when they may."""
    c = s.collaboration
    me = s.me
    if me is None:
        leaders = leaders_of(s.people, Side.HOST) + leaders_of(s.people, Side.GUEST)
        who = names(leaders, fallback="one of its leaders")
        return NotAParticipant(f"You're not part of “{c.title}”: {who} can add you.", can_act=_ids(leaders))
    if action is Action.REOPEN:
        return _reopen_refusal(s, me)
    if c.status is not CollaborationStatus.ACTIVE:
        return _closed(s)
    my_org = c.org_name(me.side)
    my_leaders = leaders_of(s.people, me.side)
    if action in (Action.ADD_PEOPLE, Action.REMOVE_PEOPLE):
        return None if me in my_leaders else _leaders_only(action, s, me)
    holder = c.holding_side
    if me.side is not holder:
        return _not_your_turn(action, s, me)
    if action is Action.WORK:
        if me.role is Role.FOLLOWER and me not in my_leaders:
            return RoleRequired(
                f"Followers read and chat; ask {names(my_leaders, fallback=f'a leader of {my_org}')} "
                "to make you a contributor.",
                can_act=_ids(my_leaders),
            )
        return None
    if me not in my_leaders:
        return _leaders_only(action, s, me)
    if action is Action.SKIP and s.drafts:
        return DraftsPending(
            f"{my_org} has {_drafts(s.drafts)} in Turn {c.turn_number}: pass the turn with an update to "
            "send them. Skipping is for a turn with nothing to send."
        )
    if action is Action.SIGN_OFF:
        if s.drafts:
            return DraftsPending(
                f"{my_org} has {_drafts(s.drafts)}: pass the turn with an update to send them first, "
                "then sign off when the turn comes back."
            )
        signed = c.signed_off_by(me.side)
        if signed is not None:
            return InvalidTransition(
                f"{my_org} has already signed off ({s.name_of(signed)}): pass the turn so "
                f"{c.org_name(me.side.other)} can sign off too."
            )
    return None


def require(action: Action, s: Situation) -> None:
    """Raise the refusal, if there is one."""
    refused = refusal(action, s)
    if refused is not None:
        raise refused


def _closed(s: Situation) -> Refused:
    c = s.collaboration
    if c.status is CollaborationStatus.WRAPPED_UP:
        return InvalidTransition(f"“{c.title}” is wrapped up: both sides signed off. A leader can reopen it.")
    return InvalidTransition(f"“{c.title}” was rolled over into the next period; the work goes on there.")


def _leaders_only(action: Action, s: Situation, me: Participant) -> Refused:
    leaders = leaders_of(s.people, me.side)
    who = names(leaders, fallback=f"a leader of {s.collaboration.org_name(me.side)}")
    return RoleRequired(f"Only leaders {_LEADER_VERBS[action]}: ask {who}.", can_act=_ids(leaders))


def _not_your_turn(action: Action, s: Situation, me: Participant) -> Refused:
    c = s.collaboration
    holder = c.holding_side
    holder_org = c.org_name(holder)
    leaders = leaders_of(s.people, holder)
    prefix = ""
    last = s.last_turn
    if last is not None and last.side is me.side and last.number == c.turn_number - 1:
        # Most often a click that lost a race, or a stale card: say what happened first.
        verb = {TurnEnd.PASSED: "passed", TurnEnd.SKIPPED: "skipped", TurnEnd.SIGNED_OFF: "signed off in"}
        prefix = f"{s.name_of(last.ended_by)} already {verb[last.end_kind or TurnEnd.PASSED]} Turn {last.number}. "
    turn = f"It's {holder_org}'s turn (Turn {c.turn_number})"
    if not leaders:
        return NotYourTurn(f"{prefix}{turn}: they can pass it once they join the channel.")
    who = names(leaders, fallback=f"a leader of {holder_org}")
    if action in (Action.PASS, Action.SKIP):
        return NotYourTurn(f"{prefix}{turn}: {who} can pass it.", can_act=_ids(leaders))
    if action is Action.SIGN_OFF:
        return NotYourTurn(
            f"{prefix}{turn}: {c.org_name(me.side)} can sign off once {who} passes it back.",
            can_act=_ids(leaders),
        )
    workers = _workers_of(s.people, holder)
    return NotYourTurn(
        f"{prefix}{turn}: only {holder_org} works through Baton until {who} passes it back. Chat is open to everyone.",
        can_act=_ids(workers),
    )


def _reopen_refusal(s: Situation, me: Participant) -> Refused | None:
    c = s.collaboration
    if c.status is CollaborationStatus.ACTIVE:
        return InvalidTransition(
            f"“{c.title}” is still open: it's {c.org_name(c.holding_side)}'s turn (Turn {c.turn_number})."
        )
    if c.status is CollaborationStatus.ROLLED_OVER:
        return InvalidTransition(f"“{c.title}” was rolled over into the next period; it can't be reopened.")
    if me not in leaders_of(s.people, me.side):
        return _leaders_only(Action.REOPEN, s, me)
    if s.other_active is not None:
        later = s.other_active.title
        return ChannelBusy(f"“{later}” is open in this channel now; “{c.title}” can't be reopened while it is.")
    return None
