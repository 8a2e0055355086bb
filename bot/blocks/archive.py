"""The message that carries an archive: what it holds and the chain's head hash, so both organisations
keep a copy of the hash outside the zip."""

from __future__ import annotations

from typing import Protocol

from bot.blocks.format import clipped_escape, plural
from models.collaborations import CollaborationStatus
from models.flows.views import CollaborationView

__all__ = ["archive_comment", "archive_requested_text"]


class Counts(Protocol):
    @property
    def messages(self) -> int: ...
    @property
    def turns(self) -> int: ...
    @property
    def requests(self) -> int: ...
    @property
    def document_versions(self) -> int: ...


def archive_comment(view: CollaborationView, counts: Counts, head_hash: str) -> str:
    """The initial comment of the archive's file message."""
    why = {
        CollaborationStatus.WRAPPED_UP: "Both sides signed off: here is the record of",
        CollaborationStatus.ROLLED_OVER: "The next period has opened: here is the record of",
    }.get(view.status, "The record so far of")
    return (
        f"{why} *{clipped_escape(view.title, 300)}* — {plural(counts.messages, 'message')}, "
        f"{plural(counts.turns, 'turn')}, {plural(counts.requests, 'request')}, "
        f"{plural(counts.document_versions, 'document version')}.\n"
        f"Head hash `{head_hash}`: keep it. `baton verify FILE.zip --head {head_hash}` proves the archive "
        "was not altered."
    )


def archive_requested_text() -> str:
    """The ephemeral answer to Download archive: the file follows in the channel."""
    return "Building the archive: it will be shared in this channel in a moment, with its head hash."
