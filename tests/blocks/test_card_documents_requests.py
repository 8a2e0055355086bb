"""The card's open requests and latest documents, `/turn status` with drafts, and draft confirmations."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot.blocks.card import card
from bot.blocks.updates import DRAFT_LINES_MAX, draft_confirmation, status
from models.collaborations import CollaborationStatus
from models.flows.requests import RequestSummary
from models.requests import RequestAction, RequestStatus
from models.sides import Side
from tests.blocks.support import (
    HOSTILE,
    HOSTILE_ESCAPED,
    T0,
    assert_only_tokens,
    collab,
    crowd,
    document,
    labels,
    message_dicts,
    request,
    shown,
    texts,
    turn,
    version,
)

SUMMARY = RequestSummary(open=3, disputed={"USD": Decimal("1234.50"), "EUR": Decimal("80.00")})


def render(**kwargs: Any) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = card(collab(), **kwargs)
    return text, message_dicts(blocks)


def test_the_card_lists_open_requests_with_the_count_and_sums_in_dispute() -> None:
    requests = [
        request(1, references=("INV-1", "INV-2")),
        request(2, status=RequestStatus.FULFILLED, amount=Decimal("80.00"), currency="EUR", label="#2026-11/2"),
        request(3, status=RequestStatus.DECLINED, amount=None),
        request(4, status=RequestStatus.ACCEPTED),
        request(5, status=RequestStatus.CANCELLED),
    ]
    _, blocks = render(requests=requests, summary=SUMMARY)
    seen = shown(blocks)
    assert "*Open requests* · 3 · in dispute: USD 1,234.50 · EUR 80.00" in seen
    assert "• *#1* Proof of delivery (POD) · INV-1, INV-2 · USD 1,234.50 · _open_ · due Thu 10 Dec 2026" in seen
    assert "• *#2026-11/2* Proof of delivery (POD) · INV-10442 · EUR 80.00 · _fulfilled_" in seen
    assert "*#3* Proof of delivery (POD) · INV-10442 · _declined_" in seen
    assert "*#4*" not in seen and "*#5*" not in seen  # accepted and cancelled are resolved


def test_the_card_shows_only_published_requests_and_statuses() -> None:
    requests = [
        request(1, draft=True, published_status=None),  # a filing not sent yet
        request(
            2, status=RequestStatus.FULFILLED, published_status=RequestStatus.OPEN, pending=(RequestAction.FULFIL,)
        ),
    ]
    _, blocks = render(requests=requests, summary=RequestSummary(open=1, disputed={}))
    seen = shown(blocks)
    assert "*#1*" not in seen
    assert "*#2* Proof of delivery (POD) · INV-10442 · USD 1,234.50 · _open_" in seen
    assert "to be sent" not in seen and "fulfilled" not in seen


def test_forty_requests_on_the_card_are_cut_at_ten_within_the_block_budget() -> None:
    long_refs = tuple(f"{'&' * 60}-{i}" for i in range(20))
    requests = [request(i, references=long_refs, details=HOSTILE * 50) for i in range(1, 41)]
    documents = [document(i, name=f"{'<' * 250}-{i}.pdf") for i in range(1, 30)]
    view = collab(
        note="&" * 3000,
        participants={Side.HOST: crowd(50, Side.HOST), Side.GUEST: crowd(50, Side.GUEST)},
        last_update=turn(message="<" * 5000, summary=("x",) * 200),
    )
    _, blocks = card(
        view,
        requests=requests,
        summary=RequestSummary(open=40, disputed={"USD": Decimal("49380.00")}),
        documents=documents,
    )
    dicts = message_dicts(blocks)  # at most 50 blocks, every text within Slack's limits
    assert len(dicts) < 50
    seen = shown(dicts)
    assert "*Open requests* · 40 · in dispute: USD 49,380.00" in seen
    assert seen.count("• *#") == 10
    assert "…and 30 more: each request has its own card in the channel." in seen
    assert seen.count("• &lt;") == 5 and "…and 24 more." in seen
    assert labels(dicts)[-3] == "Sign off"
    assert_only_tokens(dicts)


def test_no_requests_no_section() -> None:
    _, blocks = render(requests=[], summary=RequestSummary(open=0, disputed={}))
    assert "Open requests" not in shown(blocks)
    _, blocks = render()
    assert "Open requests" not in shown(blocks) and "Latest documents" not in shown(blocks)


def test_a_summary_without_the_list_still_counts() -> None:
    _, blocks = render(summary=SUMMARY)
    assert "*Open requests* · 3 · in dispute: USD 1,234.50 · EUR 80.00" in shown(blocks)


def test_the_card_shows_the_latest_published_documents_newest_first() -> None:
    documents = [
        document(1, versions=[version(1), version(2, at=T0 + timedelta(days=3)), version(None, published=False)]),
        document(
            2, name="POD-8812.jpg", side=Side.GUEST, versions=[version(1, side=Side.GUEST, at=T0 + timedelta(days=1))]
        ),
        document(3, name="Draft-only.pdf", versions=[version(None, published=False)]),
        document(4, name="too-big.zip", side=None, versions=[version(1, side=None, stored=False)]),
    ]
    _, blocks = render(documents=documents)
    seen = shown(blocks)
    assert "*Latest documents* · 3" in seen
    lines = [line for line in seen.splitlines() if line.startswith("• ")]
    assert lines == [
        "• Statement-2026-11.pdf · version 2 · Acme",
        "• POD-8812.jpg · version 1 · Retail Co",
        "• too-big.zip · version 1 · someone outside both sides · _not stored_",
    ]
    assert "Draft-only" not in seen and "to be sent" not in seen


def test_hostile_request_and_document_text_on_the_card_is_escaped() -> None:
    requests = [request(1, label=HOSTILE, references=(HOSTILE,), currency="<!here>")]
    documents = [document(1, name=HOSTILE)]
    _text, blocks = render(
        requests=requests, summary=RequestSummary(open=1, disputed={"<!here>": Decimal(1)}), documents=documents
    )
    assert_only_tokens(blocks)
    mrkdwn = "\n".join(texts(blocks))
    assert mrkdwn.count(HOSTILE_ESCAPED) >= 2 and "&lt;!here&gt; 1.00" in mrkdwn


def test_the_request_and_upload_buttons_are_only_on_an_active_card() -> None:
    _, blocks = card(collab(status=CollaborationStatus.WRAPPED_UP), requests=[request()])
    assert labels(message_dicts(blocks)) == ["Reopen", "History", "Download archive"]
    _, blocks = card(collab(status=CollaborationStatus.ROLLED_OVER), requests=[request()])
    assert labels(message_dicts(blocks)) == ["History", "Download archive"]


# --- `/turn status` and confirmations -------------------------------------------------------------


def test_status_lists_the_viewers_drafts_to_be_sent() -> None:
    lines = ["Upload Statement.pdf", "File request #4: Proof of delivery (POD) for INV-1", HOSTILE]
    _text, blocks = status(
        collab(drafts=3), requests=[request()], summary=SUMMARY, documents=[document()], drafts_lines=lines
    )
    dicts = message_dicts(blocks)
    seen = shown(dicts)
    assert "*Open requests* · 3" in seen and "*Latest documents* · 1" in seen
    assert "*To be sent with your next update* (only your side sees these until you pass the turn)" in seen
    assert "• Upload Statement.pdf" in seen and f"• {HOSTILE_ESCAPED}" in seen
    assert "Your side has 3 drafts" not in seen  # the list says it
    assert labels(dicts)[0] == "Pass turn"
    assert_only_tokens(dicts)


def test_status_counts_drafts_past_the_list_limit() -> None:
    lines = [f"Upload {'&' * 280} {i}.pdf" for i in range(100)]
    _, blocks = status(collab(drafts=100), drafts_lines=lines)
    seen = shown(message_dicts(blocks))
    assert seen.count("• Upload") == DRAFT_LINES_MAX and f"…and {100 - DRAFT_LINES_MAX} more" in seen


def test_draft_confirmation_says_only_your_side_sees_it() -> None:
    text = draft_confirmation(["Uploaded Statement.pdf", "Filed request #4 <!channel>"], other_org="Retail & Co")
    assert text == (
        "Staged for your next update (only your side sees it until you pass the turn to Retail &amp; Co):\n"
        "• Uploaded Statement.pdf\n"
        "• Filed request #4 &lt;!channel&gt;"
    )
    long = draft_confirmation([f"Uploaded {i}.pdf" for i in range(50)], other_org="Acme")
    assert long.count("• ") == DRAFT_LINES_MAX and "…and 20 more" in long
