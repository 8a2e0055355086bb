"""Messages about a collaboration: the update posted when a turn ends, a newcomer's read-in, `/turn status`.

The update is the one message that mentions people: it tells the other side's participants that the
turn is theirs. Everything typed by people (the update message, file names in the summary, the note)
is escaped, so a `<!channel>` or `<@U…>` in it is shown as typed and pings no one.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.card import card_buttons, card_content, card_text
from bot.blocks.format import (
    SECTION_MAX,
    clipped_escape,
    clipped_quote,
    escaped_chunks,
    mentions,
    plural,
    role_label,
)
from bot.blocks.ids import BlockId
from bot.blocks.parts import (
    NAME_MAX,
    facts_block,
    last_update_blocks,
    org,
    packed_sections,
    participant,
    state_block,
    turn_label,
    who_ended,
)
from models.collaborations import CollaborationStatus, TurnEnd
from models.flows.documents import DocumentView
from models.flows.requests import RequestSummary, RequestView
from models.flows.views import CollaborationView, TurnView

__all__ = ["draft_confirmation", "read_in", "status", "turn_update"]

SUMMARY_LINES_MAX = 100  # more changes than this in one turn are counted, not listed
_SUMMARY_LINE_MAX = 300
_PREVIEW_MAX = 150  # the start of the message in the notification text
DRAFT_LINES_MAX = 30  # drafts listed in `/turn status` and a confirmation; more are counted
_DRAFT_LINE_MAX = 300
MESSAGE_BLOCKS_MAX = 50


def turn_update(view: CollaborationView, turn: TurnView) -> tuple[str, list[Block]]:
    """The channel message for an ended turn: who ended it, the message, what changed, and who's next."""
    headline = _headline(view, turn)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{headline}*"))]
    if turn.message:
        blocks += _sections(escaped_chunks(turn.message, SECTION_MAX, line_prefix=">"))
    if turn.summary:
        blocks += _sections(_summary(turn.summary))
    nudge, pinged = _next(view, turn)
    if nudge:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=nudge)))
    text = headline
    if turn.message:
        text += ": " + clipped_escape(turn.message.replace("\n", " "), _PREVIEW_MAX)
    if pinged:
        text += f" {pinged}"
    return text, blocks


def _headline(view: CollaborationView, turn: TurnView) -> str:
    other = org(view.org_name(turn.side.other))
    if turn.end_kind is TurnEnd.PASSED:
        return f"{who_ended(turn)} passed Turn {turn.number} to {other}"
    if turn.end_kind is TurnEnd.SKIPPED:
        return f"{who_ended(turn)} skipped Turn {turn.number}: nothing to send. Over to {other}"
    name = turn.ended_by_name.strip()
    by = f" ({clipped_escape(name, NAME_MAX)})" if name else ""
    return f":white_check_mark: {org(turn.org_name)} signed off{by}"


def _summary(lines: tuple[str, ...]) -> list[str]:
    listed = [f"• {clipped_escape(line, _SUMMARY_LINE_MAX)}" for line in lines[:SUMMARY_LINES_MAX]]
    if len(lines) > SUMMARY_LINES_MAX:
        listed.append(f"…and {plural(len(lines) - SUMMARY_LINES_MAX, 'more change')}")
    chunks: list[str] = []
    current = "*What changed*"
    for line in listed:
        if len(current) + 1 + len(line) > SECTION_MAX:
            chunks.append(current)
            current = line
        else:
            current += "\n" + line
    chunks.append(current)
    return chunks


def _next(view: CollaborationView, turn: TurnView) -> tuple[str, str]:
    """The line that hands the turn over, mentioning the other side's people; and the mentions alone."""
    if (
        turn.end_kind is TurnEnd.SIGNED_OFF
        and view.status is CollaborationStatus.WRAPPED_UP
        and view.turn_number == turn.number
    ):
        return "", ""  # the sign-off wrapped it up: nobody's turn, and the archive follows
    other_side = turn.side.other
    other = org(view.org_name(other_side))
    people = view.participants.get(other_side, ())
    if not people:
        return f"{other} will be told it's their turn when they join the channel.", ""
    # At most what fits in one section: a turn goes to everyone on the other side, followers too.
    pinged = mentions([p.user_id for p in people])
    while len(pinged) > SECTION_MAX - 200:
        pinged = pinged.rsplit(" ", 1)[0]
    what = "sign off too, or pass it back" if turn.end_kind is TurnEnd.SIGNED_OFF else "over to you"
    line = f"It's {other}'s turn now (Turn {turn.number + 1}): {what}."
    return (f"{pinged} {line}" if pinged else line), pinged


def _sections(texts: list[str]) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=t)) for t in texts]


def read_in(view: CollaborationView, user_id: str) -> tuple[str, list[Block]]:
    """A newcomer's ephemeral welcome: what this is, whose turn it is, the note, and the last update."""
    title = clipped_escape(view.title, 200)
    welcome = f"Welcome, <@{user_id}>! This channel runs “{title}” with Baton"
    if not mentions([user_id]):
        welcome = f"Welcome! This channel runs “{title}” with Baton"
    lines = [welcome + f": {org(view.host_name)} and {org(view.guest_name)} take turns, and Baton keeps track."]
    me = participant(view, user_id)
    if me is not None:
        lines.append(f"You're a {role_label(me.role)} for {org(view.org_name(me.side))}.")
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines))),
        facts_block(view),
        state_block(view),
    ]
    if view.note.strip():
        blocks.append(SectionBlock(text=MarkdownTextObject(text="*Note*\n" + clipped_quote(view.note.strip(), 1500))))
    blocks += last_update_blocks(view)
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Act through the buttons on the collaboration's pinned card. "
                    "Chat here is open to everyone, whoever's turn it is."
                )
            ]
        )
    )
    text = f"Welcome to “{clipped_escape(view.title, 150)}”: {turn_label(view)}"
    return text, blocks


def status(
    view: CollaborationView,
    *,
    requests: Sequence[RequestView] = (),
    summary: RequestSummary | None = None,
    documents: Sequence[DocumentView] = (),
    drafts_lines: Sequence[str] = (),
) -> tuple[str, list[Block]]:
    """The `/turn status` answer: the card (open requests, latest documents), plus the viewer's side's drafts.

    Only the viewer sees this (ephemeral), so their own side's drafts may be shown: `drafts_lines`
    lists them ("Upload Statement.pdf"), else `view.drafts` counts them. The card part shows published
    state only, as the card does.
    """
    blocks = card_content(view, requests=requests, summary=summary, documents=documents)
    if drafts_lines:
        lines = ["*To be sent with your next update* (only your side sees these until you pass the turn)"]
        lines += _draft_lines(drafts_lines)
        blocks += packed_sections(lines)
    elif view.drafts is not None:
        if view.drafts:
            drafts = (
                f":pencil: Your side has {plural(view.drafts, 'draft')} to be sent with the next update "
                "(only your side sees them until then)."
            )
        else:
            drafts = "Nothing of your side's is waiting to be sent."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=drafts)]))
    buttons = card_buttons(view)
    blocks = blocks[: MESSAGE_BLOCKS_MAX - 1]  # room for the buttons
    if buttons:
        blocks.append(ActionsBlock(block_id=BlockId.CARD_ACTIONS, elements=buttons))
    return card_text(view), blocks


def _draft_lines(lines: Sequence[str]) -> list[str]:
    listed = [f"• {clipped_escape(line, _DRAFT_LINE_MAX)}" for line in lines[:DRAFT_LINES_MAX]]
    if len(lines) > DRAFT_LINES_MAX:
        listed.append(f"…and {plural(len(lines) - DRAFT_LINES_MAX, 'more')}")
    return listed


def draft_confirmation(lines: Sequence[str], *, other_org: str) -> str:
    """The ephemeral answer to a draft action: what was staged, and that only the actor's side sees it."""
    head = f"Staged for your next update (only your side sees it until you pass the turn to {org(other_org)}):"
    return "\n".join([head, *_draft_lines(lines)])
