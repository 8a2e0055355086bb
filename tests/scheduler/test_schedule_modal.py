"""`/turn schedule` through Slack: the distributor's leader sets the schedule; mistakes show on the form."""

from __future__ import annotations

from sqlalchemy import select

from models.schedules import StatementSchedule
from tests.collaborations import helpers
from tests.harness import Harness


async def test_a_host_leader_sets_the_schedule_and_a_bad_time_zone_is_shown_on_the_form(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await h.alice.slash("/turn", "schedule", channel=h.channel)
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill({"Day number": "2", "Time zone": "Mars/Olympus", "Public holidays of": "de"})
    errors = await h.alice.submit()
    assert errors and "time zone" in " ".join(errors.values()).lower()
    await h.alice.fill({"Time zone": "Europe/Berlin"})
    assert await h.alice.submit() is None
    await h.settle()
    async with h.baton.deps.sessions() as session:
        row = await session.scalar(select(StatementSchedule))
    assert row is not None and row.day == 2 and row.timezone == "Europe/Berlin" and row.holiday_country == "DE"


async def test_the_retailer_cannot_open_the_schedule(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await helpers.pass_turn(h, h.alice, "Over to you.")
    await h.bob.post(h.channel, f"<@{h.emu.bot.id}> schedule")
    await h.settle()
    assert h.bob.modal is None
    assert "schedule" in h.bob.ephemerals(h.channel)[-1].text.lower()


async def test_home_shows_what_is_due_and_opens_the_schedule(harness: Harness) -> None:
    from scheduler.jobs import run_due
    from tests.scheduler.test_in_slack import Months, start_by_hand, with_scheduled_deliverers

    h, months = harness, Months.from_today()
    with_scheduled_deliverers(h)
    await start_by_hand(h, months)
    await run_due(h.baton.deps.sessions, now=months.run_at, default_timezone="UTC")
    await h.settle()
    await h.alice.open_home()
    await h.settle()
    home = h.alice.home
    assert home is not None and "Due and overdue" in home.content and "Statement for" in home.content
    await h.alice.click("Statement schedule", in_home=True)
    await h.emu.wait_for(lambda: h.alice.modal)
    assert h.alice.modal is not None and "Which day" in h.alice.modal.content
