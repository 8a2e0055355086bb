"""Statement file-name patterns, the direct messages about picked-up statements, and how Microsoft 365
failures of a filing reach the outbox."""

from __future__ import annotations

import pytest

from bot.blocks.sharepoint import statement_pickup_text
from bot.graph import FolderUrlError, GraphError, GraphThrottled, GraphUnreachable, TokenError
from bot.sharepoint import MAX_FILING_ATTEMPTS, filing_failure
from models.errors import InvalidInput
from models.flows.sharepoint import StatementNotice
from models.sharepoint import DEFAULT_FILE_PATTERN, StatementOutcome, check_pattern, pattern_matches


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        (DEFAULT_FILE_PATTERN, "C-1042_2026-11.pdf", True),
        (DEFAULT_FILE_PATTERN, "c-1042_2026-11.PDF", True),  # SharePoint names compare without case
        (DEFAULT_FILE_PATTERN, "C-1042_2026-10.pdf", False),
        (DEFAULT_FILE_PATTERN, "C-10420_2026-11.pdf", False),
        (DEFAULT_FILE_PATTERN, "C-1042_2026-11.pdf.exe", False),
        ("Statement {customer_number} {year}{month}*.pdf", "Statement C-1042 202611 (rev 2).pdf", True),
        ("Statement {customer_number} {year}{month}*.pdf", "Statement C-1042 202612.pdf", False),
        ("{period}?{customer_number}.pdf", "2026-11-C-1042.pdf", True),
    ],
)
def test_a_pattern_names_one_account_and_one_period(pattern: str, name: str, matches: bool) -> None:
    assert pattern_matches(pattern, name, customer_number="C-1042", period="2026-11") is matches


def test_values_are_matched_literally_and_a_missing_customer_number_matches_nothing() -> None:
    assert pattern_matches(DEFAULT_FILE_PATTERN, "A[1]*_2026-11.pdf", customer_number="A[1]*", period="2026-11")
    assert not pattern_matches(DEFAULT_FILE_PATTERN, "A1x_2026-11.pdf", customer_number="A[1]*", period="2026-11")
    assert not pattern_matches(DEFAULT_FILE_PATTERN, "_2026-11.pdf", customer_number=None, period="2026-11")


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("statement.pdf", "{period}"),
        ("{year}.pdf", "{period}"),
        ("{customer}_{period}.pdf", "{customer}"),
        ("{period.pdf", "lone"),
        ("Statements/{period}.pdf", "folder"),
        ("{period}" + "x" * 200, "200 characters"),
    ],
)
def test_a_pattern_baton_cannot_use_is_refused_in_plain_words(pattern: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says.replace("{", r"\{").replace("}", r"\}")) as refused:
        check_pattern(pattern)
    assert refused.value.field == "file_pattern"


def test_an_empty_pattern_is_the_default() -> None:
    assert check_pattern("  ") == DEFAULT_FILE_PATTERN == check_pattern(None)


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (GraphThrottled(429, "activityLimitReached", "slow down", retry_after=7), False),
        (GraphUnreachable("connection refused"), False),
        (GraphError(503, "serviceNotAvailable", "later"), False),
        (GraphError(500, "generalException", "oops"), False),
        (GraphError(423, "resourceLocked", "locked"), False),
        (GraphError(403, "accessDenied", "no"), True),
        (GraphError(404, "itemNotFound", "gone"), True),
        (GraphError(507, "quotaLimitReached", "full"), False),
        (TokenError(error="invalid_client", detail="Microsoft 365: not authorised — invalid_client"), True),
        (TokenError(error="unreachable", detail="Microsoft 365: identity provider unreachable"), False),
        (FolderUrlError("no folder 'x'"), True),
    ],
)
def test_filing_failures_are_retried_or_set_aside(error: Exception, permanent: bool) -> None:
    failure = filing_failure(error, attempts=0)
    assert failure.permanent is permanent
    if isinstance(error, GraphThrottled):
        assert failure.retry_after == 7
    assert filing_failure(error, attempts=MAX_FILING_ATTEMPTS - 1).permanent, "reported in the end"


def notice(**changes: object) -> StatementNotice:
    fields: dict[str, object] = {
        "account_name": "Retail <Co>",
        "period": "2026-11",
        "statement": "Retail <Co> — November 2026 statement",
        "file_name": "C-1042_2026-11.pdf",
        "outcome": StatementOutcome.ATTACHED,
        "reason": None,
        "channel_id": "C0RETAIL",
        "collaboration_title": "Retail <Co> — November 2026 statement",
        "collaboration_active": True,
        "still_draft": True,
        "host_holds_turn": True,
    }
    return StatementNotice(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_direct_message_names_the_file_and_says_what_to_do() -> None:
    staged = statement_pickup_text(notice())
    assert staged.startswith(
        "Retail &lt;Co&gt;'s November 2026 statement (C-1042_2026-11.pdf) is staged in <#C0RETAIL>"
    )
    assert "pass the turn to send it" in staged
    assert "next update" in statement_pickup_text(notice(host_holds_turn=False))
    assert "has been sent" in statement_pickup_text(notice(still_draft=False))
    refused = statement_pickup_text(notice(outcome=StatementOutcome.REFUSED, reason="It is <empty>."))
    assert "did not attach it: It is &lt;empty&gt;." in refused
