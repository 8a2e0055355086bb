"""The History modal: the collaboration's record, newest first, a page at a time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import tzinfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.archive.records import TimelineLine
from bot.blocks.format import clipped_escape
from bot.blocks.ids import ActionId, CallbackId
from bot.blocks.text import escape
from models.flows.views import CollaborationView

__all__ = ["PAGE_SIZE", "history_modal", "page_value", "parse_page_value"]

PAGE_SIZE = 20
_LINE_MAX = 2800


def page_value(collaboration_id: int, page: int) -> str:
    """A paging button's value: the collaboration and the page it shows (ids only)."""
    return json.dumps({"c": collaboration_id, "p": page}, separators=(",", ":"))


def parse_page_value(raw: str | None) -> tuple[int, int]:
    """(collaboration id, page) from a paging button; ValueError when it is not one."""
    data = json.loads(raw or "")
    c, p = data.get("c"), data.get("p")
    if not isinstance(c, int) or not isinstance(p, int) or c < 1 or p < 0 or set(data) != {"c", "p"}:
        raise ValueError("not a history page reference")
    return c, p


def history_modal(
    view: CollaborationView, lines: Sequence[tuple[int, TimelineLine]], *, page: int, total: int, tz: tzinfo
) -> View:
    """Page `page` (0 = newest) of the record: each event's number, time, who and what."""
    pages = max(1, -(-total // PAGE_SIZE))
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{clipped_escape(view.title, 200)}*\n{total} events in the record · page {page + 1} of {pages}"
                " · newest first. Drafts are not part of the record until they are sent."
            )
        )
    ]
    for seq, line in lines:
        when = line.at.astimezone(tz).strftime("%d %b %H:%M")
        text = f"*{escape(line.actor_name)}* · {escape(line.text)}"
        if len(text) > _LINE_MAX:
            text = text[: _LINE_MAX - 1] + "…"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"#{seq} · {when}")]))
    buttons = []
    if page + 1 < pages:
        buttons.append(
            ButtonElement(text="Older", action_id=f"{ActionId.HISTORY_PAGE}:older", value=page_value(view.id, page + 1))
        )
    if page > 0:
        buttons.append(
            ButtonElement(text="Newer", action_id=f"{ActionId.HISTORY_PAGE}:newer", value=page_value(view.id, page - 1))
        )
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return View(type="modal", callback_id=CallbackId.HISTORY, title="History", close="Close", blocks=blocks)
