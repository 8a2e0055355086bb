"""Request reminders, escalation, snooze and turn nudges: to the side that must act, once a day, in the
right place (host people by DM, guest people by a mention in the channel)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import pytest

from bot.blobs import LocalBlobStore
from bot.db import Sessions
from bot.scheduled_deliveries import build_scheduled_deliverers
from models.errors import NotAParticipant, NotFound
from models.outbox import OutboxKind
from models.sides import Actor
from models.use_cases import (
    NewRequest,
    RequestCategory,
    Snoozed,
    decline_request,
    due_for,
    fulfil_request,
    snooze,
)
from scheduler.jobs import RunReport
from tests.models.doc_support import pdf, upload
from tests.models.support import ALEX, CHANNEL, JO, PAT, SAM
from tests.scheduler.support import entries, file, lanes, october, run, schedule, send, utc

DUE = date(2026, 11, 17)  # a Tuesday
POD = NewRequest(RequestCategory.PROOF_OF_DELIVERY, ["INV-1001"], due_date=DUE)


async def click_snooze(sessions: Sessions, actor: Actor, key: str) -> Snoozed:
    async with sessions.begin() as session:
        return await snooze(session, actor=actor, reminder_key=key, now=utc(2026, 11, 18, 11))


async def test_a_request_to_the_retailer_is_reminded_in_the_channel_snoozed_once_escalated_and_stopped(
    sessions: Sessions,
) -> None:
    c = await october(sessions)
    await schedule(sessions, c, nudge_after_days=60)  # this test is about requests
    (pod,) = await file(sessions, ALEX, c, POD, now=utc(2026, 11, 5, 11))
    await send(sessions, ALEX, c, "Statement; one POD please.", now=utc(2026, 11, 5, 12))

    assert await run(sessions, utc(2026, 11, 15)) == RunReport(), "two days ahead: nothing yet"
    assert await run(sessions, utc(2026, 11, 16, 8, 59)) == RunReport(), "before the schedule's 09:00"
    assert (await run(sessions, utc(2026, 11, 16, 9))).reminders == 1
    (soon,) = await entries(sessions, OutboxKind.REQUEST_REMINDER)
    assert soon.lane == CHANNEL and soon.payload["stage"] == "due_soon"
    assert soon.payload["mentions"] == [PAT.user_id, SAM.user_id], "the guest side's leader and contributor"
    assert "user_id" not in soon.payload
    assert await run(sessions, utc(2026, 11, 16, 18)) == RunReport(), "once a day"
    assert await run(sessions, utc(2026, 11, 17)) == RunReport(), "the due date is theirs"

    assert (await run(sessions, utc(2026, 11, 18))).reminders == 1
    overdue = (await entries(sessions, OutboxKind.REQUEST_REMINDER))[-1]
    assert (overdue.payload["stage"], overdue.payload["days"]) == ("overdue", 1)

    # Only the reminded side snoozes, and a second click changes nothing.
    key = overdue.payload["reminder_key"]
    with pytest.raises(NotAParticipant, match="Retail Co's people"):
        await click_snooze(sessions, ALEX, key)
    assert not (await click_snooze(sessions, PAT, key)).already
    assert (await click_snooze(sessions, SAM, key)).already
    with pytest.raises(NotFound):
        await click_snooze(sessions, PAT, "request:999:guest@2026-11-18")

    assert await run(sessions, utc(2026, 11, 19)) == RunReport(snoozed=1), "exactly one cycle suppressed"
    report = await run(sessions, utc(2026, 11, 20))
    assert (report.reminders, report.escalations) == (1, 1), "three days overdue: the host leaders hear of it"
    (escalation,) = await entries(sessions, OutboxKind.REQUEST_ESCALATION)
    assert escalation.lane == f"dm:{ALEX.user_id}" and escalation.payload["days"] == 3
    assert await run(sessions, utc(2026, 11, 21)) == RunReport(reminders=1), "escalated once, reminded daily"

    # Retail Co declines it and sends its turn: the reminders stop, even one already queued.
    async with sessions.begin() as session:
        await decline_request(session, actor=PAT, request_id=pod, reason="Not ours.", now=utc(2026, 11, 21, 11))
    assert await run(sessions, utc(2026, 11, 22)) == RunReport(reminders=1), "a draft decline is not sent yet"
    await send(sessions, PAT, c, "Declined the POD request.", now=utc(2026, 11, 22, 12))
    assert await run(sessions, utc(2026, 11, 23)) == RunReport()
    queued = (await entries(sessions, OutboxKind.REQUEST_REMINDER))[-1]
    deliver = build_scheduled_deliverers(cast(Any, None), sessions)[OutboxKind.REQUEST_REMINDER]
    assert await deliver(queued) == {"skipped": "request is declined"}
    assert all(e.lane == CHANNEL for e in await entries(sessions, OutboxKind.REQUEST_REMINDER))


async def test_a_request_to_the_distributor_is_reminded_by_direct_message_never_in_the_channel(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await october(sessions)
    await schedule(sessions, c, nudge_after_days=60, remind_days_before=2)
    await send(sessions, ALEX, c, "Statement.", now=utc(2026, 11, 5, 11))
    (memo,) = await file(
        sessions, PAT, c, NewRequest(RequestCategory.CREDIT_MEMO, ["CM-1"], due_date=DUE), now=utc(2026, 11, 6)
    )
    await send(sessions, PAT, c, "We need the credit memo.", now=utc(2026, 11, 6, 11))

    assert await run(sessions, utc(2026, 11, 15, 9, 30)) == RunReport(reminders=2), "two days ahead: Alex and Jo"
    reminders = await entries(sessions, OutboxKind.REQUEST_REMINDER)
    assert sorted(lanes(reminders)) == [f"dm:{ALEX.user_id}", f"dm:{JO.user_id}"]
    assert {e.payload["user_id"] for e in reminders} == {ALEX.user_id, JO.user_id}
    homes = [e.lane for e in await entries(sessions, OutboxKind.HOME_REFRESH)][-2:]
    assert sorted(homes) == [f"dm:{ALEX.user_id}", f"dm:{JO.user_id}"]
    async with sessions() as session:
        (item,) = await due_for(session, user_id=JO.user_id, today=date(2026, 11, 16))
    assert (item.kind, item.label, item.due_date) == ("request", "#1", DUE)

    assert await run(sessions, utc(2026, 11, 18)) == RunReport(reminders=2)
    key = (await entries(sessions, OutboxKind.REQUEST_REMINDER))[-1].payload["reminder_key"]
    with pytest.raises(NotAParticipant):
        await click_snooze(sessions, PAT, key)
    await click_snooze(sessions, JO, key)  # a contributor of the host side snoozes for the side
    assert await run(sessions, utc(2026, 11, 19)) == RunReport(snoozed=1)
    assert await run(sessions, utc(2026, 11, 20)) == RunReport(reminders=2, escalations=1)

    # Acme fulfils it and sends the update: no more reminders.
    staged = await upload(sessions, store, JO, c, "CM-1.pdf", pdf("credit memo"), now=utc(2026, 11, 20, 11))
    async with sessions.begin() as session:
        await fulfil_request(session, actor=JO, request_id=memo, version_ids=[staged.id], now=utc(2026, 11, 20, 12))
    await send(sessions, ALEX, c, "Credit memo attached.", now=utc(2026, 11, 20, 13))
    assert await run(sessions, utc(2026, 11, 21)) == RunReport()
    assert not [e for e in await entries(sessions) if e.lane == CHANNEL and e.kind == OutboxKind.REQUEST_REMINDER]


async def test_a_side_holding_the_turn_too_long_is_nudged_once_a_business_day(sessions: Sessions) -> None:
    c = await october(sessions, now=utc(2026, 11, 2))  # Monday; Acme holds Turn 1
    await schedule(sessions, c, nudge_after_days=2)

    assert await run(sessions, utc(2026, 11, 4)) == RunReport(), "Tuesday and Wednesday: two business days"
    assert await run(sessions, utc(2026, 11, 5)) == RunReport(nudges=1)
    (nudge,) = await entries(sessions, OutboxKind.TURN_NUDGE)
    assert nudge.lane == f"dm:{ALEX.user_id}", "the holding side's leaders only, by DM"
    assert (nudge.payload["turn"], nudge.payload["days"]) == (1, 3)
    assert await run(sessions, utc(2026, 11, 5, 17)) == RunReport()
    assert await run(sessions, utc(2026, 11, 6)) == RunReport(nudges=1)
    friday = (await entries(sessions, OutboxKind.TURN_NUDGE))[-1].payload["reminder_key"]
    assert await run(sessions, utc(2026, 11, 7)) == RunReport(), "no nudges at the weekend"
    async with sessions.begin() as session:
        await snooze(session, actor=ALEX, reminder_key=friday, now=utc(2026, 11, 7))
    assert await run(sessions, utc(2026, 11, 9)) == RunReport(snoozed=1)
    assert await run(sessions, utc(2026, 11, 10)) == RunReport(nudges=1)

    # Retail Co's turn now: its leader is mentioned in the channel after two business days more.
    await send(sessions, ALEX, c, "Statement attached.", now=utc(2026, 11, 10, 11))
    assert await run(sessions, utc(2026, 11, 12)) == RunReport()
    assert await run(sessions, utc(2026, 11, 13)) == RunReport(nudges=1)
    guest = (await entries(sessions, OutboxKind.TURN_NUDGE))[-1]
    assert (guest.lane, guest.payload["mentions"], guest.payload["turn"]) == (CHANNEL, [PAT.user_id], 2)

    # A nudge still queued when the turn moves on is not delivered.
    await send(sessions, PAT, c, "Reviewed.", now=utc(2026, 11, 13, 11))
    deliver = build_scheduled_deliverers(cast(Any, None), sessions)[OutboxKind.TURN_NUDGE]
    assert await deliver(guest) == {"skipped": "the turn has moved on"}
