"""The statement-schedule modal's Microsoft 365 fields: shown when it is configured, checked against
SharePoint before the answer, and every address Baton cannot use refused on its own field in plain words."""

from __future__ import annotations

from sqlalchemy import select

from bot.blocks.ids import BlockId
from models.sharepoint import DEFAULT_FILE_PATTERN, AccountSharePoint
from tests.collaborations import helpers
from tests.microsoft365.conftest import ARCHIVE_FOLDER_URL, SITE, STATEMENT_FOLDER_URL, Microsoft365World
from tests.microsoft365.support import configure


async def saved(w: Microsoft365World) -> AccountSharePoint | None:
    async with w.h.baton.deps.sessions() as session:
        return await session.scalar(select(AccountSharePoint))


async def test_the_modal_shows_the_folders_and_refuses_what_baton_cannot_use(ms: Microsoft365World) -> None:
    w, h = ms, ms.h
    await helpers.start(h)
    await h.alice.slash("/turn", "schedule", channel=h.channel)
    await h.emu.wait_for(lambda: h.alice.modal)
    modal = h.alice.modal
    assert modal is not None
    inputs = {b["block_id"]: b for b in modal.blocks if b.get("type") == "input"}
    assert {BlockId.STATEMENT_FOLDER, BlockId.FILE_PATTERN, BlockId.ARCHIVE_FOLDER} <= set(inputs)
    assert inputs[BlockId.FILE_PATTERN]["element"]["initial_value"] == DEFAULT_FILE_PATTERN
    await h.alice.close_modal()

    cases = [
        ({"statement_folder": SITE}, BlockId.STATEMENT_FOLDER, "is a site, not a folder"),
        ({"statement_folder": f"{SITE}/Shared Documents/Nope"}, BlockId.STATEMENT_FOLDER, "no folder 'Nope'"),
        ({"archive_folder": "https://contoso.sharepoint.com/:f:/s/Finance/EaBc"}, BlockId.ARCHIVE_FOLDER, "sharing"),
        ({"archive_folder": "http://intranet/records"}, BlockId.ARCHIVE_FOLDER, "not an https SharePoint address"),
        ({"pattern": "statement.pdf"}, BlockId.FILE_PATTERN, "{period}"),
        ({"pattern": "{customer}_{period}.pdf"}, BlockId.FILE_PATTERN, "doesn't know {customer}"),
        ({"customer_number": ""}, BlockId.CUSTOMER_NUMBER, "customer number"),
    ]
    for change, block, says in cases:
        errors = await configure(h, **change)
        assert errors is not None and says in errors.get(block.value, ""), (change, errors)
        await h.alice.close_modal()
        assert await saved(w) is None, "nothing is saved from a refused form"

    assert await configure(h, pattern="{customer_number} {period}*.pdf") is None
    row = await saved(w)
    assert row is not None
    assert (row.statement_folder_url, row.archive_folder_url) == (STATEMENT_FOLDER_URL, ARCHIVE_FOLDER_URL)
    assert row.file_pattern == "{customer_number} {period}*.pdf"

    # Opened again, it shows what was saved; emptied, the folders are turned off.
    await h.alice.slash("/turn", "schedule", channel=h.channel)
    await h.emu.wait_for(lambda: h.alice.modal)
    modal = h.alice.modal
    assert modal is not None
    values = {b["block_id"]: b["element"].get("initial_value") for b in modal.blocks if b.get("type") == "input"}
    assert values[BlockId.STATEMENT_FOLDER] == STATEMENT_FOLDER_URL
    await h.alice.close_modal()
    assert await configure(h, statement_folder="", archive_folder="") is None
    row = await saved(w)
    assert row is not None and row.statement_folder_url is None and row.archive_folder_url is None
