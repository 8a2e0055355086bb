"""Pieces of a collaboration's state that the card, the status answer, the read-in and the updates share.

Everything here renders published state only, and names people instead of mentioning them: these
pieces are re-sent on every card refresh, and a mention in them would ping people each time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

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
from models.flows.documents import DocumentView, VersionView
from models.flows.requests import RequestSummary, RequestView
from models.flows.views import CollaborationView, PersonView, TurnView
from models.requests import FINAL, RequestStatus
from models.sides import Role, Side

__all__ = [
    "CARD_DOCUMENTS_MAX",
    "CARD_REQUESTS_MAX",
    "NAME_MAX",
    "disputed_text",
    "document_name",
    "facts_block",
    "last_update_blocks",
    "latest_documents_blocks",
    "money",
    "open_requests_blocks",
    "org",
    "packed_sections",
    "participant",
    "participants_block",
    "references_text",
    "request_line",
    "request_title",
    "state_block",
    "turn_ended",
    "turn_label",
    "version_label",
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


# --- Requests and documents on the card (and in `/turn status`) -----------------------------------

CARD_REQUESTS_MAX = 10  # requests listed on the card; each has its own card in the channel too
CARD_DOCUMENTS_MAX = 5  # latest documents on the card; `/turn docs` lists them all
_LINE_REFERENCES_MAX = 160  # a line's references; the request's own card lists them all
_DOCUMENT_NAME_MAX = 120
_UNRESOLVED_OPEN = (RequestStatus.OPEN, RequestStatus.REOPENED)


def money(amount: Decimal, currency: str | None) -> str:
    """ "USD 1,234.50" (escaped: the currency is a stored string like any other)."""
    code = escape((currency or "").strip()[:8])  # a 3-letter code; a stored oddity is cut, never trusted
    return f"{code} {amount:,.2f}" if code else f"{amount:,.2f}"


def disputed_text(disputed: Mapping[str, Decimal]) -> str:
    """ "USD 1,234.50 · EUR 80.00": the amounts in dispute per currency, in the order given."""
    return " · ".join(money(amount, currency) for currency, amount in disputed.items())


def request_title(request: RequestView) -> str:
    """ "#3 · Proof of delivery (POD)" (escaped)."""
    return f"{clipped_escape(request.label, 40)} · {request.category.label}"


def references_text(references: Sequence[str], limit: int) -> str:
    """ "INV-1, INV-2 and 3 more", escaped, at most about `limit` characters."""
    shown: list[str] = []
    for i, ref in enumerate(references):
        piece = escape(ref)
        rest = len(references) - i - 1
        tail = len(f" and {rest} more") if rest else 0
        if shown and len(", ".join([*shown, piece])) + tail > limit:
            break
        shown.append(piece if len(piece) <= limit else clipped_escape(ref, limit))
    more = len(references) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def request_line(
    request: RequestView, *, status: RequestStatus | None = None, to_be_sent: bool = False, due: bool = True
) -> str:
    """One line for a list: "*#3* Proof of delivery (POD) · INV-1 · USD 120.00 · _open_ · due Fri 4 Dec 2026".

    `status` is the one to show (the card shows the published one); `to_be_sent` marks the viewer's
    own unsent filing or action; `due=False` leaves the due date to the caller.
    """
    shown = request.status if status is None else status
    parts = [f"*{clipped_escape(request.label, 40)}* {request.category.label}"]
    if request.references:
        parts.append(references_text(request.references, _LINE_REFERENCES_MAX))
    if request.amount is not None:
        parts.append(money(request.amount, request.currency))
    word = f"_{shown.value}_"
    if to_be_sent:
        word = "_new, to be sent_" if request.draft else f"_{shown.value}, to be sent_"
    parts.append(word)
    if due and request.due_date is not None and shown in _UNRESOLVED_OPEN:
        parts.append(f"due {day_label(request.due_date)}")
    return " · ".join(parts)


def packed_sections(lines: Sequence[str], *, limit: int = SECTION_MAX) -> list[SectionBlock]:
    """`lines` joined into as few sections as fit, each under `limit` characters (a line is never split)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in chunks]


def open_requests_blocks(requests: Sequence[RequestView], summary: RequestSummary | None) -> list[Block]:
    """The unresolved published requests (at most CARD_REQUESTS_MAX), the open count and the sums in dispute.

    Only published state is shown, whatever view of the requests is given: a filing not sent yet is
    left out, and each request shows its published status (a side's unsent action does not show).
    """
    listed = [
        (r, r.published_status)
        for r in requests
        if r.published_status is not None and not r.draft and r.published_status not in FINAL
    ]
    count = summary.open if summary is not None else len(listed)
    if not count and not listed:
        return []
    head = f"*Open requests* · {count}"
    if summary is not None and summary.disputed:
        head += f" · in dispute: {disputed_text(summary.disputed)}"
    lines = [head]
    lines += [f"• {request_line(r, status=status)}" for r, status in listed[:CARD_REQUESTS_MAX]]
    if len(listed) > CARD_REQUESTS_MAX:
        more = len(listed) - CARD_REQUESTS_MAX
        lines.append(f"…and {more} more: each request has its own card in the channel.")
    return list(packed_sections(lines))


def version_label(version: VersionView) -> str:
    """ "version 2", or "to be sent" for a draft (numbered when the turn is passed)."""
    return "to be sent" if version.number is None or version.draft else f"version {version.number}"


def document_name(name: str) -> str:
    """A document's name, escaped and kept to a line."""
    return clipped_escape(name, _DOCUMENT_NAME_MAX)


def _side_name(view: CollaborationView, side: Side | None) -> str:
    return org(view.org_name(side)) if side is not None else "someone outside both sides"


def latest_documents_blocks(view: CollaborationView, documents: Sequence[DocumentView]) -> list[Block]:
    """The latest published documents (at most CARD_DOCUMENTS_MAX): name, version and whose it is."""
    latest: list[tuple[DocumentView, VersionView]] = []
    for d in documents:
        published = [v for v in d.versions if v.published]
        if published:
            latest.append((d, published[-1]))
    if not latest:
        return []
    latest.sort(key=lambda pair: pair[1].uploaded_at, reverse=True)
    lines = [f"*Latest documents* · {len(latest)}"]
    for d, v in latest[:CARD_DOCUMENTS_MAX]:
        line = f"• {document_name(d.name)} · {version_label(v)} · {_side_name(view, d.side)}"
        if not v.stored:
            line += " · _not stored_"
        lines.append(line)
    if len(latest) > CARD_DOCUMENTS_MAX:
        lines.append(f"…and {len(latest) - CARD_DOCUMENTS_MAX} more.")
    return list(packed_sections(lines))
