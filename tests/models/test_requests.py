"""Document requests: filing and every transition as drafts until the pass, the transition table in full,
numbering under concurrency, answers posted in a request card's thread, and the card's summary."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blobs import LocalBlobStore
from bot.db import Sessions
from models.collaborations import Collaboration
from models.errors import InvalidInput, InvalidTransition, NotFound, NotYourTurn
from models.history import verify_chain
from models.outbox import OutboxKind
from models.requests import DocumentRequest, RequestAction, request_label
from models.sides import Actor, Role, Side
from models.use_cases import (
    NewPerson,
    NewRequest,
    RequestCategory,
    RequestStatus,
    RequestSummary,
    RequestView,
    accept_request,
    actions_for,
    add_participants,
    cancel_request,
    collaboration_view,
    decline_request,
    file_requests,
    fulfil_request,
    record_request_card,
    reopen_request,
    request_by_card,
    request_refusal,
    request_summary,
    requests_of,
    skip_turn,
)
from tests.models.doc_support import pdf, refused_all, send, share, snapshot_all, store, upload
from tests.models.support import ACME, ALEX, CHANNEL, JO, PAT, SAM, T0, at, chain, outbox, start

__all__ = ["store"]  # the fixture, imported for the tests below

POD = NewRequest(
    category=RequestCategory.PROOF_OF_DELIVERY,
    references=["INV-1001, INV-1002"],
    amount=Decimal("1234.50"),
    currency="usd",
    details="Short shipped: 3 cases missing.",
    due_date=date(2026, 12, 15),
)


async def file(
    sessions: Sessions, actor: Actor, c: Collaboration, *requests: NewRequest, now: Any
) -> list[RequestView]:
    async with sessions.begin() as session:
        return await file_requests(session, actor=actor, collaboration_id=c.id, requests=list(requests), now=now)


async def seen(sessions: Sessions, c: Collaboration, side: Side | None) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        views = await requests_of(session, c.id, viewer_side=side)
    return [(v.label, v.status, v.draft, v.pending) for v in views]


async def card(sessions: Sessions, c: Collaboration, request_id: int, ts: str) -> None:
    async with sessions.begin() as session:
        await record_request_card(session, request_id, ts)


async def test_a_filing_is_the_filing_sides_draft_until_the_pass_posts_its_card(sessions: Sessions) -> None:
    c = await start(sessions)
    await send(sessions, ALEX, c, "November statement.", now=at(1))
    credit = NewRequest(RequestCategory.CREDIT_MEMO, ["RMA-77"], "89.90", "EUR")
    filed = await file(sessions, SAM, c, POD, credit, now=at(2))
    assert [(r.label, r.status, r.draft, r.addressed_side) for r in filed] == [
        ("#1", RequestStatus.OPEN, True, Side.HOST),
        ("#2", RequestStatus.OPEN, True, Side.HOST),
    ]
    pod = filed[0]
    assert pod.references == ("INV-1001", "INV-1002"), "a form's comma-separated numbers are split"
    assert (pod.amount, pod.currency, pod.category_label) == (
        Decimal("1234.50"),
        "USD",
        "Proof of delivery (POD)",
    )

    assert await seen(sessions, c, Side.HOST) == [], "Acme sees nothing until Retail Co sends its update"
    assert await seen(sessions, c, None) == []
    async with sessions() as session:
        assert await request_summary(session, c.id) == RequestSummary(open=0, disputed={})
    assert [e.kind for e in await chain(sessions, c.id) if e.kind.startswith("request")] == []
    assert await outbox(sessions, OutboxKind.REQUEST_CARD) == []

    turn = await send(sessions, PAT, c, "Two questions.", now=at(3))
    assert turn.summary == [
        "Filed request #1: Proof of delivery (POD) for INV-1001, INV-1002 (USD 1,234.50)",
        "Filed request #2: Credit memo for RMA-77 (EUR 89.90)",
    ]
    assert await seen(sessions, c, Side.HOST) == [
        ("#1", RequestStatus.OPEN, False, ()),
        ("#2", RequestStatus.OPEN, False, ()),
    ]
    async with sessions() as session:
        assert await request_summary(session, c.id) == RequestSummary(
            open=2, disputed={"EUR": Decimal("89.90"), "USD": Decimal("1234.50")}
        )
    filed_events = [e for e in await chain(sessions, c.id) if e.kind == "request_filed"]
    assert [(e.actor_user_id, e.side, e.data["label"], e.data["amount"]) for e in filed_events] == [
        (SAM.user_id, "guest", "#1", "1234.50"),
        (SAM.user_id, "guest", "#2", "89.90"),
    ]
    assert [e.payload for e in await outbox(sessions, OutboxKind.REQUEST_CARD)] == [
        {"collaboration_id": c.id, "request_id": filed[0].id},
        {"collaboration_id": c.id, "request_id": filed[1].id},
    ]


async def test_the_month_of_one_request_through_every_pass(sessions: Sessions, store: LocalBlobStore) -> None:
    c = await start(sessions)
    await send(sessions, ALEX, c, "Statement.", now=at(1))
    (pod,) = await file(sessions, PAT, c, POD, now=at(2))
    await send(sessions, PAT, c, "One POD please.", now=at(3))
    await card(sessions, c, pod.id, "1764580000.000200")

    # Acme answers through the Fulfil modal: the file is staged, then the request is fulfilled with it.
    staged = await upload(sessions, store, JO, c, "POD-1001.pdf", pdf("signed POD"), now=at(4))
    async with sessions.begin() as session:
        mine = await fulfil_request(
            session,
            actor=JO,
            request_id=pod.id,
            version_ids=[staged.id],
            note="Signed by R. Diaz.",
            now=at(5),
        )
    assert (mine.status, mine.published_status, mine.pending) == (
        RequestStatus.FULFILLED,
        RequestStatus.OPEN,
        (RequestAction.FULFIL,),
    )
    assert mine.fulfilments[0].draft and mine.fulfilments[0].names == ("POD-1001.pdf",)
    assert await seen(sessions, c, Side.GUEST) == [("#1", RequestStatus.OPEN, False, ())]
    turn = await send(sessions, ALEX, c, "POD attached.", now=at(6))
    assert turn.summary == ["Uploaded POD-1001.pdf", "Fulfilled request #1 with POD-1001.pdf"]

    async with sessions.begin() as session:
        await reopen_request(session, actor=PAT, request_id=pod.id, reason="Page 2 is missing.", now=at(7))
    assert (await send(sessions, PAT, c, "See request #1.", now=at(8))).summary == [
        "Reopened request #1: Page 2 is missing."
    ]
    page2 = await upload(sessions, store, JO, c, "POD-1001.pdf", pdf("both pages"), now=at(9))
    async with sessions.begin() as session:
        await fulfil_request(session, actor=ALEX, request_id=pod.id, version_ids=[page2.id], now=at(10))
    assert (await send(sessions, ALEX, c, "Both pages now.", now=at(11))).summary == [
        "Uploaded POD-1001.pdf (version 2)",
        "Fulfilled request #1 with POD-1001.pdf",
    ]
    async with sessions.begin() as session:
        await accept_request(
            session,
            actor=SAM,
            request_id=pod.id,
            outcome="Deduction released",
            channel_id=CHANNEL,
            now=at(12),
        )
    assert (await send(sessions, PAT, c, "Thanks.", now=at(13))).summary == ["Accepted request #1: Deduction released"]

    async with sessions() as session:
        (final,) = await requests_of(session, c.id, viewer_side=None)
        by_card = await request_by_card(session, CHANNEL, "1764580000.000200")
    assert by_card == final
    assert (final.status, final.outcome, final.reason) == (
        RequestStatus.ACCEPTED,
        "Deduction released",
        "Page 2 is missing.",
    )
    assert [(f.names, f.note, f.by) for f in final.fulfilments] == [
        (("POD-1001.pdf",), "Signed by R. Diaz.", JO.user_id),
        (("POD-1001.pdf",), "", ALEX.user_id),
    ]
    events = await chain(sessions, c.id)
    assert [e.kind for e in events if e.kind.startswith(("request", "document"))] == [
        "request_filed",
        "document_version_published",
        "request_fulfilled",
        "request_reopened",
        "document_version_published",
        "request_fulfilled",
        "request_accepted",
    ]
    assert verify_chain(events) == []
    cards = [e.payload["request_id"] for e in await outbox(sessions, OutboxKind.REQUEST_CARD)]
    assert cards == [pod.id] * 5, "the request's card is posted, then updated at every pass that changed it"
    async with sessions() as session:
        assert await request_summary(session, c.id) == RequestSummary(open=0, disputed={}), "resolved"


async def test_drafted_transitions_leave_the_other_sides_view_unchanged_until_the_pass(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    (claim,) = await file(sessions, ALEX, c, NewRequest(RequestCategory.REMITTANCE_ADVICE, ["PAY-9"]), now=at(1))
    await send(sessions, ALEX, c, "Which invoices does PAY-9 cover?", now=at(2))
    await send(sessions, PAT, c, "Looking.", now=at(3))

    async def views() -> dict[str, Any]:
        async with sessions() as session:
            return {
                "guest": await requests_of(session, c.id, viewer_side=Side.GUEST),
                "card": await requests_of(session, c.id, viewer_side=None),
                "summary": await request_summary(session, c.id),
            }

    guest_before = await views()
    # Acme, on its turn, files two more, then cancels one of them and the published one.
    more = await file(sessions, JO, c, POD, NewRequest(RequestCategory.STATEMENT, details="Q3 statement"), now=at(4))
    async with sessions.begin() as session:
        await cancel_request(session, actor=JO, request_id=more[1].id, now=at(5))
        await cancel_request(session, actor=ALEX, request_id=claim.id, reason="Found it.", now=at(6))
    assert await views() == guest_before, "numbers reserved and transitions drafted: Retail Co sees no change"
    assert await seen(sessions, c, Side.HOST) == [
        ("#1", RequestStatus.CANCELLED, False, (RequestAction.CANCEL,)),
        ("#2", RequestStatus.OPEN, True, ()),
        ("#3", RequestStatus.CANCELLED, True, (RequestAction.CANCEL,)),
    ]
    # A drafted state is what the next action is checked against.
    error = await refused_all(
        sessions, InvalidTransition, lambda s: cancel_request(s, actor=ALEX, request_id=claim.id, now=at(7))
    )
    assert error.message == "Request #1 is cancelled already."

    turn = await send(sessions, ALEX, c, "Two more requests; one withdrawn.", now=at(8))
    assert turn.summary == [
        "Filed request #2: Proof of delivery (POD) for INV-1001, INV-1002 (USD 1,234.50)",
        "Filed request #3: Statement",
        "Cancelled request #3",
        "Cancelled request #1: Found it.",
    ]
    assert await seen(sessions, c, Side.GUEST) == [
        ("#1", RequestStatus.CANCELLED, False, ()),
        ("#2", RequestStatus.OPEN, False, ()),
        ("#3", RequestStatus.CANCELLED, False, ()),
    ]
    async with sessions() as session:
        summary = await request_summary(session, c.id)
    assert (summary.open, summary.disputed) == (1, {"USD": Decimal("1234.50")})


# --- the transition table, exhaustively -----------------------------------------------------------

# Written out independently of models.requests.TRANSITIONS: (from status, action, who acts).
ALLOWED = {
    ("open", "fulfil", "addressed"),
    ("reopened", "fulfil", "addressed"),
    ("open", "decline", "addressed"),
    ("reopened", "decline", "addressed"),
    ("fulfilled", "accept", "requester"),
    ("fulfilled", "reopen", "requester"),
    ("declined", "reopen", "requester"),
    ("open", "cancel", "requester"),
    ("reopened", "cancel", "requester"),
    ("fulfilled", "cancel", "requester"),
}
TARGET = {
    "fulfil": RequestStatus.FULFILLED,
    "decline": RequestStatus.DECLINED,
    "accept": RequestStatus.ACCEPTED,
    "reopen": RequestStatus.REOPENED,
    "cancel": RequestStatus.CANCELLED,
}


class Rollback(Exception):
    pass


@dataclass
class Case:
    request: DocumentRequest
    status: RequestStatus
    role: str  # the acting side's role on this request: "requester" or "addressed"


async def _seed(sessions: Sessions, c: Collaboration) -> list[DocumentRequest]:
    """A published request in every status, filed by each side."""
    async with sessions.begin() as session:
        rows = []
        number = 0
        for requester in (Side.HOST, Side.GUEST):
            for status in RequestStatus:
                number += 1
                rows.append(
                    DocumentRequest(
                        collaboration_id=c.id,
                        number=number,
                        category=RequestCategory.INVOICE_COPY,
                        references=[f"INV-{number}"],
                        requester_side=requester,
                        addressed_side=requester.other,
                        status=status,
                        published=True,
                        filed_by=ALEX.user_id if requester is Side.HOST else PAT.user_id,
                        filed_at=T0,
                        filed_turn=1,
                        published_at=T0,
                        updated_at=T0,
                    )
                )
        session.add_all(rows)
    return rows


def _act(action: str, actor: Actor, request_id: int, version_id: int) -> Any:
    now = at(30)
    if action == "fulfil":
        return lambda s: fulfil_request(s, actor=actor, request_id=request_id, version_ids=[version_id], now=now)
    if action == "decline":
        return lambda s: decline_request(s, actor=actor, request_id=request_id, reason="Not ours.", now=now)
    if action == "accept":
        return lambda s: accept_request(s, actor=actor, request_id=request_id, now=now)
    if action == "reopen":
        return lambda s: reopen_request(s, actor=actor, request_id=request_id, reason="Illegible.", now=now)
    return lambda s: cancel_request(s, actor=actor, request_id=request_id, now=now)


async def test_every_status_action_and_side_follows_the_transition_table(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    rows = await _seed(sessions, c)
    answer = await share(sessions, store, JO, "Invoice.pdf", pdf("copy"), now=at(1))
    version_id = answer.version.id
    outcomes: dict[tuple[str, str, str, str], str] = {}

    for actor, side in ((JO, Side.HOST), (SAM, Side.GUEST)):
        for row in rows:
            role = "requester" if row.requester_side is side else "addressed"
            for action in TARGET:
                key = (row.status.value, action, role)
                act = _act(action, actor, row.id, version_id)
                precheck = await request_refusal(sessions, actor, row.id, RequestAction(action))
                assert (precheck is None) == (key in ALLOWED), key
                if key in ALLOWED:
                    with pytest.raises(Rollback):
                        async with sessions.begin() as session:
                            view = await act(session)
                            assert (view.status, view.pending) == (TARGET[action], (RequestAction(action),))
                            assert (view.published_status) == row.status
                            raise Rollback
                    outcomes[(side.value, *key)] = "allowed"
                else:
                    error = await refused_all(sessions, InvalidTransition, act)
                    assert error.message.startswith((f"Request #{row.number} is", "Only ")), error.message
                    assert precheck is not None and precheck.message == error.message
                    outcomes[(side.value, *key)] = "refused"
        # The side not holding the turn is refused before the table is looked at.
        other = PAT if side is Side.HOST else ALEX
        await refused_all(sessions, NotYourTurn, _act("cancel", other, rows[0].id, version_id))
        async with sessions.begin() as session:
            leader = ALEX if side is Side.HOST else PAT
            await skip_turn(session, actor=leader, collaboration_id=c.id, now=at(40))

    assert len(outcomes) == 2 * 2 * 6 * 5
    assert sum(v == "allowed" for v in outcomes.values()) == 2 * len(ALLOWED)


async def test_refusals_say_why_in_plain_words(sessions: Sessions) -> None:
    c = await start(sessions)
    rows = {(r.requester_side, r.status): r for r in await _seed(sessions, c)}
    accepted = rows[(Side.GUEST, RequestStatus.ACCEPTED)]
    error = await refused_all(
        sessions,
        InvalidTransition,
        lambda s: decline_request(s, actor=ALEX, request_id=accepted.id, reason="No.", now=at(1)),
    )
    assert error.message == f"Request #{accepted.number} is accepted: it can't be declined."
    mine = rows[(Side.HOST, RequestStatus.OPEN)]
    error = await refused_all(
        sessions,
        InvalidTransition,
        lambda s: decline_request(s, actor=ALEX, request_id=mine.id, reason="No.", now=at(1)),
    )
    assert error.message == f"Request #{mine.number} is addressed to Retail Co: only Retail Co can decline it."
    theirs = rows[(Side.GUEST, RequestStatus.FULFILLED)]
    error = await refused_all(
        sessions, InvalidTransition, lambda s: accept_request(s, actor=ALEX, request_id=theirs.id, now=at(1))
    )
    assert error.message == f"Only Retail Co, which filed request #{theirs.number}, can accept it."
    await refused_all(
        sessions,
        InvalidInput,
        lambda s: reopen_request(s, actor=ALEX, request_id=mine.id, reason="  ", now=at(1)),
    )
    await refused_all(
        sessions,
        NotFound,
        lambda s: cancel_request(s, actor=ALEX, request_id=mine.id, channel_id="C0ELSEWHERE", now=at(1)),
    )
    await refused_all(sessions, NotFound, lambda s: cancel_request(s, actor=ALEX, request_id=9999, now=at(1)))


async def test_a_fulfilment_attaches_stored_files_of_this_collaboration_only(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    elsewhere = await start(sessions, channel="C0OTHER", title="Other Co — November 2026 statement")
    foreign = await upload(sessions, store, JO, elsewhere, "Foreign.pdf", pdf("other account"), now=at(1))
    (req,) = await file(sessions, ALEX, c, NewRequest(RequestCategory.REMITTANCE_ADVICE, ["PAY-1"]), now=at(1))
    acme = await upload(sessions, store, JO, c, "Statement.pdf", pdf("statement"), now=at(2))
    await send(sessions, ALEX, c, "Remittance for PAY-1?", now=at(3))
    lost = await share(sessions, store, SAM, "Huge.pdf", None, size=10**9, now=at(4))
    for bad in ([foreign.id], [999_999], [], [lost.version.id]):

        def attach(s: AsyncSession, bad: list[int] = bad) -> Awaitable[RequestView]:
            return fulfil_request(s, actor=SAM, request_id=req.id, version_ids=bad, now=at(5))

        await refused_all(sessions, InvalidInput, attach)
    own = await upload(sessions, store, SAM, c, "Remittance.pdf", pdf("remittance"), now=at(5))
    async with sessions.begin() as session:
        view = await fulfil_request(session, actor=SAM, request_id=req.id, version_ids=[own.id, acme.id], now=at(6))
    assert view.status is RequestStatus.FULFILLED, "its own staged file, and a published one of either side"
    assert view.fulfilments[0].names == ("Remittance.pdf", "Statement.pdf")


# --- numbering under concurrency ------------------------------------------------------------------


async def test_ten_concurrent_filings_get_numbers_one_to_ten(sessions: Sessions) -> None:
    c = await start(sessions)

    async def one(i: int) -> int:
        async with sessions.begin() as session:
            (view,) = await file_requests(
                session,
                actor=ALEX if i % 2 else JO,
                collaboration_id=c.id,
                requests=[NewRequest(RequestCategory.INVOICE_COPY, [f"INV-{i}"])],
                now=at(i),
            )
            return view.number

    numbers = await asyncio.gather(*(one(i) for i in range(10)))
    assert sorted(numbers) == list(range(1, 11))
    async with sessions() as session:
        stored = (await session.scalars(select(DocumentRequest.number).order_by(DocumentRequest.number))).all()
    assert list(stored) == list(range(1, 11))


# --- files in a request card's thread -------------------------------------------------------------


async def _open_pod(sessions: Sessions, c: Collaboration) -> RequestView:
    await send(sessions, ALEX, c, "Statement.", now=at(1))
    (pod,) = await file(sessions, PAT, c, POD, now=at(2))
    await send(sessions, PAT, c, "POD please.", now=at(3))
    await card(sessions, c, pod.id, "1764580000.000300")
    return pod


async def test_a_file_in_the_cards_thread_from_the_addressed_side_fulfils_the_request_at_once(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    pod = await _open_pod(sessions, c)
    await send(sessions, ALEX, c, "On it.", now=at(4))  # the turn is Retail Co's: chat is free all the same
    cards_before = len(await outbox(sessions, OutboxKind.REQUEST_CARD))

    result = await share(sessions, store, JO, "POD-1001.pdf", pdf("pod"), thread_ts="1764580000.000300", now=at(5))
    assert (result.request_id, result.fulfilled) == (pod.id, True)
    assert result.version.source == "fulfilment"
    async with sessions() as session:
        (guest_view,) = await requests_of(session, c.id, viewer_side=Side.GUEST)
    assert guest_view.status is RequestStatus.FULFILLED, "public at once: no draft, no pass"
    assert [(f.version_ids, f.via, f.by) for f in guest_view.fulfilments] == [
        ((result.version.id,), "thread", JO.user_id)
    ]

    second = await share(sessions, store, JO, "POD-1002.pdf", pdf("pod 2"), thread_ts="1764580000.000300", now=at(6))
    assert second.fulfilled
    async with sessions() as session:
        (guest_view,) = await requests_of(session, c.id, viewer_side=Side.GUEST)
    assert [f.names for f in guest_view.fulfilments] == [("POD-1001.pdf", "POD-1002.pdf")], "joins the answer"

    kinds = [e.kind for e in await chain(sessions, c.id)]
    assert kinds[-4:] == ["file_shared", "request_fulfilled", "file_shared", "request_file_added"]
    assert len(await outbox(sessions, OutboxKind.REQUEST_CARD)) == cards_before + 2
    assert verify_chain(await chain(sessions, c.id)) == []

    # Retail Co, holding the turn, can accept it straight away.
    async with sessions.begin() as session:
        accepted = await accept_request(session, actor=PAT, request_id=pod.id, now=at(7))
    assert (accepted.status, accepted.published_status) == (RequestStatus.ACCEPTED, RequestStatus.FULFILLED)


async def test_a_followers_or_the_requesters_file_in_the_thread_is_only_recorded(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    pod = await _open_pod(sessions, c)
    async with sessions.begin() as session:
        await add_participants(
            session,
            actor=ALEX,
            collaboration_id=c.id,
            people=[NewPerson(JO.user_id, ACME, Role.FOLLOWER)],
            now=at(4),
        )
    thread = "1764580000.000300"
    by_follower = await share(sessions, store, JO, "POD.pdf", pdf("pod"), thread_ts=thread, now=at(5))
    by_requester = await share(sessions, store, SAM, "Photo.pdf", pdf("damage"), thread_ts=thread, now=at(6))
    not_stored = await share(sessions, store, ALEX, "Huge.pdf", None, size=10**9, thread_ts=thread, now=at(7))
    elsewhere = await share(sessions, store, ALEX, "POD.pdf", pdf("pod"), thread_ts="999.000", now=at(8))
    for result in (by_follower, by_requester, not_stored):
        assert (result.request_id, result.fulfilled) == (pod.id, False)
        assert result.version.published
    assert (elsewhere.request_id, elsewhere.fulfilled) == (None, False)
    async with sessions() as session:
        (view,) = await requests_of(session, c.id, viewer_side=None)
    assert (view.status, view.fulfilments) == (RequestStatus.OPEN, ())


async def test_a_file_in_the_thread_of_a_declined_request_is_only_recorded(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    pod = await _open_pod(sessions, c)
    async with sessions.begin() as session:
        await decline_request(session, actor=ALEX, request_id=pod.id, reason="Delivered by the customer.", now=at(4))
    await send(sessions, ALEX, c, "Declined #1.", now=at(5))
    late = await share(sessions, store, JO, "POD.pdf", pdf("pod"), thread_ts="1764580000.000300", now=at(6))
    assert (late.request_id, late.fulfilled, late.version.source) == (pod.id, False, "channel")
    async with sessions() as session:
        (view,) = await requests_of(session, c.id, viewer_side=None)
    assert (view.status, view.reason, view.fulfilments) == (
        RequestStatus.DECLINED,
        "Delivered by the customer.",
        (),
    ), "the table has no way from declined to fulfilled: Retail Co reopens it first"


async def test_a_drafted_transition_overtaken_in_the_thread_is_dropped_at_the_pass(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    pod = await _open_pod(sessions, c)
    async with sessions.begin() as session:
        await decline_request(session, actor=ALEX, request_id=pod.id, reason="No such delivery.", now=at(4))
    # Meanwhile Jo, who found the POD, posts it in the card's thread: it fulfils the request at once.
    await share(sessions, store, JO, "POD.pdf", pdf("pod"), thread_ts="1764580000.000300", now=at(5))
    turn = await send(sessions, ALEX, c, "Found it after all.", now=at(6))
    assert turn.summary == ["Request #1 was not declined: it is fulfilled now."]
    async with sessions() as session:
        (view,) = await requests_of(session, c.id, viewer_side=None)
    assert (view.status, view.reason) == (RequestStatus.FULFILLED, None)


# --- the card's numbers, input checks, labels ------------------------------------------------------


async def test_request_summary_counts_published_unresolved_requests_and_sums_per_currency(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    await send(sessions, ALEX, c, "Statement.", now=at(1))
    filed = await file(
        sessions,
        PAT,
        c,
        NewRequest(RequestCategory.CREDIT_MEMO, ["INV-1"], Decimal("100.10"), "USD"),
        NewRequest(RequestCategory.CREDIT_MEMO, ["INV-2"], "0.20", "usd"),
        NewRequest(RequestCategory.DEDUCTION_BACKUP, ["DED-3"], "1,000.00", "EUR"),
        NewRequest(RequestCategory.TRACKING, ["INV-4"]),
        NewRequest(RequestCategory.CREDIT_MEMO, ["INV-5"], "50", "GBP"),
        now=at(2),
    )
    async with sessions.begin() as session:
        await cancel_request(session, actor=PAT, request_id=filed[4].id, now=at(3))
    await send(sessions, PAT, c, "Five requests, one withdrawn.", now=at(4))
    await file(sessions, ALEX, c, NewRequest(RequestCategory.REMITTANCE_ADVICE, ["PAY-1"], "999", "USD"), now=at(5))
    async with sessions() as session:
        summary = await request_summary(session, c.id)
    assert summary.open == 4, "the cancelled one and Acme's unsent draft do not count"
    assert summary.disputed == {"EUR": Decimal("1000.00"), "USD": Decimal("100.30")}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (NewRequest("nonsense", ["INV-1"]), "category"),
        (NewRequest(RequestCategory.OTHER), "references"),
        (NewRequest(RequestCategory.INVOICE_COPY, ["INV-1"], "-5", "USD"), "amount"),
        (NewRequest(RequestCategory.INVOICE_COPY, ["INV-1"], "12.345", "USD"), "amount"),
        (NewRequest(RequestCategory.INVOICE_COPY, ["INV-1"], "twelve", "USD"), "amount"),
        (NewRequest(RequestCategory.INVOICE_COPY, ["INV-1"], "12", None), "currency"),
        (NewRequest(RequestCategory.INVOICE_COPY, ["INV-1"], "12", "DOLLARS"), "currency"),
        (NewRequest(RequestCategory.INVOICE_COPY, ["INV-1"], None, "USD"), "amount"),
        (NewRequest(RequestCategory.INVOICE_COPY, ["X" * 65]), "references"),
        (NewRequest(RequestCategory.INVOICE_COPY, ["INV-1"], due_date=date(2026, 11, 1)), "due_date"),
    ],
)
async def test_invalid_requests_are_refused_on_the_right_field(sessions: Sessions, bad: NewRequest, field: str) -> None:
    c = await start(sessions)
    error = await refused_all(
        sessions,
        InvalidInput,
        lambda s: file_requests(s, actor=ALEX, collaboration_id=c.id, requests=[POD, bad], now=at(1)),
    )
    assert error.field == field
    assert error.message.startswith("Request 2 of 2: ")


def test_labels_qualify_requests_carried_over_from_an_earlier_period() -> None:
    assert request_label(3) == "#3"
    assert request_label(1, origin_number=2, origin_period="2026-11") == "#2026-11/2"
    assert RequestCategory.PROOF_OF_DELIVERY.label == "Proof of delivery (POD)"


def test_a_request_card_offers_the_buttons_its_status_allows() -> None:
    assert {status.value: [a.value for a in actions_for(status)] for status in RequestStatus} == {
        "open": ["fulfil", "decline", "cancel"],
        "fulfilled": ["accept", "reopen", "cancel"],
        "accepted": [],
        "reopened": ["fulfil", "decline", "cancel"],
        "declined": ["reopen"],
        "cancelled": [],
    }


async def test_the_card_counts_drafts_of_the_viewers_side_only(sessions: Sessions) -> None:
    c = await start(sessions)
    await file(sessions, JO, c, POD, now=at(1))
    async with sessions() as session:
        assert (await collaboration_view(session, c.id, Side.HOST)).drafts == 1
        assert (await collaboration_view(session, c.id, Side.GUEST)).drafts == 0
    before = await snapshot_all(sessions)
    async with sessions() as session:
        assert await request_by_card(session, CHANNEL, "nope") is None
    assert await snapshot_all(sessions) == before
