"""Scheduled messages: the statement is due, a request is due or overdue, a turn held too long.

Pure builders: given views and the recorded facts, return the fallback text and blocks. Host people
get these as direct messages (with no mention of themselves); guest people get the request reminder
and the nudge as a channel post that mentions them — the one place these messages ping anyone.
Everything people typed (titles, names, references, details) is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.format import (
    SECTION_MAX,
    channel_link,
    channel_url,
    clip,
    clipped_escape,
    day_label,
    mentions,
    month_label,
    plural,
)
from bot.blocks.ids import ActionId
from bot.blocks.parts import org
from models.flows.requests import RequestView
from models.flows.views import CollaborationView
from models.sides import Side

__all__ = [
    "LISTED_MAX",
    "parse_snooze_value",
    "request_escalation",
    "request_reminder",
    "snooze_value",
    "statement_due",
    "turn_nudge",
]

LISTED_MAX = 20  # open requests listed in the statement reminder; more are counted
_TITLE_MAX = 200
_REFS_MAX = 200
_KEY_MAX = 255
_FALLBACK_MAX = 3000  # a notification's text
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# --- the Snooze button ----------------------------------------------------------------------------


def snooze_value(reminder_key: str) -> str:
    """The Snooze button's value: the reminder's key, as small JSON."""
    return json.dumps({"r": reminder_key}, separators=(",", ":"))


def parse_snooze_value(raw: str | None) -> str:
    """The reminder key in a Snooze button's value; ValueError when it is not one (the use case re-checks)."""
    try:
        data = json.loads(raw or "")
    except ValueError:
        raise ValueError("the button's value is not JSON") from None
    key = data.get("r") if isinstance(data, dict) else None
    if not isinstance(key, str) or not key or len(key) > _KEY_MAX or "@" not in key or set(data) != {"r"}:
        raise ValueError("the button's value names no reminder")
    return key


def _snooze_button(reminder_key: str) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text="Snooze 1 day", emoji=False),
        action_id=ActionId.SNOOZE_REMINDER,
        value=snooze_value(reminder_key),
    )


def _open_channel(channel_id: str) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text="Open channel", emoji=False),
        action_id=ActionId.OPEN_CHANNEL,
        url=channel_url(channel_id),
    )


# --- the statement is due -------------------------------------------------------------------------


def _month_name(period: str) -> str:
    """ "2026-11" → "November" (the month alone, as people say "the November statement")."""
    try:
        return _MONTHS[int(period.split("-")[1]) - 1]
    except (IndexError, ValueError):
        return period


def statement_due(
    *,
    account_name: str,
    period: str,
    channel_id: str,
    collaboration: CollaborationView | None,
    opened: bool,
    skipped: Sequence[str] = (),
    open_requests: Sequence[RequestView] = (),
) -> tuple[str, list[Block]]:
    """The direct message to a host person: "the November statement is due", where to send it, what
    is still open from before, and the periods the schedule skipped while Baton was not running."""
    account = org(account_name)
    headline = f"The {_month_name(period)} statement is due for {account}"
    lines = [f"*{headline}* ({_period(period)})."]
    if collaboration is None:
        lines.append(f"Start it in {channel_link(channel_id)} with `/turn new`, then upload the statement.")
    else:
        title = clipped_escape(collaboration.title, _TITLE_MAX)
        where = channel_link(collaboration.channel_id)
        if opened:
            lines.append(f"Baton opened “{title}” in {where}.")
        else:
            lines.append(f"“{title}” is open in {where}.")
        if collaboration.holding_side is Side.HOST:
            lines.append(
                f"It's {org(collaboration.host_name)}'s turn (Turn {collaboration.turn_number}): "
                "upload the statement and pass the turn with an update."
            )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_MAX]))]
    if open_requests:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_open_list(open_requests))))
    if skipped:
        months = _and([_period(p) for p in skipped])
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=(
                            f":warning: Baton was not running when the statement for {months} was due, so "
                            f"{'it was' if len(skipped) == 1 else 'they were'} not opened. Start "
                            f"{'it' if len(skipped) == 1 else 'them'} with `/turn new` if still needed."
                        )[:SECTION_MAX]
                    )
                ]
            )
        )
    blocks.append(ActionsBlock(elements=[_open_channel(channel_id)]))
    text = f"{headline}."
    if skipped:
        text += f" Skipped while Baton was not running: {_and([_period(p) for p in skipped])}."
    return text, blocks


def _period(period: str) -> str:
    """ "2026-11" → "November 2026" (escaped: an unexpected value is shown as given)."""
    return clipped_escape(month_label(period), 60)


def _open_list(requests: Sequence[RequestView]) -> str:
    head = f"*Still open from before* · {plural(len(requests), 'request')}"
    lines = [head]
    for r in requests[:LISTED_MAX]:
        lines.append(f"• {_request_words(r)} · {r.status.value}")
    if len(requests) > LISTED_MAX:
        lines.append(f"…and {plural(len(requests) - LISTED_MAX, 'more request')}")
    text = "\n".join(lines)
    return text if len(text) <= SECTION_MAX else text[: SECTION_MAX - 1].rsplit("\n", 1)[0] + "\n…"


# --- requests -------------------------------------------------------------------------------------


def _money(amount: Decimal | None, currency: str | None) -> str:
    return "" if amount is None else f" ({clipped_escape(currency or '', 3)} {amount:,.2f})"


def _request_words(r: RequestView) -> str:
    """ "Request #2026-11/2 · Proof of delivery (POD) for INV-1001, INV-1002 (USD 1,234.50)" (escaped)."""
    what = r.category.label
    if r.references:
        what += f" for {clipped_escape(', '.join(r.references), _REFS_MAX)}"
    elif r.details:
        what += f": {clipped_escape(clip(' '.join(r.details.split()), 120), 150)}"
    return f"Request {clipped_escape(r.label, 40)} · {what}{_money(r.amount, r.currency)}"


def _due_words(stage: str, days: int, due: date | None) -> str:
    if stage == "overdue":
        when = f" (due {day_label(due)})" if due else ""
        return f"is {plural(days, 'day')} overdue{when}"
    if due is None:
        return "is due soon"
    if days == 1:
        return f"is due tomorrow, {day_label(due)}"
    if days == 0:
        return f"is due today, {day_label(due)}"
    return f"is due in {plural(days, 'day')}, on {day_label(due)}"


def request_reminder(
    *,
    request: RequestView,
    collaboration: CollaborationView,
    stage: str,
    days: int,
    reminder_key: str,
    mention: Sequence[str] = (),
) -> tuple[str, list[Block]]:
    """A reminder to the side a request is addressed to. With `mention` (guest people, in the channel)
    it starts with their mentions; without (a host person's DM) it says where the request lives."""
    requester = org(collaboration.org_name(request.requester_side))
    due = _due_words(stage, days, request.due_date)
    pings = mentions(mention)
    head = f"{_request_words(request)} from {requester} {due}."
    lines = [f"{pings} {head}" if pings else head]
    if stage == "overdue":
        lines.append("Answer it with the files on its card, or decline it with a reason.")
    else:
        lines.append("Answer it on its card with the files asked for.")
    if not pings:
        lines.append(f"“{clipped_escape(collaboration.title, _TITLE_MAX)}” in {channel_link(collaboration.channel_id)}")
    buttons = [_snooze_button(reminder_key)]
    if not pings:
        buttons.append(_open_channel(collaboration.channel_id))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_MAX])),
        ActionsBlock(elements=buttons),
    ]
    text = f"{pings} {head}" if pings else head
    return text[:_FALLBACK_MAX], blocks


def request_escalation(*, request: RequestView, collaboration: CollaborationView, days: int) -> tuple[str, list[Block]]:
    """A host leader's DM: a request has been overdue `days` days, and who has to answer it."""
    addressed = org(collaboration.org_name(request.addressed_side))
    head = f"{_request_words(request)} is {plural(days, 'day')} overdue: {addressed} hasn't answered it yet."
    lines = [
        f":rotating_light: {head}",
        f"“{clipped_escape(collaboration.title, _TITLE_MAX)}” in {channel_link(collaboration.channel_id)}",
    ]
    if request.addressed_side is Side.GUEST:
        lines.append("Follow up with them in the channel, or cancel the request if it is no longer needed.")
    else:
        lines.append("Answer it on its card, or decline it with a reason.")
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_MAX])),
        ActionsBlock(elements=[_open_channel(collaboration.channel_id)]),
    ]
    return head[:_FALLBACK_MAX], blocks


# --- turns ----------------------------------------------------------------------------------------


def turn_nudge(
    *,
    collaboration: CollaborationView,
    days: int,
    reminder_key: str,
    mention: Sequence[str] = (),
) -> tuple[str, list[Block]]:
    """A nudge to the leaders of the side holding the turn: it has been theirs for `days` business days."""
    holder = org(collaboration.holder_name)
    title = clipped_escape(collaboration.title, _TITLE_MAX)
    pings = mentions(mention)
    head = (
        f"It has been {holder}'s turn for {plural(days, 'business day')} in “{title}” "
        f"(Turn {collaboration.turn_number})."
    )
    lines = [f"{pings} {head}" if pings else head]
    lines.append("When you're ready, pass the turn with an update, or skip it if there is nothing to send.")
    if not pings:
        lines.append(f"In {channel_link(collaboration.channel_id)}")
    buttons = [_snooze_button(reminder_key)]
    if not pings:
        buttons.append(_open_channel(collaboration.channel_id))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_MAX])),
        ActionsBlock(elements=buttons),
    ]
    text = f"{pings} {head}" if pings else head
    return text[:_FALLBACK_MAX], blocks


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
