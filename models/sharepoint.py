"""Microsoft 365 (SharePoint) for an account: where its statements are picked up, which files were seen,
and where its archives are filed.

- `AccountSharePoint`: the account's statement folder (a SharePoint folder URL), the statement's file-name
  pattern, the archive folder (URL), and the pick-up's own state: the stored delta link (per drive), when
  the folder was last checked and for which collaboration, and the last problem.
- `StatementFile`: one row per version of a SharePoint file Baton took a decision on (attached, a
  duplicate of what was attached, or refused). Its unique key — account, drive, item and the item's
  cTag (or eTag) — is what makes a file attach once: whoever inserts the row first stages the file,
  in the same transaction; everyone else finds it taken.
- `ArchiveFiling`: an archive filed in the account's archive folder, with the link the card shows.

File-name patterns are plain names with placeholders — `{customer_number}`, `{period}` (2026-11),
`{year}`, `{month}` (11) — and `*` / `?` wildcards, compared without regard to case (as SharePoint does).
"""

from __future__ import annotations

import enum
import fnmatch
import re
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_type
from models.errors import InvalidInput

__all__ = [
    "DEFAULT_FILE_PATTERN",
    "PATTERN_MAX",
    "AccountSharePoint",
    "ArchiveFiling",
    "StatementFile",
    "StatementOutcome",
    "check_pattern",
    "pattern_matches",
    "pattern_uses_customer_number",
    "render_pattern",
]

DEFAULT_FILE_PATTERN = "{customer_number}_{period}.pdf"
PATTERN_MAX = 200
URL_MAX = 2000
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_KNOWN = ("customer_number", "period", "year", "month")


class StatementOutcome(enum.StrEnum):
    ATTACHED = "attached"  # staged as a draft document of the host side
    DUPLICATE = "duplicate"  # the same bytes were attached already: nothing new to send
    REFUSED = "refused"  # over the size limit, of a type not allowed, or not what its name says


class AccountSharePoint(Base):
    """An account's SharePoint folders, and the statement pick-up's state."""

    __tablename__ = "account_sharepoint"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True, autoincrement=False)
    statement_folder_url: Mapped[str | None] = mapped_column(Text, default=None)
    file_pattern: Mapped[str | None] = mapped_column(String(PATTERN_MAX), default=None)  # None: the default
    archive_folder_url: Mapped[str | None] = mapped_column(Text, default=None)
    # Graph's delta link for the statement folder's drive (delta works on a drive's root).
    delta_drive_id: Mapped[str | None] = mapped_column(String(200), default=None)
    delta_link: Mapped[str | None] = mapped_column(Text, default=None)
    # The last check (claimed before it runs, so replicas check once), and the collaboration it was for.
    checked_at: Mapped[datetime | None] = mapped_column(default=None)
    checked_collaboration_id: Mapped[int | None] = mapped_column(default=None)
    # The collaboration whose folder listing was read (files dropped before its period opened).
    listed_collaboration_id: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    updated_by: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_at: Mapped[datetime]

    @property
    def pattern(self) -> str:
        return self.file_pattern or DEFAULT_FILE_PATTERN


class StatementFile(Base):
    """A version of a SharePoint file that Baton decided about, once."""

    __tablename__ = "statement_files"
    __table_args__ = (
        UniqueConstraint("account_id", "drive_id", "item_id", "version_tag", name="uq_statement_files_item_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    drive_id: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[str] = mapped_column(String(200))
    version_tag: Mapped[str] = mapped_column(String(200))  # the item's cTag (content), else its eTag
    name: Mapped[str] = mapped_column(String(255))  # as SharePoint names it
    period: Mapped[str | None] = mapped_column(String(7), default=None)
    collaboration_id: Mapped[int | None] = mapped_column(ForeignKey("collaborations.id"), default=None)
    version_id: Mapped[int | None] = mapped_column(default=None)  # the document version staged (or matched)
    outcome: Mapped[StatementOutcome] = mapped_column(enum_type(StatementOutcome))
    reason: Mapped[str | None] = mapped_column(Text, default=None)  # why it was refused
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    web_url: Mapped[str | None] = mapped_column(Text, default=None)
    seen_at: Mapped[datetime]


class ArchiveFiling(Base):
    """An archive (the zip shared in the channel) filed in the account's SharePoint archive folder."""

    __tablename__ = "archive_filings"
    __table_args__ = (UniqueConstraint("collaboration_id", "up_to_seq", name="uq_archive_filings_collaboration_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("collaborations.id"))
    up_to_seq: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))  # as filed (SharePoint renames on a clash)
    web_url: Mapped[str] = mapped_column(Text)
    drive_id: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    filed_at: Mapped[datetime]


# --- file-name patterns ---------------------------------------------------------------------------


def check_pattern(pattern: str | None, *, field: str = "file_pattern") -> str:
    """The pattern to store (the default for an empty one); InvalidInput says what is wrong with it."""
    text = (pattern or "").strip() or DEFAULT_FILE_PATTERN
    if len(text) > PATTERN_MAX:
        raise InvalidInput(f"Keep the file-name pattern under {PATTERN_MAX} characters.", field=field)
    if "/" in text or "\\" in text:
        raise InvalidInput("A file-name pattern names a file, not a folder: leave out / and \\.", field=field)
    names = _PLACEHOLDER.findall(text)
    unknown = [n for n in names if n not in _KNOWN]
    if unknown or "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
        raise InvalidInput(
            "Baton fills in {customer_number}, {period} (like 2026-11), {year} and {month} (like 11); "
            f"it doesn't know {'{' + unknown[0] + '}' if unknown else 'a lone { or }'}.",
            field=field,
        )
    if "period" not in names and not {"year", "month"} <= set(names):
        raise InvalidInput(
            "The pattern must name the month, with {period} (or {year} and {month}), so each month's "
            "statement is told apart.",
            field=field,
        )
    return text


def pattern_uses_customer_number(pattern: str) -> bool:
    return "customer_number" in _PLACEHOLDER.findall(pattern)


def _glob_escape(value: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", value)


def render_pattern(pattern: str, *, customer_number: str | None, period: str) -> str:
    """The glob for one period: placeholders filled in (their values matched literally)."""
    year, month = period.split("-")
    values = {"customer_number": customer_number or "", "period": period, "year": year, "month": month}
    return _PLACEHOLDER.sub(lambda m: _glob_escape(values.get(m.group(1), m.group(0))), pattern)


def pattern_matches(pattern: str, name: str, *, customer_number: str | None, period: str) -> bool:
    """Whether `name` is the statement of `period`: `C-1042_2026-11.pdf` for `{customer_number}_{period}.pdf`."""
    if pattern_uses_customer_number(pattern) and not customer_number:
        return False
    glob = render_pattern(pattern, customer_number=customer_number, period=period)
    return fnmatch.fnmatchcase(name.casefold(), glob.casefold())
