"""A collaboration's archive: the zip everyone downloads, and the check that it was not altered.

`build_archive` writes it (index.html, collaboration.json, the CSVs, every document version, the
manifest); `verify_archive` checks one; `describe_event` words an event for people (the archive's
page and the History modal).
"""

from __future__ import annotations

from bot.archive.builder import ArchiveCounts, ArchiveResult, archive_file_name, build_archive
from bot.archive.records import TimelineLine, describe_event, with_names
from bot.archive.verify import ArchiveUnreadable, VerifyReport, verify_archive

__all__ = [
    "ArchiveCounts",
    "ArchiveResult",
    "ArchiveUnreadable",
    "TimelineLine",
    "VerifyReport",
    "archive_file_name",
    "build_archive",
    "describe_event",
    "verify_archive",
    "with_names",
]
