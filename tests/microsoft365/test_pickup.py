"""Statements from SharePoint: the ERP saves the month's statement into the account's folder; Baton stages
it in that period's collaboration for the distributor, once, and it reaches the retailer with the pass."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import select

from bot.archive import archive_file_name
from bot.blocks.format import month_label
from bot.graph.fakes import FakeRoute
from bot.sharepoint import StatementPickup
from models.schedules import Schedule
from models.sharepoint import AccountSharePoint, StatementFile, StatementOutcome
from scheduler.schedules import due_at
from tests.collaborations import helpers
from tests.microsoft365.conftest import ARCHIVES, CUSTOMER, STATEMENT_FOLDER_URL, Microsoft365World
from tests.microsoft365.support import STATEMENT, configure, dms_naming, file_bytes, run_scheduler, shared_files
from tests.scheduler.test_in_slack import Months, start_by_hand


async def statement_rows(w: Microsoft365World) -> list[StatementFile]:
    async with w.h.baton.deps.sessions() as session:
        return list((await session.scalars(select(StatementFile).order_by(StatementFile.id))).all())


async def test_a_statement_in_the_folder_is_staged_once_for_the_distributor_and_sent_with_the_pass(
    ms: Microsoft365World,
) -> None:
    w, h, months = ms, ms.h, Months.from_today()
    await start_by_hand(h, months)
    assert await configure(h) is None
    name = f"{CUSTOMER}_{months.due.period}.pdf"
    w.drop_statement(name, STATEMENT)
    w.drop_statement(f"C-2000_{months.due.period}.pdf", b"%PDF-1.7 another retailer's")
    w.drop_statement(f"{CUSTOMER}_{months.started.period}.pdf", b"%PDF-1.7 last month's")
    w.m365.fail_next(FakeRoute.CHILDREN, status=429, retry_after=0.2)  # the folder listing is throttled once

    report = await run_scheduler(h, months.run_at)

    assert report.opened == 1
    (dm,) = dms_naming(h, name)
    assert f"Retail Co's {month_label(months.due.period)} statement ({name}) is staged in" in dm.content
    assert "pass the turn to send it" in dm.content
    assert not h.bob.dms(), "the retailer hears nothing"
    assert name not in helpers.card(h).content and name not in shared_files(h)
    children = w.m365.requests_to(FakeRoute.CHILDREN)
    assert [r.status for r in children] == [429, 200], "the throttled listing was asked again"
    (row,) = await statement_rows(w)
    assert (row.name, row.outcome, row.period) == (name, StatementOutcome.ATTACHED, months.due.period)

    # Later looks (a replica's run now, the next hour's) attach nothing more.
    downloads = len(w.m365.requests_to(FakeRoute.DOWNLOAD))
    assert (await h.baton.pickup.run(months.run_at)).looked == 0  # type: ignore[union-attr]
    later = await h.baton.pickup.run(months.run_at + timedelta(hours=2))  # type: ignore[union-attr]
    await h.settle()
    assert (later.looked, later.attached) == (1, 0)
    assert len(w.m365.requests_to(FakeRoute.DOWNLOAD)) == downloads
    assert len(dms_naming(h, name)) == 1 and len(await statement_rows(w)) == 1

    # Alice sends it with her update: the retailer gets it in the channel, byte for byte.
    await helpers.pass_turn(h, h.alice, "This month's statement.")
    assert shared_files(h)[name] == STATEMENT
    seen_by_bob = {n: data for m in h.bob.messages(h.channel) if m.files for n, data in file_bytes(h, m)}
    assert seen_by_bob[name] == STATEMENT
    assert name in helpers.card(h).content


async def test_a_statement_saved_later_in_the_month_is_found_at_the_next_hourly_look(ms: Microsoft365World) -> None:
    w, h, months = ms, ms.h, Months.from_today()
    await start_by_hand(h, months)
    assert await configure(h) is None
    await run_scheduler(h, months.run_at)  # the period opens; no statement yet
    name = f"{CUSTOMER}_{months.due.period}.pdf"
    assert not dms_naming(h, name)

    w.drop_statement(name, STATEMENT)
    asked = len(w.m365.requests)
    assert (await h.baton.pickup.run(months.run_at + timedelta(minutes=30))).looked == 0  # type: ignore[union-attr]
    assert len(w.m365.requests) == asked, "no look within the hour"

    w.m365.fail_next(FakeRoute.DELTA, status=429, retry_after=1)
    started = time.monotonic()
    report = await h.baton.pickup.run(months.run_at + timedelta(minutes=61))  # type: ignore[union-attr]
    waited = time.monotonic() - started
    await h.settle()

    assert (report.looked, report.attached, report.failed) == (1, 1, 0)
    assert [r.status for r in w.m365.requests_to(FakeRoute.DELTA)][-2:] == [429, 200]
    assert waited >= 1.0, "the changes were asked for again only after Retry-After"
    assert len(dms_naming(h, name)) == 1

    # The delta link expires (410 Gone): Baton reads the changes afresh and still attaches nothing twice.
    w.m365.expire_delta_links()
    again = await h.baton.pickup.run(months.run_at + timedelta(hours=3))  # type: ignore[union-attr]
    await h.settle()
    assert (again.looked, again.attached, again.failed) == (1, 0, 0)
    assert 410 in [r.status for r in w.m365.requests_to(FakeRoute.DELTA)]
    assert len(dms_naming(h, name)) == 1 and len(await statement_rows(w)) == 1


async def test_a_statement_saved_before_its_period_opens_waits_for_it(ms: Microsoft365World) -> None:
    w, h, months = ms, ms.h, Months.from_today()
    await start_by_hand(h, months)
    assert await configure(h) is None
    await run_scheduler(h, months.run_at)
    early = f"{CUSTOMER}_{months.due.shift(1).period}.pdf"
    w.drop_statement(early, STATEMENT)
    await h.baton.pickup.run(months.run_at + timedelta(hours=2))  # type: ignore[union-attr]
    await h.settle()
    assert not dms_naming(h, early) and not await statement_rows(w), "not this period's statement"

    next_run = due_at(Schedule.default("UTC"), months.due.shift(2)) + timedelta(minutes=5)
    report = await run_scheduler(h, next_run)

    assert (report.opened, report.rolled_over) == (1, 1)
    (dm,) = dms_naming(h, early)
    assert "pass the turn to send it" in dm.content
    (row,) = await statement_rows(w)
    assert row.period == months.due.shift(1).period and row.collaboration_id == await helpers.collaboration_id(h)
    # Each rolled-over month's archive was filed too.
    filed = {archive_file_name(months.title(m)) for m in (months.started, months.due)}
    assert set(w.records.names(ARCHIVES)) == filed


async def test_a_file_that_is_not_what_its_name_says_is_refused_once_and_the_distributor_told_why(
    ms: Microsoft365World,
) -> None:
    w, h, months = ms, ms.h, Months.from_today()
    await start_by_hand(h, months)
    assert await configure(h) is None
    name = f"{CUSTOMER}_{months.due.period}.pdf"
    w.drop_statement(name, b"MZ\x90\x00 this is a program" * 10)

    await run_scheduler(h, months.run_at)
    await h.baton.pickup.run(months.run_at + timedelta(hours=2))  # type: ignore[union-attr]
    await h.settle()

    (dm,) = dms_naming(h, name)
    assert "did not attach it" in dm.content and "does not look like a PDF" in dm.content
    (row,) = await statement_rows(w)
    assert row.outcome is StatementOutcome.REFUSED and row.version_id is None
    assert not h.bob.dms()

    # The ERP saves it again, as a real PDF: a new version of the file, attached.
    w.drop_statement(name, STATEMENT)
    await h.baton.pickup.run(months.run_at + timedelta(hours=4))  # type: ignore[union-attr]
    await h.settle()
    assert any("pass the turn to send it" in m.content for m in dms_naming(h, name))
    assert [r.outcome for r in await statement_rows(w)] == [StatementOutcome.REFUSED, StatementOutcome.ATTACHED]


async def test_two_replicas_looking_at_once_attach_the_statement_once(ms: Microsoft365World) -> None:
    w, h, months = ms, ms.h, Months.from_today()
    await start_by_hand(h, months)
    assert await configure(h) is None
    await run_scheduler(h, months.run_at)
    name = f"{CUSTOMER}_{months.due.period}.pdf"
    w.drop_statement(name, STATEMENT)
    deps = h.baton.deps
    assert h.baton.pickup is not None and deps.graph is not None
    replica = StatementPickup(sessions=deps.sessions, graph=deps.graph, blobs=deps.blobs, settings=h.settings)
    later = months.run_at + timedelta(hours=2)

    reports = await asyncio.gather(h.baton.pickup.run(later), replica.run(later))
    await h.settle()

    assert sorted(r.looked for r in reports) == [0, 1] and sum(r.attached for r in reports) == 1
    assert len(dms_naming(h, name)) == 1 and len(await statement_rows(w)) == 1


async def test_one_folder_for_every_retailer_each_statement_goes_to_its_own_account(ms: Microsoft365World) -> None:
    w, h, months = ms, ms.h, Months.from_today()
    corner = h.emu.add_org("Corner Shop")
    carol = h.emu.add_user(corner, "carol", real_name="Carol Diaz")
    shop = h.emu.create_channel("corner-shop-statements", members=[h.alice, carol], shared_with=[corner])
    await start_by_hand(h, months)
    assert await configure(h) is None
    await h.alice.slash("/turn", "new", channel=shop)
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill(
        {
            "Title": months.title(months.started).replace("Retail Co", "Corner Shop"),
            "Retailer": "Corner Shop",
            "Retailer's contact in this channel": carol,
        }
    )
    assert await h.alice.submit() is None, h.alice.modal_errors
    await h.settle()
    await h.alice.slash("/turn", "schedule", channel=shop)
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill({"Customer number": "C-2000", "Statement folder (SharePoint)": STATEMENT_FOLDER_URL})
    assert await h.alice.submit() is None
    await h.settle()
    retail, corner_file = f"{CUSTOMER}_{months.due.period}.pdf", f"C-2000_{months.due.period}.pdf"
    w.drop_statement(retail, STATEMENT)
    w.drop_statement(corner_file, STATEMENT + b"% Corner Shop\n")

    report = await run_scheduler(h, months.run_at)

    assert report.opened == 2
    rows = {r.name: r for r in await statement_rows(w)}
    assert set(rows) == {retail, corner_file}
    assert rows[retail].collaboration_id == await helpers.collaboration_id(h)
    assert rows[corner_file].collaboration_id == await helpers.collaboration_id(h, shop)
    (retail_dm,) = dms_naming(h, retail)
    (corner_dm,) = dms_naming(h, corner_file)
    assert "Retail Co's" in retail_dm.content and f"<#{h.channel.id}>" in retail_dm.content
    assert "Corner Shop's" in corner_dm.content and f"<#{shop.id}>" in corner_dm.content
    assert not carol.dms() and not h.bob.dms()


async def test_a_failed_look_is_noted_and_tried_again_ten_minutes_later(ms: Microsoft365World) -> None:
    w, h, months = ms, ms.h, Months.from_today()
    await start_by_hand(h, months)
    assert await configure(h) is None
    name = f"{CUSTOMER}_{months.due.period}.pdf"
    w.drop_statement(name, STATEMENT)
    w.m365.fail_next(FakeRoute.SITE, status=403, code="accessDenied")
    assert h.baton.pickup is not None

    await run_scheduler(h, months.run_at)
    assert not dms_naming(h, name)
    async with h.baton.deps.sessions() as session:
        row = await session.scalar(select(AccountSharePoint))
    assert row is not None and row.last_error is not None and "accessDenied" in row.last_error

    assert (await h.baton.pickup.run(months.run_at + timedelta(minutes=5))).looked == 0
    report = await h.baton.pickup.run(months.run_at + timedelta(minutes=11))
    await h.settle()
    assert (report.looked, report.attached) == (1, 1)
    assert len(dms_naming(h, name)) == 1
