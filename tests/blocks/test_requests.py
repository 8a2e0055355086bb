"""A request's own card, the modals that file and answer requests, their parsers, and `/turn requests`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.metadata import CollaborationRef, RequestRef
from bot.blocks.requests import (
    CURRENCIES,
    accept_modal,
    fulfil_modal,
    parse_accept,
    parse_amount,
    parse_fulfil,
    parse_request,
    parse_request_reason,
    request_card,
    request_modal,
    request_reason_modal,
    requests_list,
)
from models.flows.requests import NewRequest
from models.requests import RequestAction, RequestCategory, RequestStatus
from models.sides import Side
from tests.blocks.support import (
    HOSTILE,
    HOSTILE_ESCAPED,
    T0,
    assert_only_tokens,
    buttons,
    collab,
    fulfilment,
    labels,
    message_dicts,
    request,
    shown,
    slack_file,
    submit,
    texts,
    version,
    view_dict,
)

TODAY = date(2026, 12, 2)
ALL_BUTTONS = {
    RequestAction.FULFIL: ("Fulfill", ActionId.FULFILL_REQUEST),
    RequestAction.ACCEPT: ("Accept", ActionId.ACCEPT_REQUEST),
    RequestAction.REOPEN: ("Reopen", ActionId.REOPEN_REQUEST),
    RequestAction.DECLINE: ("Decline", ActionId.DECLINE_REQUEST),
    RequestAction.CANCEL: ("Cancel", ActionId.CANCEL_REQUEST),
}


def render(**changes: Any) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = request_card(request(**changes), requester_org="Retail Co", addressed_org="Acme")
    return text, message_dicts(blocks)


# --- RequestRef -----------------------------------------------------------------------------------


def test_request_ref_round_trips_compactly() -> None:
    ref = RequestRef(103, 7, channel_id="C0RETAIL")
    assert json.loads(ref.to_json()) == {"r": 103, "c": 7, "ch": "C0RETAIL"}
    assert RequestRef.parse(ref.to_json()) == ref
    assert RequestRef(103, 7).to_json() == '{"r":103,"c":7}'


@pytest.mark.parametrize(
    "raw",
    [None, "", '{"r":1}', '{"c":1}', '{"r":0,"c":1}', '{"r":"1","c":1}', '{"r":1,"c":1,"x":2}', '{"r":true,"c":1}'],
)
def test_request_ref_refuses_what_is_not_one(raw: str | None) -> None:
    with pytest.raises(ValueError):
        RequestRef.parse(raw)


# --- The request's card ---------------------------------------------------------------------------


def test_card_names_the_request_what_who_how_much_and_when() -> None:
    text, blocks = render(references=("INV-10442", "INV-10450"))
    seen = shown(blocks)
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "Request #3 · Proof of delivery (POD)"
    assert "*Asked by*\nRetail Co" in seen and "*Asked of*\nAcme" in seen
    assert "INV-10442, INV-10450" in seen
    assert "USD 1,234.50" in seen
    assert "Thu 10 Dec 2026" in seen
    assert "The store says 2 cases were short." in seen
    assert "*Open* · waiting for Acme to send it." in seen
    assert "Reply in this thread with the file to fulfil it" in seen
    assert text.startswith("Request #3 · Proof of delivery (POD): open")
    assert_only_tokens(blocks)


def test_a_carried_over_request_keeps_its_qualified_label() -> None:
    text, blocks = render(label="#2026-11/2")
    assert blocks[0]["text"]["text"] == "Request #2026-11/2 · Proof of delivery (POD)"
    assert "#2026-11/2" in text


@pytest.mark.parametrize("status", list(RequestStatus))
def test_buttons_fit_the_status_exactly(status: RequestStatus) -> None:
    expected = {
        RequestStatus.OPEN: ["Fulfill", "Decline", "Cancel"],
        RequestStatus.REOPENED: ["Fulfill", "Decline", "Cancel"],
        RequestStatus.FULFILLED: ["Accept", "Reopen", "Cancel"],
        RequestStatus.DECLINED: ["Reopen"],
        RequestStatus.ACCEPTED: [],
        RequestStatus.CANCELLED: [],
    }[status]
    # The card's order: Fulfill, Accept, Reopen, Decline, Cancel.
    order = [label for label, _ in ALL_BUTTONS.values()]
    expected.sort(key=order.index)
    _, blocks = render(status=status, fulfilments=(fulfilment("POD.pdf"),) if status is not RequestStatus.OPEN else ())
    assert labels(blocks) == expected
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == (1 if expected else 0)
    for button in buttons(blocks):
        assert RequestRef.parse(button["value"]) == RequestRef(103, 7)
        assert button["action_id"] in {a for _, a in ALL_BUTTONS.values()}
        assert ("confirm" in button) == (button["action_id"] == ActionId.CANCEL_REQUEST)
    if expected:
        assert actions[0]["block_id"] == BlockId.REQUEST_ACTIONS
    hint = "Reply in this thread" in shown(blocks)
    assert hint == (status in (RequestStatus.OPEN, RequestStatus.REOPENED))


def test_each_status_is_said_in_words() -> None:
    pod = fulfilment("POD-8812.pdf", "Delivery-receipt.jpg", note="Signed by the receiver on 14 Nov")
    _, blocks = render(status=RequestStatus.FULFILLED, fulfilments=(pod,))
    seen = shown(blocks)
    assert "*Fulfilled* · Retail Co can accept it" in seen
    assert "*Answer* · from Acme, Wed 2 Dec 2026" in seen
    assert "POD-8812.pdf and Delivery-receipt.jpg" in seen
    assert "Signed by the receiver on 14 Nov" in seen

    _, blocks = render(status=RequestStatus.ACCEPTED, fulfilments=(pod,), outcome="credit memo CM-2231 issued")
    seen = shown(blocks)
    assert "*Accepted* by Retail Co." in seen and "credit memo CM-2231 issued" in seen

    _, blocks = render(status=RequestStatus.REOPENED, fulfilments=(pod,), reason="That POD is for another order.")
    seen = shown(blocks)
    assert "*Reopened* by Retail Co" in seen and "That POD is for another order." in seen
    assert "*Last answer*" in seen

    _, blocks = render(status=RequestStatus.DECLINED, reason="We never invoiced that.")
    seen = shown(blocks)
    assert "*Declined* by Acme. Retail Co can reopen it." in seen and "We never invoiced that." in seen

    _, blocks = render(status=RequestStatus.CANCELLED)
    assert "*Cancelled* by Retail Co." in shown(blocks)


def test_an_unsent_answer_is_not_on_the_card() -> None:
    _, blocks = render(fulfilments=(fulfilment("secret-draft.pdf", draft=True),))
    assert "secret-draft.pdf" not in shown(blocks)


def test_hostile_text_on_a_request_card_is_shown_literally() -> None:
    text, blocks = render(
        status=RequestStatus.ACCEPTED,
        label="#3<!here>",
        references=(HOSTILE, "INV-<@U0X>"),
        details=HOSTILE,
        outcome=HOSTILE,
        fulfilments=(fulfilment(HOSTILE, note=HOSTILE),),
        currency="<!channel>",
    )
    assert_only_tokens(blocks)
    mrkdwn = "\n".join(texts(blocks))
    assert mrkdwn.count(HOSTILE_ESCAPED) >= 4  # references, details, outcome, file name, note
    assert "<!" not in text and "<@" not in text
    for reason_status in (RequestStatus.REOPENED, RequestStatus.DECLINED, RequestStatus.CANCELLED):
        _, blocks = render(status=reason_status, reason=HOSTILE)
        assert_only_tokens(blocks)
        assert HOSTILE_ESCAPED in "\n".join(texts(blocks))
    _, blocks = request_card(request(), requester_org="Retail <!everyone>", addressed_org="Acme & <@U0X>")
    dicts = message_dicts(blocks)
    assert_only_tokens(dicts)
    assert "Acme &amp; &lt;@U0X&gt;" in shown(dicts)


def test_the_longest_request_still_fits_a_message() -> None:
    long_ref = "R" * 60 + "&<>"
    _, blocks = render(
        status=RequestStatus.REOPENED,
        references=tuple(f"{long_ref}{i}" for i in range(20)),
        details=("&<>" * 1000)[:3000],
        reason="<" * 3000,
        fulfilments=tuple(fulfilment(*(f"{'&' * 150}{i}.pdf" for i in range(10)), note=">" * 3000) for _ in range(3)),
    )
    assert len(blocks) <= 20
    assert "…" in shown(blocks)


# --- Filing requests ------------------------------------------------------------------------------


def inputs(view: View) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view_dict(view)["blocks"] if b["type"] == "input"}


def test_request_modal_asks_everything_in_plain_words() -> None:
    modal = request_modal(collab(title=HOSTILE), today=TODAY)
    data = view_dict(modal)
    assert data["callback_id"] == CallbackId.REQUEST_DOCUMENT
    assert data["title"]["text"] == "Request documents"
    assert CollaborationRef.parse(data["private_metadata"]) == CollaborationRef(7, channel_id="C0RETAIL")
    blocks = inputs(modal)
    kinds = {b: blocks[b]["element"]["type"] for b in blocks}
    assert kinds == {
        BlockId.CATEGORY: "static_select",
        BlockId.REFERENCES: "plain_text_input",
        BlockId.SEPARATE: "checkboxes",
        BlockId.AMOUNT: "number_input",
        BlockId.CURRENCY: "static_select",
        BlockId.DETAILS: "plain_text_input",
        BlockId.DUE_DATE: "datepicker",
    }
    categories = blocks[BlockId.CATEGORY]["element"]["options"]
    assert [o["value"] for o in categories] == [c.value for c in RequestCategory]
    assert [o["text"]["text"] for o in categories][3] == "Proof of delivery (POD)"
    assert blocks[BlockId.AMOUNT]["element"]["is_decimal_allowed"] is True
    assert [o["value"] for o in blocks[BlockId.CURRENCY]["element"]["options"]] == list(CURRENCIES)
    assert blocks[BlockId.CURRENCY]["element"]["initial_option"]["value"] == "USD"
    assert blocks[BlockId.CATEGORY].get("optional") is None
    assert all(blocks[b].get("optional") for b in blocks if b != BlockId.CATEGORY)
    assert "Ask Acme for a document" in shown(data["blocks"]) and HOSTILE_ESCAPED in shown(data["blocks"])
    assert_only_tokens(data["blocks"], channels=["C0RETAIL"])


def request_submission(**entered: Any) -> dict[str, Any]:
    base: dict[str, Any] = {BlockId.CATEGORY: "proof_of_delivery", BlockId.REFERENCES: "INV-10442"}
    return submit(request_modal(collab(), today=TODAY), **{**base, **entered})


def test_parse_request_reads_one_request() -> None:
    form = parse_request(
        request_submission(
            references="INV-10442, INV-10450\n INV-10450 ;  INV  10451 ",
            amount="1,234.50",
            currency="EUR",
            details="  2 cases short  ",
            due_date="2026-12-10",
        ),
        today=TODAY,
    )
    assert form.errors == {}
    assert form.ref == CollaborationRef(7, channel_id="C0RETAIL")
    assert form.requests == [
        NewRequest(
            category=RequestCategory.PROOF_OF_DELIVERY,
            references=("INV-10442", "INV-10450", "INV 10451"),
            amount=Decimal("1234.50"),
            currency="EUR",
            details="2 cases short",
            due_date=date(2026, 12, 10),
        )
    ]


def test_parse_request_files_one_per_reference_when_asked() -> None:
    form = parse_request(
        request_submission(references="INV-1, INV-2\nINV-3", separate=["yes"], due_date="2026-12-02"), today=TODAY
    )
    assert form.errors == {}
    assert [r.references for r in form.requests] == [("INV-1",), ("INV-2",), ("INV-3",)]
    assert {(r.category, r.amount, r.currency, r.due_date) for r in form.requests} == {
        (RequestCategory.PROOF_OF_DELIVERY, None, None, TODAY)
    }


def test_an_amount_defaults_to_usd_and_no_amount_means_no_currency() -> None:
    form = parse_request(request_submission(amount="80", currency=None), today=TODAY)
    assert form.errors == {} and (form.requests[0].amount, form.requests[0].currency) == (Decimal("80.00"), "USD")
    form = parse_request(request_submission(currency="EUR"), today=TODAY)
    assert form.errors == {} and (form.requests[0].amount, form.requests[0].currency) == (None, None)


def test_details_alone_are_enough() -> None:
    form = parse_request(request_submission(references="", details="All PODs for October"), today=TODAY)
    assert form.errors == {} and form.requests[0].references == ()


@pytest.mark.parametrize(
    ("raw", "amount"),
    [("1234.50", "1234.50"), ("1,234.50", "1234.50"), ("1,234,567", "1234567.00"), ("0.5", "0.50"), (" 12 ", "12.00")],
)
def test_amounts_people_write_are_read(raw: str, amount: str) -> None:
    assert parse_amount(raw) == (Decimal(amount), None)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("-3", "more than 0"),
        ("0", "more than 0"),
        ("abc", "as a number"),
        ("1.234", "at most 2 decimals"),
        ("1,23", "as a number"),
        ("12,34.5", "as a number"),
        ("1e3", "as a number"),
        ("NaN", "as a number"),
        ("Infinity", "as a number"),
        ("$120", "as a number"),
        ("1000000000000", "too large"),
    ],
)
def test_amounts_that_are_not_amounts_are_refused(raw: str, says: str) -> None:
    amount, wrong = parse_amount(raw)
    assert amount is None and wrong is not None and says in wrong
    form = parse_request(request_submission(amount=raw), today=TODAY)
    assert says in form.errors[BlockId.AMOUNT] and form.requests == []


@pytest.mark.parametrize(
    ("entered", "block", "says"),
    [
        ({BlockId.CATEGORY: None}, BlockId.CATEGORY, "what kind of document"),
        ({BlockId.CATEGORY: "gift_voucher"}, BlockId.CATEGORY, "what kind of document"),
        ({BlockId.REFERENCES: " , \n"}, BlockId.REFERENCES, "invoice or credit numbers"),
        ({BlockId.REFERENCES: "X" * 65}, BlockId.REFERENCES, "at most 64 characters"),
        ({BlockId.REFERENCES: ",".join(f"I{i}" for i in range(21))}, BlockId.REFERENCES, "at most 20 numbers"),
        (
            {BlockId.REFERENCES: ",".join(f"I{i}" for i in range(21)), BlockId.SEPARATE: ["yes"]},
            BlockId.REFERENCES,
            "at most 20 separate requests",
        ),
        (
            {BlockId.REFERENCES: "INV-1, INV-2", BlockId.SEPARATE: ["yes"], BlockId.AMOUNT: "10"},
            BlockId.AMOUNT,
            "can't be split",
        ),
        ({BlockId.AMOUNT: "10", BlockId.CURRENCY: "XYZ"}, BlockId.CURRENCY, "from the list"),
        ({BlockId.DETAILS: "x" * 3001}, BlockId.DETAILS, "under 3,000"),
        ({BlockId.DUE_DATE: "2026-12-01"}, BlockId.DUE_DATE, "from today on"),
        ({BlockId.DUE_DATE: "soon"}, BlockId.DUE_DATE, "from the calendar"),
    ],
)
def test_parse_request_errors_land_on_their_block(entered: dict[str, Any], block: BlockId, says: str) -> None:
    form = parse_request(request_submission(**entered), today=TODAY)
    assert says in form.errors[block]
    assert form.requests == []
    assert all(len(m) <= 2000 for m in form.errors.values())


def test_one_reference_with_separate_ticked_keeps_its_amount() -> None:
    form = parse_request(request_submission(separate=["yes"], amount="10"), today=TODAY)
    assert form.errors == {} and form.requests[0].amount == Decimal("10.00")


def test_hostile_text_typed_into_the_request_modal_is_kept_as_typed() -> None:
    form = parse_request(request_submission(references="INV-<@U0X>", details=HOSTILE), today=TODAY)
    assert form.requests[0].details == HOSTILE
    assert form.requests[0].references == ("INV-<@U0X>",)


# --- Answering ------------------------------------------------------------------------------------


def test_fulfil_modal_takes_files_documents_and_a_note() -> None:
    own = [
        version(1, vid=11),
        version(2, vid=12),
        version(None, vid=13, published=False),
        version(1, vid=14, stored=False),
    ]
    modal = fulfil_modal(request(details=HOSTILE), own, channel_id="C0RETAIL", max_mb=25, filetypes=["pdf", "jpeg"])
    data = view_dict(modal)
    assert data["callback_id"] == CallbackId.FULFILL_REQUEST and data["title"]["text"] == "Fulfill request"
    assert RequestRef.parse(data["private_metadata"]) == RequestRef(103, 7, "C0RETAIL")
    blocks = inputs(modal)
    file_input = blocks[BlockId.FILE]["element"]
    assert file_input == {
        "type": "file_input",
        "action_id": ActionId.INPUT,
        "max_files": 10,
        "filetypes": ["jpeg", "pdf"],
    }
    assert blocks[BlockId.FILE]["optional"] is True
    documents = blocks[BlockId.DOCUMENTS]["element"]
    assert documents["type"] == "multi_static_select"
    assert [o["value"] for o in documents["options"]] == ["11", "12", "13"]  # the one not stored can't answer
    assert [o["text"]["text"] for o in documents["options"]][2] == "Statement-2026-11.pdf · to be sent"
    assert HOSTILE_ESCAPED in shown(data["blocks"])
    assert_only_tokens(data["blocks"])


def test_fulfil_modal_without_documents_needs_a_file() -> None:
    modal = fulfil_modal(request(), [])
    blocks = inputs(modal)
    assert BlockId.DOCUMENTS not in blocks
    assert blocks[BlockId.FILE].get("optional") is None
    form = parse_fulfil(submit(modal))
    assert form.errors == {BlockId.FILE: "Attach the file that answers the request."}


def test_fulfil_modal_offers_at_most_a_hundred_documents() -> None:
    own = [version(i, vid=i, name=f"{'Long name ' * 10}{i}.pdf") for i in range(1, 151)]
    blocks = inputs(fulfil_modal(request(), own))
    options = blocks[BlockId.DOCUMENTS]["element"]["options"]
    assert len(options) == 100 and options[-1]["value"] == "150"
    assert all(len(o["text"]["text"]) <= 75 for o in options)


def test_parse_fulfil_reads_files_documents_and_note() -> None:
    modal = fulfil_modal(request(), [version(1, vid=11), version(2, vid=12)], channel_id="C0RETAIL")
    pod = slack_file("F0POD", "POD.pdf")
    form = parse_fulfil(submit(modal, file=[pod, pod], documents=["12", "11"], note="  Signed  "))
    assert form.errors == {}
    assert form.ref == RequestRef(103, 7, "C0RETAIL")
    assert form.files == [pod]
    assert form.version_ids == [12, 11]
    assert form.note == "Signed"
    assert parse_fulfil(submit(modal, documents=["11"])).errors == {}
    assert parse_fulfil(submit(modal, file=[pod])).errors == {}


def test_parse_fulfil_needs_an_answer_and_refuses_forged_choices() -> None:
    modal = fulfil_modal(request(), [version(1, vid=11)])
    form = parse_fulfil(submit(modal))
    assert form.errors == {BlockId.FILE: "Attach a file, or choose a document your side has uploaded already."}
    form = parse_fulfil(submit(modal, documents=["11; DROP"]))
    assert form.errors == {BlockId.DOCUMENTS: "Choose documents from the list."}
    form = parse_fulfil(submit(modal, documents=["11"], note="x" * 3001))
    assert "under 3,000" in form.errors[BlockId.NOTE]


def test_parse_fulfil_refuses_files_too_large_or_of_a_type_not_allowed() -> None:
    modal = fulfil_modal(request(), [])
    big = slack_file("F0BIG", "Scan.pdf", size=12 * 1024 * 1024)
    exe = slack_file("F0EXE", "invoice.exe", size=1000)
    form = parse_fulfil(submit(modal, file=[big, exe]), max_mb=10, filetypes=["pdf"])
    message = form.errors[BlockId.FILE]
    assert "Scan.pdf is 12 MB; Baton stores files up to 10 MB." in message
    assert "Baton doesn't store .exe files like invoice.exe" in message


@pytest.mark.parametrize("kind", ["reopen", "decline"])
def test_reason_modals_require_a_reason(kind: str) -> None:
    modal = request_reason_modal(kind, request(), channel_id="C0RETAIL")  # type: ignore[arg-type]
    data = view_dict(modal)
    assert data["title"]["text"] == f"{kind.capitalize()} request"
    assert data["callback_id"] == (CallbackId.REOPEN_REQUEST if kind == "reopen" else CallbackId.DECLINE_REQUEST)
    reason = inputs(modal)[BlockId.REASON]
    assert reason.get("optional") is None and reason["label"]["text"] == f"Why {kind} it?"
    form = parse_request_reason(submit(modal))
    assert (
        form.kind == kind and BlockId.REASON in form.errors and f"Say why you {kind} it" in form.errors[BlockId.REASON]
    )
    form = parse_request_reason(submit(modal, reason=f"  {HOSTILE}  "))
    assert form.errors == {} and form.reason == HOSTILE and form.ref == RequestRef(103, 7, "C0RETAIL")
    assert "under 3,000" in parse_request_reason(submit(modal, reason="x" * 3001)).errors[BlockId.REASON]


def test_a_reason_parser_refuses_another_modal() -> None:
    payload = submit(accept_modal(request()))
    with pytest.raises(ValueError, match="not a request reason modal"):
        parse_request_reason(payload)


def test_accept_modal_records_an_optional_outcome() -> None:
    modal = accept_modal(request(status=RequestStatus.FULFILLED))
    data = view_dict(modal)
    assert data["callback_id"] == CallbackId.ACCEPT_REQUEST and data["title"]["text"] == "Accept request"
    assert inputs(modal)[BlockId.OUTCOME]["optional"] is True
    assert parse_accept(submit(modal)).outcome is None
    form = parse_accept(submit(modal, outcome=" credit memo CM-2231 issued "))
    assert form.errors == {} and form.outcome == "credit memo CM-2231 issued" and form.ref == RequestRef(103, 7)
    assert "under 3,000" in parse_accept(submit(modal, outcome="x" * 3001)).errors[BlockId.OUTCOME]


def test_request_modals_refuse_forged_metadata() -> None:
    payload = submit(accept_modal(request()))
    payload["private_metadata"] = '{"c":7}'
    with pytest.raises(ValueError):
        parse_accept(payload)
    payload = request_submission()
    payload["private_metadata"] = '{"r":1,"c":7}'
    with pytest.raises(ValueError):
        parse_request(payload, today=TODAY)


# --- `/turn requests` -----------------------------------------------------------------------------


def test_requests_list_shows_status_due_age_and_who_asked() -> None:
    requests = [
        request(1, status=RequestStatus.ACCEPTED, outcome="done"),
        request(2, due_date=TODAY - timedelta(days=2), filed_at=T0 - timedelta(days=5)),
        request(3, due_date=TODAY, requester_side=Side.HOST, addressed_side=Side.GUEST),
        request(4, draft=True, published_status=None, filed_at=T0 + timedelta(days=1), due_date=None),
        request(
            5, status=RequestStatus.FULFILLED, published_status=RequestStatus.OPEN, pending=(RequestAction.FULFIL,)
        ),
    ]
    text, blocks = requests_list(requests, today=TODAY, viewer_side=Side.GUEST)
    dicts = message_dicts(blocks)
    sections = [shown([b]) for b in dicts]
    assert "5 in all, 4 unresolved" in sections[0] and "5 in all, 4 unresolved" in text
    assert "#1" in sections[-1]  # resolved ones last
    two = next(s for s in sections if "*#2*" in s)
    assert "overdue by 2 days" in two and "filed 6 days ago" in two and "by your side" in two
    assert two.count("Mon 30 Nov 2026") == 1
    three = next(s for s in sections if "*#3*" in s)
    assert "due today" in three and "by the other side, for yours" in three and "filed 1 day ago" in three
    four = next(s for s in sections if "*#4*" in s)
    assert "_new, to be sent_" in four and "filed today" in four and "to be sent with your next update" in four
    five = next(s for s in sections if "*#5*" in s)
    assert "_fulfilled, to be sent_" in five and "Your side fulfilled it" in five
    _, blocks = requests_list(
        requests, today=TODAY, viewer_side=Side.GUEST, orgs={Side.HOST: "Acme", Side.GUEST: "Retail Co"}
    )
    assert "by Retail Co for Acme" in shown(message_dicts(blocks))


def test_forty_requests_are_listed_and_sixty_are_cut_at_fifty_blocks() -> None:
    _, blocks = requests_list([request(i) for i in range(1, 41)], today=TODAY, viewer_side=Side.HOST)
    assert len(message_dicts(blocks)) == 41
    many = [request(i, status=RequestStatus.ACCEPTED if i % 3 == 0 else RequestStatus.OPEN) for i in range(1, 61)]
    _, blocks = requests_list(many, today=TODAY, viewer_side=Side.HOST)
    dicts = message_dicts(blocks)
    assert len(dicts) == 50
    assert "…and 12 more requests (0 unresolved)" in shown(dicts[-1:])


def test_an_empty_requests_list_says_how_to_file_one() -> None:
    text, blocks = requests_list([], today=TODAY, viewer_side=Side.HOST)
    assert "Request document" in shown(message_dicts(blocks)) and text == "No document requests yet."


def test_requests_list_escapes_everything_typed() -> None:
    hostile = request(references=(HOSTILE,), label="#1<!here>", currency="<!channel>")
    _, blocks = requests_list([hostile], today=TODAY, viewer_side=None, orgs={Side.HOST: HOSTILE, Side.GUEST: HOSTILE})
    dicts = message_dicts(blocks)
    assert_only_tokens(dicts)
    assert HOSTILE_ESCAPED in shown(dicts)
