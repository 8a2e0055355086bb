"""The Home tab of a host person: the collaborations theirs to act on, then those waiting on a retailer."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.format import channel_link, channel_url, clipped_escape, day_label, period_label, plural
from bot.blocks.ids import ActionId
from bot.blocks.metadata import CollaborationRef
from bot.blocks.parts import org
from models.flows.reminders import DueItem
from models.flows.views import HomeItem, HomeView
from models.sides import Role

__all__ = ["MAX_BLOCKS", "home"]

MAX_BLOCKS = 100  # Slack's limit for a Home tab

_TITLE_MAX = 200


def home(view: HomeView, *, due: Sequence[DueItem] = ()) -> View:
    """The Home tab: what is due or overdue, "Your turn" (with Pass turn and the statement schedule for
    leaders) and "Waiting on them", most urgent first.

    Past Slack's 100 blocks the lists are cut, "your turn" first kept, each cut list ending in
    "…and N more".
    """
    if not view.your_turn and not view.waiting_on_them:
        return View(type="home", blocks=_empty())
    mine = [_your_turn_item(item) for item in view.your_turn]
    theirs = [_waiting_item(item) for item in view.waiting_on_them]
    fixed: list[Block] = [HeaderBlock(text=PlainTextObject(text="Your collaborations"))]
    if due:
        fixed.append(_due_block(due))
    your_head = _group_head("Your turn", len(mine))
    their_head = [DividerBlock(), _group_head("Waiting on them", len(theirs))]
    footer = _footer()
    budget = MAX_BLOCKS - len(fixed) - 1 - len(their_head) - 1  # header, heads, footer
    budget -= (not mine) + (not theirs)  # the "nothing here" lines
    total = sum(map(len, mine)) + sum(map(len, theirs))
    if total > budget:
        budget -= (mine != []) + (theirs != [])  # room for an "…and N more" line under each list
    shown_mine, budget = _fit(mine, budget)
    shown_theirs, budget = _fit(theirs, budget)

    blocks = [*fixed, your_head]
    blocks += _listed(shown_mine, len(mine), empty="Nothing is waiting on you.")
    blocks += their_head
    blocks += _listed(shown_theirs, len(theirs), empty="Nothing is waiting on a retailer.")
    blocks.append(footer)
    return View(type="home", blocks=blocks)


_DUE_SHOWN = 10


def _due_block(due: Sequence[DueItem]) -> SectionBlock:
    """Statements and requests waiting on you, with their dates: one block, at most ten lines."""
    lines = []
    for item in list(due)[:_DUE_SHOWN]:
        when = f" · due {day_label(item.due_date)}" if item.due_date is not None else ""
        if item.kind == "statement":
            what = f"Statement for {clipped_escape(period_label(item.period), 40)}" if item.period else "Statement"
        else:
            what = f"Request {clipped_escape(item.label or '', 40)}"
        lines.append(f"• {what} · {clipped_escape(item.title, 120)} · {channel_link(item.channel_id)}{when}")
    if len(due) > _DUE_SHOWN:
        lines.append(f"…and {len(due) - _DUE_SHOWN} more.")
    return SectionBlock(text=MarkdownTextObject(text="*Due and overdue*\n" + "\n".join(lines)))


def _fit(units: list[list[Block]], budget: int) -> tuple[list[list[Block]], int]:
    shown: list[list[Block]] = []
    for unit in units:
        if len(unit) > budget:
            break
        shown.append(unit)
        budget -= len(unit)
    return shown, budget


def _listed(shown: list[list[Block]], total: int, *, empty: str) -> list[Block]:
    if total == 0:
        return [_context(empty)]
    blocks = [block for unit in shown for block in unit]
    if len(shown) < total:
        blocks.append(
            _context(
                f"…and {plural(total - len(shown), 'more collaboration')}: open their channels from "
                "the ones above, or run `/turn status` in a channel."
            )
        )
    return blocks


def _group_head(label: str, count: int) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=f"*{label}* · {count}"))


def _describe(item: HomeItem) -> str:
    facts = []
    if item.period:
        facts.append(clipped_escape(period_label(item.period), 60))
    facts.append(f"Turn {item.turn_number} · {org(item.holder_name)}'s turn")
    facts.append(channel_link(item.channel_id))
    if item.due_date is not None:
        facts.append(f"due {day_label(item.due_date)}")
    return f"*{clipped_escape(item.title, _TITLE_MAX)}*\n" + " · ".join(facts)


def _open_channel(item: HomeItem) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text="Open channel"),
        action_id=ActionId.OPEN_CHANNEL,
        url=channel_url(item.channel_id),
    )


def _your_turn_item(item: HomeItem) -> list[Block]:
    buttons = [_open_channel(item)]
    # Home is personal: only leaders pass the turn, so only they get the button (the card has it too).
    if item.role is Role.LEADER:
        buttons.insert(
            0,
            ButtonElement(
                text=PlainTextObject(text="Pass turn"),
                action_id=ActionId.HOME_PASS_TURN,
                value=CollaborationRef(item.collaboration_id, turn=item.turn_number).to_json(),
                style="primary",
            ),
        )
        buttons.append(
            ButtonElement(
                text=PlainTextObject(text="Statement schedule"),
                action_id=ActionId.HOME_SCHEDULE,
                value=CollaborationRef(item.collaboration_id).to_json(),
            )
        )
    return [SectionBlock(text=MarkdownTextObject(text=_describe(item))), ActionsBlock(elements=buttons)]


def _waiting_item(item: HomeItem) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=_describe(item)), accessory=_open_channel(item))]


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _footer() -> ContextBlock:
    return _context(
        "Baton keeps the back-and-forth with each retailer in its Slack Connect channel. "
        "Start a collaboration with `/turn new` there; `/turn help` lists the rest."
    )


def _empty() -> Sequence[Block]:
    return [
        HeaderBlock(text=PlainTextObject(text="Baton")),
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    "Baton runs turn-based work with your retailers in their Slack Connect channel, "
                    "such as the monthly statement: whose turn it is, what was asked for, which "
                    "documents answer it, and the whole history, downloadable by both sides."
                )
            )
        ),
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    "*To start*, run `/turn new` in the retailer's channel (or in any channel, and let "
                    "Baton create a new one and invite their contact by email). "
                    "Collaborations you take part in show up here, yours to act on first."
                )
            )
        ),
    ]
