"""DESIGN §1 step 6 through Slack: the next month opens in the same channel, the distributor is told by
direct message, the new card is pinned, the old one says it rolled over — and nothing is posted twice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.outbox import Deliverer
from bot.scheduled_deliveries import build_scheduled_deliverers
from models.base import utcnow
from models.outbox import OutboxKind
from models.schedules import Schedule
from models.sides import Actor
from models.use_cases import NewRequest, RequestCategory, file_requests, get_collaboration
from scheduler.jobs import RunReport, run_due
from scheduler.runner import Scheduler, remind
from scheduler.schedules import Month, due_at
from tests.collaborations import helpers
from tests.harness import Harness

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class Months:
    """The months of this test, from today (Slack handlers stamp records with the real clock): the
    collaboration started by hand covers last month; the statement due next covers this month."""

    started: Month  # last month, the start modal's default
    due: Month  # this month: its statement is due on the 1st business day of next month
    run_at: datetime  # just after that, 09:00 UTC

    @classmethod
    def from_today(cls) -> Months:
        this = Month.of(utcnow().date())
        return cls(this.shift(-1), this, due_at(Schedule.default("UTC"), this.shift(1)) + timedelta(minutes=5))

    @staticmethod
    def title(month: Month) -> str:
        return f"Retail Co — {_MONTHS[month.month - 1]} {month.year} statement"

    @property
    def due_words(self) -> str:
        return f"{_MONTHS[self.due.month - 1]} statement is due"

    @property
    def carried_label(self) -> str:
        return f"#{self.started.period}/1"


def with_scheduled_deliverers(h: Harness) -> None:
    """Merge the scheduler's deliverers in, as the composition root will."""
    deps = h.baton.deps
    deps.outbox.deliverers = {**deps.outbox.deliverers, **build_scheduled_deliverers(deps.slack, deps.sessions)}


async def start_by_hand(h: Harness, months: Months) -> None:
    """Alice starts last month's collaboration by hand (the modal's month defaults to last month)."""
    await h.alice.slash("/turn", "new", channel=h.channel)
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill(
        {
            "Title": months.title(months.started),
            "Retailer": "Retail Co",
            "Note": "Last month's statement.",
            "Retailer's contact in this channel": h.bob,
        }
    )
    assert await h.alice.submit() is None, h.alice.modal_errors
    await h.settle()


async def test_the_next_month_opens_in_the_same_channel_and_only_the_distributor_is_told(harness: Harness) -> None:
    h, months = harness, Months.from_today()
    with_scheduled_deliverers(h)
    await start_by_hand(h, months)
    first_card = helpers.card(h)
    async with h.baton.deps.sessions.begin() as session:
        c = await get_collaboration(session, await helpers.collaboration_id(h))
        assert c.period == months.started.period
        await file_requests(
            session,
            actor=Actor(h.alice.id, c.host_team_key),
            collaboration_id=c.id,
            requests=[NewRequest(RequestCategory.PROOF_OF_DELIVERY, ["INV-1001"])],
            now=utcnow(),
        )
    await helpers.pass_turn(h, h.alice, "The statement, and one POD request.")

    report = await run_due(h.baton.deps.sessions, now=months.run_at, default_timezone="UTC")
    assert (report.opened, report.rolled_over, report.reminders, report.skipped_periods) == (1, 1, 1, 0)
    await h.settle()

    # Alice hears of it by direct message; Bob, of the other organisation, gets nothing directly.
    (dm,) = [m for m in h.alice.dms() if "statement is due" in m.content]
    assert months.due_words in dm.content
    assert months.carried_label in dm.content and "INV-1001" in dm.content
    assert not h.bob.dms()
    assert not [m for m in h.channel_messages() if "statement is due" in m.content], "never in the shared channel"

    # The new card is the pinned one and lists what is still open; the old one says it rolled over.
    card = helpers.card(h)
    assert card.ts != first_card.ts
    assert months.title(months.due) in card.content and "Turn 1" in card.content
    assert months.carried_label in card.content and "INV-1001" in card.content
    (archive,) = [m for m in h.channel_messages() if m.files and m.files[0].name.endswith(".zip")]
    assert archive.ts > first_card.ts, "the rolled-over collaboration's archive is shared in the channel"
    old = next(m for m in h.channel_messages() if m.ts == first_card.ts)
    assert "Rolled over" in old.content and not old.pinned
    assert not {"Pass turn", "Skip turn", "Sign off"} & set(old.buttons), "no more turns there"

    # Another run, as a second replica would do: nothing more is posted anywhere.
    seen = (len(h.channel_messages()), len(h.alice.dms()), len(h.bob.dms()))
    assert await run_due(h.baton.deps.sessions, now=months.run_at, default_timezone="UTC") == RunReport()
    await h.settle()
    assert (len(h.channel_messages()), len(h.alice.dms()), len(h.bob.dms())) == seen

    # The work goes on in the new collaboration, through the same card buttons.
    await helpers.pass_turn(h, h.alice, "This month's statement attached.")
    assert "Retail Co's turn" in helpers.card(h).content


async def test_the_scheduler_runs_due_work_at_start_and_wakes_the_outbox(harness: Harness) -> None:
    h, months = harness, Months.from_today()
    with_scheduled_deliverers(h)
    await start_by_hand(h, months)
    reports: list[RunReport] = []

    def recorded(report: RunReport) -> None:
        reports.append(report)
        h.baton.deps.outbox.wake()

    scheduler = Scheduler(
        h.baton.deps.sessions, default_timezone="UTC", interval=3600, clock=lambda: months.run_at, on_recorded=recorded
    )
    scheduler.start()
    try:
        await h.emu.wait_for(lambda: bool(reports), message="the first run happens at start")
    finally:
        await scheduler.stop()
    assert not scheduler.running
    assert (reports[0].opened, reports[0].reminders) == (1, 1)
    await h.settle()
    assert [m for m in h.alice.dms() if months.due_words in m.content]
    assert months.title(months.due) in helpers.card(h).content


async def test_baton_remind_runs_what_is_due_by_the_end_of_the_day_and_delivers_it_once(harness: Harness) -> None:
    h, months = harness, Months.from_today()
    with_scheduled_deliverers(h)  # the running Baton's worker may deliver what `remind` records, too
    await start_by_hand(h, months)
    day = months.run_at.date()
    report = await remind(h.settings, day)
    assert (report.opened, report.rolled_over, report.reminders) == (1, 1, 1)
    await h.emu.wait_for(lambda: [m for m in h.alice.dms() if months.due_words in m.content])
    assert await remind(h.settings, day) == RunReport(), "a second run posts nothing"
    await h.settle()
    assert len([m for m in h.alice.dms() if months.due_words in m.content]) == 1


def deliverer_kinds(deliverers: Mapping[str, Deliverer]) -> set[str]:
    return set(deliverers)


def test_every_scheduled_kind_has_a_deliverer() -> None:
    kinds = deliverer_kinds(build_scheduled_deliverers(None, None))  # type: ignore[arg-type]
    assert kinds == {
        OutboxKind.STATEMENT_DUE,
        OutboxKind.REQUEST_REMINDER,
        OutboxKind.REQUEST_ESCALATION,
        OutboxKind.TURN_NUDGE,
        OutboxKind.CARD_UNPIN,
    }
