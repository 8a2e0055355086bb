"""The pure parts: events as lines people read, CSV cells a spreadsheet will not run, safe unique paths."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.archive import TimelineLine, describe_event, with_names
from bot.archive.records import PathAllocator, csv_cell, stored_uncompressed
from bot.blocks.text import mention_marker

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NAMES = {"U0ALEX": "Alex Kim", "U0PAT": "Pat Lee"}


@dataclass(frozen=True)
class E:
    kind: str
    data: Mapping[str, Any]
    actor_user_id: str | None = "U0PAT"
    at: datetime = AT


def text(kind: str, data: Mapping[str, Any], **kwargs: Any) -> str:
    return describe_event(E(kind, data, **kwargs), NAMES).text


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        (
            "collaboration_started",
            {"title": "Retail Co — Nov", "period": "2026-11"},
            "Started “Retail Co — Nov” (period 2026-11)",
        ),
        (
            "participant_added",
            {"user_id": "U0PAT", "role": "leader", "side": "guest", "how": "added"},
            "Added Pat Lee as leader (guest)",
        ),
        (
            "participant_added",
            {"user_id": "U0NEW", "display_name": "Nia", "role": "contributor", "side": "guest", "how": "joined"},
            "Nia joined as contributor (guest)",
        ),
        (
            "participant_role_changed",
            {"user_id": "U0PAT", "from": "contributor", "to": "leader"},
            "Pat Lee's role changed from contributor to leader",
        ),
        ("participant_removed", {"user_id": "U0PAT", "how": "left"}, "Pat Lee left"),
        (
            "turn_passed",
            {"turn": 2, "message": f"Over to you {mention_marker('U0ALEX')}", "summary": ["Filed request #1"]},
            "Passed turn 2: Over to you @Alex Kim [Filed request #1]",
        ),
        ("turn_skipped", {"turn": 3, "message": None, "summary": []}, "Skipped turn 3"),
        ("signed_off", {"turn": 4, "message": "x"}, "Signed off, which ends turn 4"),
        ("wrapped_up", {"turn": 5}, "Wrapped up: both sides signed off"),
        ("reopened", {"reason": "One more invoice"}, "Reopened: One more invoice"),
        (
            "sign_offs_cleared",
            {"because": "a file was shared in the channel"},
            "Sign-offs cleared: a file was shared in the channel",
        ),
        ("document_version_published", {"name": "Statement.pdf", "version": 2}, "Published Statement.pdf (version 2)"),
        (
            "file_shared",
            {"name": "big.zip", "version": 1, "stored": False, "reason": "too large"},
            "Shared big.zip (not stored: too large)",
        ),
        (
            "request_filed",
            {
                "label": "#1",
                "category": "proof_of_delivery",
                "references": ["INV-1"],
                "amount": "1234.50",
                "currency": "USD",
            },
            "Filed request #1: Proof of delivery (POD) for INV-1 (USD 1,234.50)",
        ),
        (
            "request_fulfilled",
            {"label": "#1", "names": ["POD.pdf"], "note": "signed"},
            "Fulfilled request #1 with POD.pdf: signed",
        ),
        ("request_file_added", {"label": "#1", "names": ["p2.pdf"]}, "Added p2.pdf to request #1"),
        ("request_accepted", {"label": "#1", "outcome": "Credit issued"}, "Accepted request #1: Credit issued"),
        ("request_declined", {"label": "#2", "reason": "No return"}, "Declined request #2: No return"),
        ("request_reopened", {"label": "#2", "reason": "Page 2"}, "Reopened request #2: Page 2"),
        ("request_cancelled", {"label": "#3", "reason": None}, "Cancelled request #3"),
        (
            "message_posted",
            {
                "text": f"hi {mention_marker('U0ALEX')}",
                "ts": "1.1",
                "thread_ts": None,
                "files": [{"id": "F1", "name": "a.pdf"}],
            },
            "Posted: hi @Alex Kim [files: a.pdf]",
        ),
        ("message_posted", {"text": "yes", "ts": "1.2", "thread_ts": "1.1"}, "Replied in a thread: yes"),
        ("message_edited", {"ts": "1.2", "text": "yes!", "previous_text": "yes"}, "Edited a message: yes!"),
        ("message_deleted", {"ts": "1.2"}, "Deleted a message"),
        ("message_posted", {"redacted": True}, "Posted a message, since deleted"),
        (
            "history_gap",
            {"from": "2026-12-01T09:12:00+00:00", "to": "2026-12-01T09:40:00+00:00"},
            "Baton was not running: messages between 09:12 and 09:40 may be missing",
        ),
        (
            "history_gap",
            {"from": "2026-11-30T23:50:00+00:00", "to": "2026-12-01T00:10:00+00:00"},
            "Baton was not running: messages between 2026-11-30 23:50 and 2026-12-01 00:10 may be missing",
        ),
        ("carrier_note_added", {"anything": 1}, "Carrier note added"),
        ("request_filed", {"label": "#9"}, "Request filed"),
        ("invite_sent", {"redacted": True}, "Invite sent (content removed)"),
    ],
)
def test_every_kind_reads_as_a_plain_line(kind: str, data: Mapping[str, Any], expected: str) -> None:
    assert text(kind, data) == expected


def test_the_line_names_who_acted_and_when() -> None:
    line = describe_event(E("turn_skipped", {"turn": 1}, actor_user_id="U0ALEX"), NAMES)
    assert line == TimelineLine(at=AT, actor_name="Alex Kim", text="Skipped turn 1", kind="turn_skipped")
    assert describe_event(E("history_gap", {}, actor_user_id=None), NAMES).actor_name == "Baton"
    assert describe_event(E("message_posted", {"text": "x"}, actor_user_id="U0OTHER"), NAMES).actor_name == "U0OTHER"


def test_gap_times_are_shown_in_the_accounts_zone() -> None:
    gap = E("history_gap", {"from": "2026-12-01T09:12:00+00:00", "to": "2026-12-01T09:40:00+00:00"})
    line = describe_event(gap, NAMES, tz=ZoneInfo("Europe/Berlin"))
    assert line.text == "Baton was not running: messages between 10:12 and 10:40 may be missing"


def test_mentions_become_names_and_stray_markers_vanish() -> None:
    assert with_names(f"{mention_marker('U0PAT')} and {mention_marker('U0ZED')}", NAMES) == "@Pat Lee and @U0ZED"
    assert with_names("half \ue000U0PAT open", NAMES) == "half U0PAT open"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-12.50", "-12.50"),
        ("INV-1001", "INV-1001"),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_cells_that_look_like_formulas_are_neutralised(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_paths_are_safe_and_unique_even_without_regard_to_case() -> None:
    paths = PathAllocator()
    first = paths.allocate(side="guest", document="POD.pdf", number=1, original="../../pod.pdf", fallback=1)
    assert first == "documents/guest/POD.pdf/v1-pod.pdf"
    again = paths.allocate(side="guest", document="POD.pdf", number=1, original="POD.PDF", fallback=2)
    assert again == "documents/guest/POD.pdf/v1-POD (2).PDF"
    outside = paths.allocate(side=None, document="a/../b", number=None, original="<x>.txt", fallback=7)
    assert outside == "documents/outside/a_b/id7-_x_.txt"
    long = paths.allocate(side="host", document="x" * 300 + ".pdf", number=3, original="y" * 300 + ".pdf", fallback=3)
    folder, leaf = long.rsplit("/", 1)
    assert len(leaf.encode()) <= 120 and leaf.endswith(".pdf") and leaf.startswith("v3-")
    assert len(folder.split("/")[-1].encode()) <= 120


def test_already_compressed_types_are_stored() -> None:
    assert stored_uncompressed("PDF") and stored_uncompressed("xlsx") and stored_uncompressed("jpg")
    assert not stored_uncompressed("csv") and not stored_uncompressed("txt") and not stored_uncompressed("")
