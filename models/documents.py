"""Documents and their versions: the tables, and the naming rules that decide which document a file joins.

A document belongs to one side of one collaboration and is known by its file name: a file of the same
side with the same name (compared without regard to case) is the document's next version; the other
side's file of the same name is another document. Nothing is ever overwritten: each version keeps its
bytes (by SHA-256 in the blob store), name, size, type, uploader, side, time, turn and Slack file id.

A version is published (public to both sides) or a draft of its side's turn. Drafts get their number
when they are published, so the other side never sees a gap where a draft sits; files dropped into the
channel are published at once.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_type
from models.errors import InvalidInput
from models.sides import Side

__all__ = [
    "NAME_MAX",
    "ORIGINAL_NAME_MAX",
    "BlobRef",
    "Document",
    "DocumentEvent",
    "DocumentSource",
    "DocumentVersion",
    "VersionStatus",
    "checked_name",
    "name_key",
    "printable",
]

NAME_MAX = 255
ORIGINAL_NAME_MAX = 1000


class BlobRef(NamedTuple):
    """Where a version's bytes are: the blob store's address (SHA-256, hex) and the size in bytes."""

    sha256: str
    size: int


class DocumentSource(enum.StrEnum):
    UPLOAD = "upload"  # the Upload modal (a draft until the turn is passed)
    CHANNEL = "channel"  # dropped into the channel (chat: published at once)
    FULFILMENT = "fulfilment"  # in answer to a request: the Fulfil modal, or a file in a request card's thread
    SHAREPOINT = "sharepoint"  # picked up from the account's SharePoint statement folder


class VersionStatus(enum.StrEnum):
    STORED = "stored"
    NOT_STORED = "not_stored"  # a channel file over the size limit or of a type not allowed: name, size, sender


class DocumentEvent(enum.StrEnum):
    """The event-chain kinds this module's use cases append."""

    VERSION_PUBLISHED = "document_version_published"  # a draft upload, published by the pass
    FILE_SHARED = "file_shared"  # a file dropped into the channel or a thread (stored or not)


class Document(Base):
    """A logical document of one side: its versions share a name."""

    __tablename__ = "documents"
    __table_args__ = (
        # Same side, same name → the same document. Files from outside both sides (side NULL) each
        # compare in code; the collaboration lock serialises them.
        UniqueConstraint("collaboration_id", "side", "name_key", name="uq_documents_collaboration_side_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("collaborations.id"))
    side: Mapped[Side | None] = mapped_column(enum_type(Side))  # None: someone of neither side shared it
    name: Mapped[str] = mapped_column(String(NAME_MAX))  # safe (bot.filecheck.safe_name)
    name_key: Mapped[str] = mapped_column(String(NAME_MAX))  # the name compared: NFC, case-folded
    created_by: Mapped[str] = mapped_column(String(32))  # the first uploader
    created_at: Mapped[datetime]


class DocumentVersion(Base):
    """One version of a document: never changed once published, except to note its Slack file id."""

    __tablename__ = "document_versions"
    __table_args__ = (
        # Published versions are numbered 1, 2, … per document; drafts have no number yet (NULLs differ).
        UniqueConstraint("document_id", "number", name="uq_document_versions_document_number"),
        # A Slack file is recorded once per collaboration, however many events carry it.
        UniqueConstraint("collaboration_id", "slack_file_id", name="uq_document_versions_collaboration_file"),
        Index("ix_document_versions_collaboration_turn", "collaboration_id", "published_turn"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("collaborations.id"))
    number: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[VersionStatus] = mapped_column(enum_type(VersionStatus), default=VersionStatus.STORED)
    reason: Mapped[str | None] = mapped_column(Text, default=None)  # why it was not stored
    blob_sha256: Mapped[str | None] = mapped_column(String(64), default=None)  # None when not stored
    size: Mapped[int] = mapped_column(BigInteger)
    file_type: Mapped[str] = mapped_column(String(16))  # the canonical extension: "pdf", "jpg"…; "" if none
    original_name: Mapped[str] = mapped_column(Text)  # as the person gave it (printable, capped)
    uploaded_by: Mapped[str] = mapped_column(String(32))
    side: Mapped[Side | None] = mapped_column(enum_type(Side))
    uploaded_at: Mapped[datetime]
    turn_number: Mapped[int]  # the collaboration's turn when it arrived
    source: Mapped[DocumentSource] = mapped_column(enum_type(DocumentSource))
    # The file in the channel, once shared there (dropped in, or uploaded by Baton when published).
    slack_file_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # The file a modal's file_input received (private to the uploader), for a staged upload.
    source_file_id: Mapped[str | None] = mapped_column(String(32), default=None)
    thread_ts: Mapped[str | None] = mapped_column(String(32), default=None)  # shared in this thread
    published: Mapped[bool] = mapped_column(default=False)
    published_turn: Mapped[int | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def stored(self) -> bool:
        return self.status is VersionStatus.STORED


def printable(text: str, *, limit: int) -> str:
    """`text` without control characters (Postgres refuses NUL in text), capped at `limit` characters."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")[:limit]


def checked_name(name: str) -> str:
    """The document name as given, when it is safe to store; InvalidInput otherwise.

    Callers pass `bot.filecheck.safe_name(…)`; this is the domain's guard that they did.
    """
    name = unicodedata.normalize("NFC", name)
    unsafe = (
        not name
        or len(name) > NAME_MAX
        or name.startswith(".")
        or name != name.strip()
        or ".." in name
        or any(ch in "/\\" or unicodedata.category(ch).startswith("C") for ch in name)
    )
    if unsafe:
        raise InvalidInput("That file name can't be stored as it is; rename the file and try again.", field="file")
    return name


def name_key(name: str) -> str:
    """How names compare: "Statement.PDF" and "statement.pdf" are the same document."""
    return unicodedata.normalize("NFC", name).casefold()
