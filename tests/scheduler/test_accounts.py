"""Accounts and their schedules: who may change them, what is checked, and what the monthly job does with
them (reminding without opening, default people, a period already started by hand)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import time
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Sessions
from models.collaborations import CollaborationStatus
from models.errors import InvalidInput, NotAParticipant, RoleRequired
from models.outbox import OutboxKind
from models.schedules import DayRule, Schedule
from models.sides import Role, Side
from models.use_cases import (
    DefaultPerson,
    NewRequest,
    RequestCategory,
    account_view,
    schedule_of,
    set_schedule,
    sign_off,
    update_account,
)
from scheduler.jobs import RunReport
from tests.models.support import ACME, ALEX, JO, PAT, RETAIL, SAM, refused, start
from tests.scheduler.support import (
    DEC_1_NINE,
    NOV_5,
    NOVEMBER,
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


async def test_an_account_has_the_default_schedule_until_a_host_leader_sets_one(sessions: Sessions) -> None:
    c = await october(sessions, now=utc(2026, 11, 10))
    async with sessions() as session:
        assert await schedule_of(session, c.account_id, default_timezone="Europe/Berlin") == Schedule("UTC")
        view = await account_view(session, c.account_id, default_timezone="UTC")
    assert (view.name, view.channel_id, view.schedule.day_rule, view.schedule.at) == (
        "Retail Co",
        c.channel_id,
        DayRule.BUSINESS_DAY,
        time(9, 0),
    )

    def setting(**fields: Any) -> Callable[[AsyncSession], Awaitable[Schedule]]:
        return lambda session: set_schedule(session, account_id=c.account_id, now=NOV_5, **fields)

    await refused(sessions, RoleRequired, setting(actor=JO))
    await refused(sessions, NotAParticipant, setting(actor=PAT))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"day": 24}, "day"),
        ({"day_rule": "day_of_month", "day": 32}, "day"),
        ({"day_rule": "weekly"}, "day_rule"),
        ({"at": "25:00"}, "time"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"country": "XX"}, "country"),
        ({"remind_user_ids": ["not a user"]}, "remind"),
        ({"escalate_after_days": 0}, "escalate_after_days"),
    ]
    for fields, field in cases:
        error = await refused(sessions, InvalidInput, setting(actor=ALEX, **fields))
        assert error.field == field, fields

    async with sessions.begin() as session:
        saved = await set_schedule(
            session,
            actor=ALEX,
            account_id=c.account_id,
            day_rule="day_of_month",
            day=5,
            at="14:30",
            timezone="Europe/Berlin",
            country="de",
            auto_open=False,
            remind_user_ids=[JO.user_id],
            now=NOV_5,
        )
    assert saved == Schedule(
        "Europe/Berlin",
        day_rule=DayRule.DAY_OF_MONTH,
        day=5,
        at=time(14, 30),
        country="DE",
        auto_open=False,
        remind_user_ids=(JO.user_id,),
        configured=True,
    )

    # Without opening automatically, the people named are told on the 5th at 14:30 Berlin time.
    assert await run(sessions, utc(2026, 12, 5, 13, 29)) == RunReport()
    assert await run(sessions, utc(2026, 12, 5, 13, 30)) == RunReport(reminders=1)
    assert len(await collaborations(sessions)) == 1
    (due,) = await entries(sessions, OutboxKind.STATEMENT_DUE)
    assert (due.lane, due.payload["opened"], due.payload["collaboration_id"]) == (f"dm:{JO.user_id}", False, None)


async def test_default_people_join_every_period_with_their_roles(sessions: Sessions) -> None:
    c = await october(sessions)
    async with sessions.begin() as session:
        view = await update_account(
            session,
            actor=ALEX,
            account_id=c.account_id,
            name="Retail Co Inc.",
            customer_number="C-1042",
            default_people=[
                DefaultPerson(SAM.user_id, RETAIL, Side.GUEST, Role.LEADER),
                DefaultPerson("U0DEE", ACME, Side.HOST, Role.FOLLOWER, "Dee Sales"),
            ],
        )
    assert (view.name, view.customer_number, len(view.default_people)) == ("Retail Co Inc.", "C-1042", 2)
    await refused(
        sessions,
        RoleRequired,
        lambda session: update_account(session, actor=JO, account_id=c.account_id, name="Mine"),
    )

    await run(sessions, DEC_1_NINE)
    _, new = await collaborations(sessions)
    assert new.title == "Retail Co Inc. — November 2026 statement"
    team = await people(sessions, new)
    assert team[SAM.user_id] == ("guest", "leader") and team["U0DEE"] == ("host", "follower")
    assert team[PAT.user_id] == ("guest", "leader") and team[ALEX.user_id] == ("host", "leader")


async def test_a_period_started_by_hand_is_used_and_what_was_left_open_joins_it(sessions: Sessions) -> None:
    c = await october(sessions)
    (pod,) = await file(
        sessions, ALEX, c, NewRequest(RequestCategory.PROOF_OF_DELIVERY, ["INV-7"]), now=utc(2026, 11, 5, 11)
    )
    await send(sessions, ALEX, c, "Statement.", now=utc(2026, 11, 5, 12))
    await send(sessions, PAT, c, "Fine so far.", now=utc(2026, 11, 6))
    for actor, day in ((ALEX, 9), (PAT, 10)):
        async with sessions.begin() as session:
            await sign_off(session, actor=actor, collaboration_id=c.id, now=utc(2026, 11, day))
    november = await start(sessions, title=NOVEMBER, period="2026-11", now=utc(2026, 11, 30))

    report = await run(sessions, DEC_1_NINE)
    assert (report.opened, report.rolled_over, report.reminders) == (0, 0, 1)
    old, hand = await collaborations(sessions)
    assert (old.status, hand.id, hand.status) == (
        CollaborationStatus.WRAPPED_UP,
        november.id,
        CollaborationStatus.ACTIVE,
    )
    assert [(r.id, r.label) for r in await requests(sessions, hand)] == [(pod, "#2026-10/1")]
    (due,) = await entries(sessions, OutboxKind.STATEMENT_DUE)
    assert (due.payload["opened"], due.payload["collaboration_id"]) == (False, november.id)
    assert await run(sessions, DEC_1_NINE) == RunReport()


async def test_an_earlier_period_never_rolls_over_a_later_one(sessions: Sessions) -> None:
    await start(sessions, title="Retail Co — December 2026 statement", period="2026-12", now=utc(2026, 11, 27))
    report = await run(sessions, DEC_1_NINE)
    assert (report.opened, report.rolled_over, report.reminders, report.failed) == (0, 0, 0, 0)
    assert [c.period for c in await collaborations(sessions)] == ["2026-12"]
    assert not await entries(sessions, OutboxKind.STATEMENT_DUE)
    assert await run(sessions, DEC_1_NINE) == RunReport(), "claimed: not tried again every minute"


@pytest.mark.parametrize("rule", [DayRule.BUSINESS_DAY, DayRule.DAY_OF_MONTH])
async def test_a_schedule_set_twice_keeps_one_row(sessions: Sessions, rule: DayRule) -> None:
    c = await october(sessions)
    await schedule(sessions, c, day_rule=rule, day=2)
    await schedule(sessions, c, day_rule=rule, day=3, at=time(7, 15))
    async with sessions() as session:
        saved = await schedule_of(session, c.account_id, default_timezone="UTC")
    assert (saved.day_rule, saved.day, saved.at) == (rule, 3, time(7, 15))
