"""Steps for the Microsoft 365 tests: set the account's SharePoint folders through `/turn schedule`, open
the month's period through the scheduler, and read what people got."""

from __future__ import annotations

from datetime import datetime

from bot.emulator.state import Message
from scheduler.jobs import RunReport
from scheduler.runner import Scheduler
from tests.harness import Harness
from tests.microsoft365.conftest import ARCHIVE_FOLDER_URL, CUSTOMER, STATEMENT_FOLDER_URL

STATEMENT = b"%PDF-1.7\n% Retail Co statement of account\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


async def configure(
    h: Harness,
    *,
    customer_number: str = CUSTOMER,
    statement_folder: str = STATEMENT_FOLDER_URL,
    archive_folder: str = ARCHIVE_FOLDER_URL,
    pattern: str | None = None,
) -> dict[str, str] | None:
    """Alice, the distributor's leader, fills the Microsoft 365 fields of `/turn schedule`; the errors shown."""
    await h.alice.slash("/turn", "schedule", channel=h.channel)
    await h.emu.wait_for(lambda: h.alice.modal)
    values = {
        "Customer number": customer_number,
        "Statement folder (SharePoint)": statement_folder,
        "Archive folder (SharePoint)": archive_folder,
    }
    if pattern is not None:
        values["Statement file name"] = pattern
    await h.alice.fill(values)
    errors = await h.alice.submit()
    await h.settle()
    return errors


def scheduler(h: Harness, at: datetime) -> Scheduler:
    """The scheduler of `baton serve`, wired as serve wires it, its clock at `at`."""
    assert h.baton.pickup is not None
    deps = h.baton.deps
    return Scheduler(
        deps.sessions,
        default_timezone="UTC",
        clock=lambda: at,
        on_recorded=lambda _report: deps.outbox.wake(),
        after_run=h.baton.pickup.run,
    )


async def run_scheduler(h: Harness, at: datetime) -> RunReport:
    report = await scheduler(h, at).run_now()
    await h.settle()
    return report


def dms_naming(h: Harness, text: str) -> list[Message]:
    return [m for m in h.alice.dms() if text in m.content]


def file_bytes(h: Harness, message: Message) -> list[tuple[str, bytes]]:
    """The files a message shares, with their bytes as Slack holds them."""
    shared = []
    for f in message.files:
        file_id = f["id"] if isinstance(f, dict) else f.id
        stored = h.emu.state.files[file_id]
        assert stored.data is not None
        shared.append((stored.name, stored.data))
    return shared


def shared_files(h: Harness) -> dict[str, bytes]:
    """Every file shared in the channel, by name (as a member sees the channel)."""
    return {name: data for m in h.channel_messages() if m.files for name, data in file_bytes(h, m)}
