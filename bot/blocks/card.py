"""The collaboration's card: one pinned message, updated in place on every change.

A channel message looks the same to both organisations, so the card shows only published things,
names people without mentioning them (it is re-sent on every change), and carries every button that
fits the collaboration's state for everyone: a click by the wrong side or role is refused by the
handler, in words that say who can act.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.format import clip, clipped_quote
from bot.blocks.ids import ActionId, BlockId
from bot.blocks.metadata import CollaborationRef
from bot.blocks.parts import (
    facts_block,
    last_update_blocks,
    latest_documents_blocks,
    open_requests_blocks,
    participants_block,
    state_block,
    turn_label,
)
from bot.blocks.sharepoint import archive_link_block
from bot.blocks.text import escape
from models.collaborations import CollaborationStatus
from models.flows.documents import DocumentView
from models.flows.requests import RequestSummary, RequestView
from models.flows.sharepoint import FiledArchive
from models.flows.views import CollaborationView

__all__ = ["card", "card_buttons", "card_content", "card_text"]

HEADER_MAX = 150  # a header block's text
MESSAGE_BLOCKS_MAX = 50
_NOTE_MAX = 1500


def card(
    view: CollaborationView,
    *,
    requests: Sequence[RequestView] = (),
    summary: RequestSummary | None = None,
    documents: Sequence[DocumentView] = (),
    filed_archive: FiledArchive | None = None,
) -> tuple[str, list[Block]]:
    """The card's fallback text and blocks.

    `requests`, `summary` and `documents` are the collaboration's published ones (the shared view);
    whatever is given, only published state is shown. `filed_archive`: where its archive was filed in
    SharePoint (Microsoft 365), linked from the card.
    """
    blocks = card_content(view, requests=requests, summary=summary, documents=documents)
    if filed_archive is not None:
        blocks.append(archive_link_block(filed_archive))
    buttons = card_buttons(view)
    if buttons:
        blocks = blocks[: MESSAGE_BLOCKS_MAX - 1]
        blocks.append(ActionsBlock(block_id=BlockId.CARD_ACTIONS, elements=buttons))
    return card_text(view), blocks[:MESSAGE_BLOCKS_MAX]


def card_text(view: CollaborationView) -> str:
    """The notification and fallback text: the title and whose turn it is (escaped: no pings)."""
    return f"{escape(clip(view.title, 150))} · {turn_label(view)}"


def card_content(
    view: CollaborationView,
    *,
    requests: Sequence[RequestView] = (),
    summary: RequestSummary | None = None,
    documents: Sequence[DocumentView] = (),
) -> list[Block]:
    """Everything the card shows except its buttons (also the body of `/turn status`).

    At most about 12 blocks: the request and document lists are capped (CARD_REQUESTS_MAX,
    CARD_DOCUMENTS_MAX), so the card stays well inside a message's 50 blocks.
    """
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(view.title, HEADER_MAX), emoji=False)),
        facts_block(view),
        state_block(view),
    ]
    if view.note.strip():
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text="*Note*\n" + clipped_quote(view.note.strip(), _NOTE_MAX)))
        )
    blocks += open_requests_blocks(requests, summary)
    blocks += latest_documents_blocks(view, documents)
    blocks.append(participants_block(view))
    blocks += last_update_blocks(view)
    return blocks


def card_buttons(view: CollaborationView) -> list[ButtonElement]:
    """The buttons that fit the collaboration's state (the same for everyone who sees the card).

    Active: Pass turn, Skip turn, Request document, Upload, Add people, and Sign off unless the side
    holding the turn has signed off already (it got the turn back by a pass: only the other side can
    sign off now).
    Wrapped up: Reopen (people are managed on an active collaboration). Every state: History and
    Download archive.
    """
    ref = CollaborationRef(view.id)
    at_turn = CollaborationRef(view.id, turn=view.turn_number)
    record = [_button("History", ActionId.HISTORY, ref), _button("Download archive", ActionId.DOWNLOAD_ARCHIVE, ref)]
    if view.status is CollaborationStatus.WRAPPED_UP:
        return [_button("Reopen", ActionId.REOPEN, ref), *record]
    if view.status is not CollaborationStatus.ACTIVE:
        return record
    buttons = [
        # The turn rides along on the turn-ending buttons, so a click on a stale card is refused as
        # "Turn 3 was already passed by …" rather than acting on the next turn.
        _button("Pass turn", ActionId.PASS_TURN, at_turn, style="primary"),
        _button("Skip turn", ActionId.SKIP_TURN, at_turn),
        _button("Request document", ActionId.REQUEST_DOCUMENT, ref),
        _button("Upload", ActionId.UPLOAD, ref),
        _button("Add people", ActionId.ADD_PEOPLE, ref),
    ]
    if view.holding_side not in view.signed_off:
        buttons.append(_button("Sign off", ActionId.SIGN_OFF, at_turn, confirm=_SIGN_OFF_CONFIRM))
    return [*buttons, *record]


_SIGN_OFF_CONFIRM = ConfirmObject(
    title="Sign off?",
    text=(
        "Signing off says your organisation is satisfied with this period. If the other side has "
        "signed off already, the collaboration wraps up and its archive is posted; otherwise the turn "
        "passes to them."
    ),
    confirm="Sign off",
    deny="Not yet",
)


def _button(
    text: str,
    action_id: ActionId,
    ref: CollaborationRef,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=text, emoji=False),
        action_id=action_id,
        value=ref.to_json(),
        style=style,
        confirm=confirm,
    )
