"""Pieces of a collaboration's state that the card, the status answer, the read-in and the updates share.

Everything here renders published state only, and names people instead of mentioning them: these
pieces are re-sent on every card refresh, and a mention in them would ping people each time.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.format import (
    FIELD_MAX,
    SECTION_MAX,
    clip,
    clipped_escape,
    clipped_quote,
    day_label,
    name_list,
    period_label,
    plural,
)
from bot.blocks.text import escape
from models.collaborations import CollaborationStatus, InviteStatus, TurnEnd
from models.flows.views import CollaborationView, PersonView, TurnView
from models.sides import Role, Side

__all__ = [
    "NAME_MAX",
    "facts_block",
    "last_update_blocks",
    "org",
    "participant",
    "participants_block",
    "state_block",
    "turn_ended",
    "turn_label",
    "who_ended",
]

_SIDES = (Side.HOST, Side.GUEST)
_GROUPS = ((Role.LEADER, "Leaders"), (Role.CONTRIBUTOR, "Contributors"), (Role.FOLLOWER, "Followers"))
NAME_MAX = 80  # a person's or organisation's name in a line of text (Slack's own are shorter)
_CARD_QUOTE_MAX = 1500  # the card shows the start of long text; the update message has it whole


def org(name: str) -> str:
    """An organisation's name, escaped and kept short enough to sit in a line."""
    return clipped_escape(name, NAME_MAX)


def turn_label(view: CollaborationView) -> str:
    """ "Turn 2 · Retail Co's turn", "Wrapped up" or "Rolled over" (escaped mrkdwn, no formatting)."""
    if view.status is CollaborationStatus.WRAPPED_UP:
        return "Wrapped up"
    if view.status is CollaborationStatus.ROLLED_OVER:
        return "Rolled over"
    return f"Turn {view.turn_number} · {org(view.holder_name)}'s turn"


def facts_block(view: CollaborationView) -> ContextBlock:
    """The period, the due date and the two organisations, in one quiet line."""
    facts = []
    if view.period:
        facts.append(escape(period_label(view.period)))
    if view.due_date is not None:
        facts.append(f"Due {day_label(view.due_date)}")
    facts.append(f"{org(view.host_name)} with {org(view.guest_name)}")
    return ContextBlock(elements=[MarkdownTextObject(text=" · ".join(facts))])


def state_block(view: CollaborationView) -> SectionBlock:
    """Whose turn it is (or how it ended), the sign-offs, and a pending invitation."""
    lines = [f"*{turn_label(view)}*"]
    if view.status is CollaborationStatus.WRAPPED_UP:
        lines[0] += " · both sides signed off"
    elif view.status is CollaborationStatus.ROLLED_OVER:
        lines[0] += (
            " · the next period opened while this one was still open: its open items carry on in "
            "the new collaboration in this channel."
        )
    for side in _SIDES:
        person = view.signed_off.get(side)
        if person is not None:
            by = f" ({clipped_escape(person.display_name, NAME_MAX)})" if person.display_name.strip() else ""
            lines.append(f":white_check_mark: {org(view.org_name(side))} signed off{by}")
    if view.status is CollaborationStatus.ACTIVE:
        if view.invite_status is InviteStatus.PENDING:
            lines.append(
                f":envelope: {org(view.guest_name)}'s contact has been invited to this channel; "
                "their people are told when they join."
            )
        elif view.invite_status is InviteStatus.DECLINED:
            lines.append(
                f":warning: The invitation to {org(view.guest_name)}'s contact was declined: a leader "
                "can invite someone else with *Add people*."
            )
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_MAX]))


def participants_block(view: CollaborationView) -> SectionBlock:
    """Who is in it, one field per organisation, by role; by name, never by mention."""
    return SectionBlock(fields=[_side_field(view, side) for side in _SIDES])


def _side_field(view: CollaborationView, side: Side) -> MarkdownTextObject:
    people = view.participants.get(side, ())
    head = f"*{org(view.org_name(side))}*"
    if not people:
        return MarkdownTextObject(text=f"{head}\nNo one yet")
    groups = [(label, [p for p in people if p.role is role]) for role, label in _GROUPS]
    groups = [(label, members) for label, members in groups if members]
    budget = (FIELD_MAX - len(head) - 1) // len(groups) - 20
    lines = [head]
    lines += [
        f"{label}: {name_list([clip(p.display_name, NAME_MAX) for p in members], budget)}" for label, members in groups
    ]
    return MarkdownTextObject(text="\n".join(lines))


def who_ended(turn: TurnView) -> str:
    """ "Pat Lee (Acme)", or "Someone from Acme" when the name is unknown (escaped)."""
    name = turn.ended_by_name.strip()
    of = org(turn.org_name)
    return f"{clipped_escape(name, NAME_MAX)} ({of})" if name else f"Someone from {of}"


def turn_ended(turn: TurnView) -> str:
    """ "Turn 2 passed by Pat Lee (Acme)" (escaped)."""
    how = {TurnEnd.PASSED: "passed", TurnEnd.SKIPPED: "skipped", TurnEnd.SIGNED_OFF: "ended with a sign-off"}
    return f"Turn {turn.number} {how[turn.end_kind]} by {who_ended(turn)}"


def last_update_blocks(view: CollaborationView, *, limit: int = _CARD_QUOTE_MAX) -> list[Block]:
    """The latest published update: who ended which turn, and the start of its message."""
    turn = view.last_update
    if turn is None:
        return []
    text = f"*Latest update* · {turn_ended(turn)}"
    if turn.message:
        text += "\n" + clipped_quote(turn.message, limit)
    if turn.summary:
        text += f"\n_{plural(len(turn.summary), 'change')} published with it_"
    return [SectionBlock(text=MarkdownTextObject(text=text[:SECTION_MAX]))]


def participant(view: CollaborationView, user_id: str) -> PersonView | None:
    """The participant `user_id`, if they are one."""
    for side in _SIDES:
        for person in view.participants.get(side, ()):
            if person.user_id == user_id:
                return person
    return None
