"""The monthly statement: opening the previous month's collaboration on its day, rolling the previous one
over with what is open, reminding the host leaders once — however many runs, replicas or missed months."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

from sqlalchemy import update

from bot.blobs import LocalBlobStore
from bot.db import Sessions, create_engine, session_factory
from models.collaborations import Account, CollaborationStatus
from models.history import verify_chain
from models.outbox import OutboxKind
from models.requests import RequestStatus
from models.sides import Role, Side
from models.use_cases import (
    NewPerson,
    NewRequest,
    RequestCategory,
    add_participants,
    cancel_request,
    documents_of,
    due_for,
    requests_of,
)
from scheduler.jobs import RunReport, run_due
from tests.models.doc_support import pdf, upload
from tests.models.support import ACME, ALEX, CHANNEL, JO, PAT, SAM, chain
from tests.scheduler.support import (
    DEC_1_NINE,
    NOV_5,
    NOVEMBER,
    OCTOBER,
    active,
    claims,
    collaborations,
    entries,
    file,
    october,
    people,
    requests,
    run,
    schedule,
    send,
    utc,
)

WEST = "C0WEST"


async def test_the_first_business_day_opens_last_months_collaboration_and_tells_each_host_leader(
    sessions: Sessions,
) -> None:
    first = await october(sessions)
    async with sessions.begin() as session:  # Jo leads too: two host leaders to remind
        await add_participants(
            session, actor=ALEX, collaboration_id=first.id, people=[NewPerson(JO.user_id, ACME, Role.LEADER)], now=NOV_5
        )
    await october(sessions, channel=WEST, account_name="Retail Co West")

    assert await run(sessions, utc(2026, 12, 1, 8, 59)) == RunReport(), "not before 09:00 on the day"
    report = await run(sessions, DEC_1_NINE)
    assert (report.opened, report.rolled_over, report.reminders, report.skipped_periods) == (2, 2, 3, 0)

    old, new = await collaborations(sessions)
    assert (old.title, old.status, old.rolled_into_id) == (OCTOBER, CollaborationStatus.ROLLED_OVER, new.id)
    assert (new.title, new.period, new.status, new.turn_number, new.holding_side) == (
        NOVEMBER,
        "2026-11",
        CollaborationStatus.ACTIVE,
        1,
        Side.HOST,
    )
    assert await people(sessions, new) == await people(sessions, old), "people and roles carried over"
    assert (await people(sessions, new))[JO.user_id] == ("host", "leader")
    west_old, west_new = await collaborations(sessions, WEST)
    assert west_new.title == "Retail Co West — November 2026 statement" and west_old.rolled_into_id == west_new.id

    # One direct message per host leader, in their DM lane; nothing about it in the shared channels.
    due = await entries(sessions, OutboxKind.STATEMENT_DUE)
    assert sorted((e.lane, e.payload["period"], e.payload["opened"]) for e in due) == [
        ("dm:U0ALEX", "2026-11", True),
        ("dm:U0ALEX", "2026-11", True),
        ("dm:U0JO", "2026-11", True),
    ]
    assert {e.payload["collaboration_id"] for e in due} == {new.id, west_new.id}
    homes = {e.lane for e in await entries(sessions, OutboxKind.HOME_REFRESH) if e.collaboration_id == new.id}
    assert homes == {"dm:U0ALEX", "dm:U0JO"}
    async with sessions() as session:
        home = await due_for(session, user_id=JO.user_id, today=date(2026, 12, 1))
    assert [(i.kind, i.collaboration_id, i.period) for i in home] == [
        ("statement", new.id, "2026-11"),
        ("statement", west_new.id, "2026-11"),
    ], "Jo is in both channels: both statements wait on Acme"

    # The cards: the old one refreshed (it says rolled over) and unpinned, the new one posted and pinned.
    in_channel = [(e.kind, e.collaboration_id) for e in await entries(sessions) if e.lane == CHANNEL]
    assert (OutboxKind.CARD_REFRESH, old.id) in in_channel and (OutboxKind.CARD_UNPIN, old.id) in in_channel
    assert in_channel[-1] == (OutboxKind.CARD_REFRESH, new.id)
    (archive,) = [e for e in await entries(sessions, OutboxKind.POST_ARCHIVE) if e.collaboration_id == old.id]
    old_chain, new_chain = await chain(sessions, old.id), await chain(sessions, new.id)
    assert old_chain[-1].kind == "rolled_over" and old_chain[-1].data["into_collaboration_id"] == new.id
    assert archive.payload == {
        "collaboration_id": old.id,
        "up_to_seq": old_chain[-1].seq,
        "head_hash": old_chain[-1].hash,
    }
    assert new_chain[0].kind == "collaboration_started" and new_chain[0].actor_user_id is None
    assert new_chain[0].data["previous_collaboration_id"] == old.id
    assert verify_chain(old_chain) == [] and verify_chain(new_chain) == []

    # Again, later that day, and the next day: everything was done once.
    before = len(await entries(sessions))
    assert await run(sessions, DEC_1_NINE) == RunReport()
    assert await run(sessions, utc(2026, 12, 1, 17)) == RunReport()
    assert await run(sessions, date(2026, 12, 2)) == RunReport()
    assert len(await entries(sessions)) == before


async def test_open_requests_and_drafts_move_into_the_new_period_keeping_numbers_and_origin(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await october(sessions)
    pod = NewRequest(RequestCategory.PROOF_OF_DELIVERY, ["INV-1001"], Decimal("120.00"), "USD")
    memo = NewRequest(RequestCategory.CREDIT_MEMO, ["CM-7"])
    copy = NewRequest(RequestCategory.INVOICE_COPY, ["INV-1003"])
    one, two, three = await file(sessions, ALEX, c, pod, memo, copy, now=utc(2026, 11, 5, 11))
    await send(sessions, ALEX, c, "Statement and three requests.", now=utc(2026, 11, 5, 12))
    await send(sessions, PAT, c, "Looking.", now=utc(2026, 11, 6))
    async with sessions.begin() as session:
        await cancel_request(session, actor=ALEX, request_id=two, reason="Found it.", now=utc(2026, 11, 9))
    await send(sessions, ALEX, c, "Cancelled #2.", now=utc(2026, 11, 9, 11))
    # Retail Co's turn: it files a request and stages a file, and has not sent them when the month turns.
    (four,) = await file(
        sessions, PAT, c, NewRequest(RequestCategory.REMITTANCE_ADVICE, ["PAY-9"]), now=utc(2026, 11, 10)
    )
    await upload(sessions, store, SAM, c, "remittance.pdf", pdf("remittance"), now=utc(2026, 11, 10, 11))

    report = await run(sessions, DEC_1_NINE)
    assert (report.opened, report.rolled_over) == (1, 1)
    old, new = await collaborations(sessions)
    moved = await requests(sessions, new)
    assert [(r.id, r.number, r.label, r.status, r.published) for r in moved] == [
        (one, 1, "#2026-10/1", RequestStatus.OPEN, True),
        (three, 2, "#2026-10/3", RequestStatus.OPEN, True),
        (four, 3, "#2026-10/4", RequestStatus.OPEN, False),
    ]
    assert [r.id for r in await requests(sessions, old)] == [two], "the cancelled request stays where it was"
    async with sessions() as session:
        shared = await requests_of(session, new.id, viewer_side=None)
        theirs = await requests_of(session, new.id, viewer_side=Side.GUEST)
        guest_docs = await documents_of(session, new.id, viewer_side=Side.GUEST)
        host_docs = await documents_of(session, new.id, viewer_side=Side.HOST)
    assert [r.label for r in shared] == ["#2026-10/1", "#2026-10/3"], "drafts stay their own side's"
    assert [(r.label, r.draft) for r in theirs][-1] == ("#2026-10/4", True)
    assert [d.name for d in guest_docs] == ["remittance.pdf"] and host_docs == []

    # The carried requests' cards are refreshed (they read #2026-10/1 now); both chains say what moved.
    cards = {
        e.payload["request_id"]
        for e in await entries(sessions, OutboxKind.REQUEST_CARD)
        if e.collaboration_id == new.id
    }
    assert cards == {one, three}
    carried = [e for e in await chain(sessions, new.id) if e.kind == "carried_over"]
    assert [r["label"] for r in carried[0].data["requests"]] == ["#2026-10/1", "#2026-10/3"]
    rolled = (await chain(sessions, old.id))[-1]
    assert rolled.kind == "rolled_over" and [r["was"] for r in rolled.data["requests"]] == ["#1", "#3"]

    # The drafts publish in the new period when Retail Co sends its turn there.
    await send(sessions, ALEX, new, "November statement.", now=utc(2026, 12, 1, 10))
    await send(sessions, PAT, new, "Remittance and one more request.", now=utc(2026, 12, 1, 11))
    published = [e.kind for e in await chain(sessions, new.id)]
    assert "request_filed" in published and "document_version_published" in published
    assert verify_chain(await chain(sessions, new.id)) == [] and verify_chain(await chain(sessions, old.id)) == []
    async with sessions() as session:
        assert [r.label for r in await requests_of(session, new.id, viewer_side=None)][-1] == "#2026-10/4"

    # On 1 January (a business day: the account has no holiday country) December opens; what is still
    # open moves on again with its first origin.
    await run(sessions, utc(2027, 1, 1, 9))
    newest = await active(sessions)
    assert newest.period == "2026-12"
    assert [r.label for r in await requests(sessions, newest)] == ["#2026-10/1", "#2026-10/3", "#2026-10/4"]


async def test_an_overdue_request_carried_into_the_new_period_is_reminded_the_day_it_opens(
    sessions: Sessions,
) -> None:
    c = await october(sessions)
    pod = NewRequest(RequestCategory.PROOF_OF_DELIVERY, ["INV-1001"], due_date=date(2026, 11, 20))
    (request_id,) = await file(sessions, ALEX, c, pod, now=utc(2026, 11, 5, 11))
    await send(sessions, ALEX, c, "Statement; one POD please.", now=utc(2026, 11, 5, 12))

    report = await run(sessions, DEC_1_NINE)
    assert (report.opened, report.rolled_over, report.escalations) == (1, 1, 1)
    assert report.reminders == 2, "the statement to Alex, and the overdue request to Retail Co"
    new = await active(sessions)
    (reminder,) = await entries(sessions, OutboxKind.REQUEST_REMINDER)
    assert (reminder.collaboration_id, reminder.payload["request_id"]) == (new.id, request_id)
    assert (reminder.lane, reminder.payload["stage"], reminder.payload["days"]) == (CHANNEL, "overdue", 11)
    assert await run(sessions, utc(2026, 12, 1, 17)) == RunReport(), "once a day"
    assert await run(sessions, utc(2026, 12, 2, 9)) == RunReport(reminders=1)


async def test_an_account_whose_schedule_cannot_be_worked_out_fails_alone(sessions: Sessions) -> None:
    await october(sessions)
    west = await october(sessions, channel=WEST, account_name="Retail Co West")
    async with sessions.begin() as session:  # a time zone that is no longer known
        await session.execute(update(Account).where(Account.id == west.account_id).values(timezone="Mars/Olympus"))

    report = await run(sessions, DEC_1_NINE)
    assert (report.opened, report.rolled_over, report.failed) == (1, 1, 1)
    assert [c.status for c in await collaborations(sessions, WEST)] == [CollaborationStatus.ACTIVE]
    assert await run(sessions, DEC_1_NINE) == RunReport(failed=1), "tried again at every run"


async def test_two_concurrent_runs_record_each_reminder_once(sessions: Sessions, database_url: str) -> None:
    await october(sessions)
    await october(sessions, channel=WEST, account_name="Retail Co West")
    replica = create_engine(database_url)  # a second process on the same database
    try:
        first, second = await asyncio.gather(
            run_due(sessions, now=DEC_1_NINE, default_timezone="UTC"),
            run_due(session_factory(replica), now=DEC_1_NINE, default_timezone="UTC"),
        )
    finally:
        await replica.dispose()
    assert first.failed == 0 and second.failed == 0, "the loser finds the keys taken; it does not crash"
    assert first.opened + second.opened == 2
    assert first.reminders + second.reminders == 2
    assert len(await entries(sessions, OutboxKind.STATEMENT_DUE)) == 2
    assert len(await collaborations(sessions)) == 2 and len(await collaborations(sessions, WEST)) == 2


async def test_after_months_of_downtime_only_the_latest_period_opens_and_the_skipped_ones_are_listed(
    sessions: Sessions,
) -> None:
    c = await october(sessions)
    await schedule(sessions, c, country="US")  # 1 January 2027 is a holiday: the 4th is the first business day
    await run(sessions, DEC_1_NINE)  # November opens on time

    # On New Year's Day nothing is due yet; then Baton does not run for three months.
    assert await run(sessions, utc(2027, 1, 1, 12)) == RunReport(), "New Year's Day is no business day in the US"
    report = await run(sessions, utc(2027, 4, 1, 12))
    assert (report.opened, report.rolled_over, report.skipped_periods, report.reminders) == (1, 1, 3, 1)
    assert [(x.period, x.status) for x in await collaborations(sessions)] == [
        ("2026-10", CollaborationStatus.ROLLED_OVER),
        ("2026-11", CollaborationStatus.ROLLED_OVER),
        ("2027-03", CollaborationStatus.ACTIVE),
    ]
    (reminder,) = [e for e in await entries(sessions, OutboxKind.STATEMENT_DUE) if e.payload["period"] == "2027-03"]
    assert reminder.payload["skipped"] == ["2026-12", "2027-01", "2027-02"]
    assert {c.period for c in await claims(sessions)} == {"2026-11", "2027-03"}, "skipped periods stay unclaimed"
    assert await run(sessions, utc(2027, 4, 2)) == RunReport()
