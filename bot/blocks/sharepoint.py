"""Microsoft 365 in Slack: the schedule modal's SharePoint fields, the card's link to the filed archive, and
the direct messages about picked-up statements and archives that could not be filed.

Nothing here is shown unless Microsoft 365 is configured (the modal fields) or something was filed or
picked up (which needs it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from slack_sdk.models.blocks import Block, ContextBlock, InputBlock, MarkdownTextObject, PlainTextInputElement

from bot.blocks.format import channel_link, clipped_escape, month_label
from bot.blocks.ids import ActionId, BlockId
from bot.blocks.text import escape, from_typed_text
from models.flows.sharepoint import FiledArchive, SharePointView, StatementNotice
from models.sharepoint import DEFAULT_FILE_PATTERN, PATTERN_MAX, StatementOutcome

__all__ = [
    "SharePointForm",
    "archive_filing_problem_text",
    "archive_link_block",
    "parse_sharepoint",
    "sharepoint_inputs",
    "statement_pickup_text",
]

URL_INPUT_MAX = 2000
_LINK_UNSAFE = "<>| \"'`"


@dataclass(frozen=True)
class SharePointForm:
    """The schedule modal's SharePoint fields, as typed (empty strings stay empty: "turn it off")."""

    statement_folder_url: str
    file_pattern: str
    archive_folder_url: str


def sharepoint_inputs(view: SharePointView) -> list[Block]:
    """The statement folder, the statement's file-name pattern and the archive folder, pre-filled."""
    return [
        InputBlock(
            block_id=BlockId.STATEMENT_FOLDER,
            label="Statement folder (SharePoint)",
            optional=True,
            hint="The address of the SharePoint folder your ERP saves the statements in, from the browser's "
            "address bar. Baton attaches this retailer's statement to the month's collaboration as your draft.",
            element=PlainTextInputElement(
                action_id=ActionId.INPUT,
                initial_value=view.statement_folder_url or None,
                max_length=URL_INPUT_MAX,
                placeholder="https://contoso.sharepoint.com/sites/Finance/Shared Documents/Statements",
            ),
        ),
        InputBlock(
            block_id=BlockId.FILE_PATTERN,
            label="Statement file name",
            optional=True,
            hint="{customer_number} and {period} (like 2026-11) are filled in; * matches anything. "
            f"Empty: {DEFAULT_FILE_PATTERN}",
            element=PlainTextInputElement(
                action_id=ActionId.INPUT, initial_value=view.file_pattern or None, max_length=PATTERN_MAX
            ),
        ),
        InputBlock(
            block_id=BlockId.ARCHIVE_FOLDER,
            label="Archive folder (SharePoint)",
            optional=True,
            hint="Each wrapped-up month's archive — the zip shared in the channel — is filed in this folder.",
            element=PlainTextInputElement(
                action_id=ActionId.INPUT, initial_value=view.archive_folder_url or None, max_length=URL_INPUT_MAX
            ),
        ),
    ]


def parse_sharepoint(values: Mapping[str, Any]) -> SharePointForm | None:
    """The SharePoint fields of a submitted schedule modal; None when the modal had none."""
    if BlockId.STATEMENT_FOLDER.value not in values and BlockId.ARCHIVE_FOLDER.value not in values:
        return None

    def text(block: BlockId) -> str:
        element = (values.get(block.value) or {}).get(ActionId.INPUT.value) or {}
        return from_typed_text(str(element.get("value") or "")).strip()

    return SharePointForm(
        statement_folder_url=text(BlockId.STATEMENT_FOLDER),
        file_pattern=text(BlockId.FILE_PATTERN),
        archive_folder_url=text(BlockId.ARCHIVE_FOLDER),
    )


def _safe_url(url: str) -> str:
    """A URL that cannot break out of mrkdwn's `<url|text>` (SharePoint's are percent-encoded already)."""
    return "".join(quote(ch, safe="") if ch in _LINK_UNSAFE else ch for ch in url)


def archive_link_block(filed: FiledArchive) -> ContextBlock:
    """The card's line linking to the archive filed in SharePoint."""
    name = clipped_escape(filed.name, 200)
    link = f"<{_safe_url(filed.web_url)}|{name}>" if filed.web_url.startswith("https://") else name
    return ContextBlock(elements=[MarkdownTextObject(text=f":file_folder: Archive filed in SharePoint: {link}")])


def _statement(notice: StatementNotice) -> str:
    period = month_label(notice.period) if notice.period else ""
    return escape(f"{notice.account_name}'s {period} statement" if period else notice.statement)


def statement_pickup_text(notice: StatementNotice) -> str:
    """The direct message to a host leader about a statement picked up from SharePoint."""
    file_name = escape(notice.file_name)
    where = channel_link(notice.channel_id)
    if notice.outcome is StatementOutcome.REFUSED:
        return (
            f"Baton found {file_name} in the statement folder for {_statement(notice)} but did not attach it: "
            f"{escape(notice.reason or 'it could not be stored.')} Correct the file in SharePoint: Baton looks "
            "at it again when it changes."
        )
    if not notice.still_draft:
        return f"{_statement(notice)} ({file_name}) was staged in {where} from SharePoint, and has been sent."
    if not notice.collaboration_active:
        return f"{_statement(notice)} ({file_name}) is staged in {where}, which is no longer active."
    if not notice.host_holds_turn:
        return (
            f"{_statement(notice)} ({file_name}) is staged in {where}: it goes to "
            f"{escape(notice.account_name)} with your side's next update (it's their turn now)."
        )
    return (
        f"{_statement(notice)} ({file_name}) is staged in {where} — pass the turn to send it. "
        f"Only your side sees it until then."
    )


def archive_filing_problem_text(title: str, channel_id: str, error: str, kept_at: str | None) -> str:
    """The direct message to the host leaders when an archive could not be filed in SharePoint."""
    where = channel_link(channel_id)
    kept = f"The zip is kept on Baton's server at {escape(kept_at)}. " if kept_at else ""
    return (
        f"Baton could not file the archive of “{clipped_escape(title, 200)}” ({where}) in the account's "
        f"SharePoint archive folder: {escape(error.rstrip('. '))}. {kept}The copy shared in the channel is "
        "unchanged. Check the archive folder in `/turn schedule`, and that Baton's app may write there."
    )
