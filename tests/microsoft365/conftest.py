"""Fixtures: Baton on the Slack emulator with Microsoft 365 configured against the fake identity provider
and the fake Graph, served over TLS on loopback with a throwaway CA (as tests/graph does).

The distributor's SharePoint: the Finance site, whose default library holds the ERP's statement folder,
and a Records library holding the archive folder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.graph.fakes import FakeDrive, FakeMicrosoft365, FakeSite
from tests.harness import Harness, start_harness, stop_harness

SITE = "https://contoso.sharepoint.com/sites/Finance"
STATEMENTS = "Statements/Retail Co"
STATEMENT_FOLDER_URL = f"{SITE}/Shared Documents/{STATEMENTS}"
ARCHIVES = "Statement archives/Retail Co"
ARCHIVE_FOLDER_URL = f"{SITE}/Records/{ARCHIVES}"
CUSTOMER = "C-1042"


@dataclass
class Microsoft365World:
    """The running Baton (`h`), the fake Microsoft 365, and where things are in its SharePoint."""

    h: Harness
    m365: FakeMicrosoft365
    finance: FakeSite
    records: FakeDrive

    @property
    def documents(self) -> FakeDrive:
        return self.finance.drive

    def drop_statement(self, name: str, data: bytes) -> None:
        """The ERP saves a statement into the folder."""
        self.m365.add_file(self.documents, f"{STATEMENTS}/{name}", data)


@pytest.fixture
async def m365(tmp_path: Path) -> AsyncIterator[FakeMicrosoft365]:
    async with FakeMicrosoft365(tmp_path / "m365") as fake:
        yield fake


@pytest.fixture
async def ms(settings_for, m365: FakeMicrosoft365) -> AsyncIterator[Microsoft365World]:  # type: ignore[no-untyped-def]
    """Baton with MS_* settings pointing at the fakes; fails the test if Baton broke a Slack or Graph rule."""
    finance = m365.add_site("contoso.sharepoint.com", "/sites/Finance")
    m365.add_folder(finance.drive, STATEMENTS)
    records = m365.add_library(finance, "Records", "Records")
    m365.add_folder(records, ARCHIVES)
    h = await start_harness(settings_for, **m365.settings_env())
    try:
        yield Microsoft365World(h=h, m365=m365, finance=finance, records=records)
        await h.settle()
        h.emu.assert_no_violations()
        assert m365.violations == [], m365.violations
    finally:
        await stop_harness(h)
