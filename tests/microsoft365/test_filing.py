"""Archive filing: the zip shared in the channel at wrap-up is filed in the account's SharePoint archive
folder — byte for byte, in upload-session chunks when it is large, renamed on a clash — and the card
links to it; a failure is retried, and one that retrying cannot fix reaches the distributor's leaders."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import select

from bot.archive import archive_file_name
from bot.graph import CHUNK_UNIT
from bot.graph.fakes import FakeRoute
from models.outbox import OutboxEntry, OutboxKind, OutboxStatus
from tests.collaborations import helpers
from tests.harness import Harness
from tests.microsoft365.conftest import ARCHIVES, Microsoft365World
from tests.microsoft365.support import configure, file_bytes

ARCHIVE_NAME = archive_file_name(helpers.TITLE)


async def wrap_up(h: Harness) -> None:
    await h.alice.click("Sign off", message=helpers.card(h))
    await h.settle()
    await h.bob.click("Sign off", message=helpers.card(h))
    await h.settle()


def archive_in_channel(h: Harness) -> bytes:
    carriers = [m for m in h.bob.messages(h.channel) if m.files and "Head hash" in m.content]
    assert carriers, "the archive was not shared in the channel"
    ((name, data),) = file_bytes(h, carriers[-1])
    assert name == ARCHIVE_NAME
    return data


async def filing_entries(h: Harness) -> list[OutboxEntry]:
    async with h.baton.deps.sessions() as session:
        stmt = select(OutboxEntry).where(OutboxEntry.kind == OutboxKind.FILE_ARCHIVE).order_by(OutboxEntry.id)
        return list((await session.scalars(stmt)).all())


async def until_filing_settles(h: Harness, timeout: float = 10.0) -> OutboxEntry:
    """Wait out the outbox's retries of the one filing entry: done or set aside."""
    async with asyncio.timeout(timeout):
        while True:
            (entry,) = await filing_entries(h)
            if entry.status is not OutboxStatus.PENDING:
                await h.settle()
                return entry
            await asyncio.sleep(0.05)
            await h.settle()


def kept_zips(h: Harness) -> list[str]:
    folder = h.settings.BATON_DATA_DIR / "archives"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.zip")) if folder.exists() else []


async def test_a_large_wrapped_up_archive_is_filed_byte_for_byte_renamed_on_a_clash_and_linked(
    ms: Microsoft365World,
) -> None:
    w, h = ms, ms.h
    await helpers.start(h)
    assert await configure(h) is None
    # Last year's file of the same name is in the folder already: it must not be overwritten.
    older = b"PK\x03\x04 an older archive"
    w.m365.add_file(w.records, f"{ARCHIVES}/{ARCHIVE_NAME}", older)
    # A scanned remittance makes the archive large (incompressible bytes: the zip stays over 5 MB).
    scan = b"%PDF-1.7\n" + os.urandom(5_400_000)
    await h.bob.share_file(h.channel, "remittance-scan.pdf", scan)
    await h.settle()

    await wrap_up(h)

    posted = archive_in_channel(h)
    assert len(posted) > 5 * 1024 * 1024
    names = w.records.names(ARCHIVES)
    renamed = ARCHIVE_NAME.removesuffix(".zip") + " 1.zip"
    assert names == sorted([ARCHIVE_NAME, renamed])
    assert w.records.file(f"{ARCHIVES}/{ARCHIVE_NAME}") == older, "the older file is untouched"
    assert w.records.file(f"{ARCHIVES}/{renamed}") == posted, "the very zip shared in the channel"

    (session,) = w.m365.completed_uploads
    starts = [start for start, _end, _total, _length in session.chunks]
    assert len(session.chunks) >= 2 and starts[0] == 0
    for (start, end, total, length), following in zip(session.chunks, [*starts[1:], None], strict=True):
        assert total == len(posted) and end - start + 1 == length
        if following is not None:
            assert following == end + 1 and length % CHUNK_UNIT == 0, "whole 320 KiB multiples, in order"
        else:
            assert end == total - 1
    chunk_requests = w.m365.requests_to(FakeRoute.UPLOAD_CHUNK)
    assert chunk_requests and all(r.authorization is None for r in chunk_requests)

    card = helpers.card(h)
    filed = w.records.find(f"{ARCHIVES}/{renamed}")
    assert filed is not None
    assert "Archive filed in SharePoint" in card.content and renamed in card.content
    assert "/Records/Statement%20archives/Retail%20Co/" in card.content
    assert kept_zips(h) == [], "the local zip is deleted once filed"


async def test_a_passing_failure_is_retried_until_the_archive_is_filed(ms: Microsoft365World) -> None:
    w, h = ms, ms.h
    await helpers.start(h)
    assert await configure(h) is None
    w.m365.fail_next(FakeRoute.UPLOAD_SMALL, status=500, code="generalException")

    await wrap_up(h)

    entry = await until_filing_settles(h)
    assert entry.status is OutboxStatus.DONE and entry.attempts == 1, "failed once, then filed"
    assert w.records.file(f"{ARCHIVES}/{ARCHIVE_NAME}") == archive_in_channel(h)
    assert ARCHIVE_NAME in helpers.card(h).content


async def test_a_refusal_is_reported_to_the_distributors_leaders_and_the_zip_is_kept(ms: Microsoft365World) -> None:
    w, h = ms, ms.h
    await helpers.start(h)
    assert await configure(h) is None
    w.m365.fail_next(FakeRoute.UPLOAD_SMALL, status=403, code="accessDenied")

    await wrap_up(h)

    entry = await until_filing_settles(h)
    assert entry.status is OutboxStatus.SET_ASIDE
    (dm,) = [m for m in h.alice.dms() if "could not file the archive" in m.content]
    assert "accessDenied" in dm.content and "/turn schedule" in dm.content
    assert not [m for m in h.bob.dms()], "only the distributor hears of it"
    assert w.records.names(ARCHIVES) == []
    assert len(kept_zips(h)) == 1, "nothing is lost: the zip stays for an operator"
    assert archive_in_channel(h), "the channel's copy is there all the same"
    assert "Archive filed" not in helpers.card(h).content


async def test_a_mid_month_download_is_not_filed(ms: Microsoft365World) -> None:
    h = ms.h
    await helpers.start(h)
    assert await configure(h) is None
    await h.bob.click("Download archive", message=helpers.card(h))
    await h.settle()
    assert archive_in_channel(h)
    assert await filing_entries(h) == [] and ms.records.names(ARCHIVES) == []
    assert kept_zips(h) == []
