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
