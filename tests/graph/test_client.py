"""The Graph client against the fake Graph: folders, paging, delta, throttling, downloads, uploads, errors."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.graph import (
    CHUNK_UNIT,
    FolderUrlError,
    GraphClient,
    GraphError,
    GraphErrorCode,
    GraphThrottled,
    TokenProvider,
    parse_folder_url,
)
from bot.graph.fakes import FakeMicrosoft365, FakeRoute
from bot.settings import Settings

from .conftest import RecordedSleeps

FOLDER_URL = "https://contoso.sharepoint.com/sites/Finance/Shared Documents/Statements/Retail Co"


@pytest.fixture
def finance(m365: FakeMicrosoft365):  # type: ignore[no-untyped-def]
    site = m365.add_site("contoso.sharepoint.com", "/sites/Finance")
    m365.add_folder(site.drive, "Statements/Retail Co")
    return site


# --- folders and listings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        FOLDER_URL,
        "https://contoso.sharepoint.com/sites/Finance/Shared%20Documents/Statements/Retail%20Co/",
        "https://contoso.sharepoint.com/sites/Finance/Shared%20Documents/Forms/AllItems.aspx"
        "?id=%2Fsites%2FFinance%2FShared%20Documents%2FStatements%2FRetail%20Co&viewid=1234",
    ],
)
async def test_a_folder_url_resolves_to_its_drive_and_item(graph: GraphClient, finance, url: str) -> None:  # type: ignore[no-untyped-def]
    folder = await graph.resolve_folder(url)

    assert folder.drive_id == finance.drive.id
    assert folder.item_id == finance.drive.find("Statements/Retail Co").id
    assert folder.path == "Statements/Retail Co"


async def test_a_folder_in_another_library_of_the_site(graph: GraphClient, m365: FakeMicrosoft365, finance) -> None:  # type: ignore[no-untyped-def]
    archive = m365.add_library(finance, "Archive", "Archive")
    m365.add_folder(archive, "2026/Retail Co")

    folder = await graph.resolve_folder("https://contoso.sharepoint.com/sites/Finance/Archive/2026/Retail Co")

    assert (folder.drive_id, folder.path) == (archive.id, "2026/Retail Co")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://contoso.sharepoint.com/sites/Finance", "is a site"),
        ("https://contoso.sharepoint.com/sites/Finance/Shared Documents/Nope", "no folder 'Nope'"),
        (
            "https://contoso.sharepoint.com/sites/Finance/Other Library/x",
            "no document library 'Other Library'",
        ),
        (
            "https://contoso.sharepoint.com/sites/Finance/Shared Documents/Statements/Retail Co/s.pdf",
            "is a file",
        ),
        ("https://contoso.sharepoint.com/:f:/s/Finance/EaBcDeF", "sharing link"),
        ("http://contoso.sharepoint.com/sites/Finance/Shared Documents", "not an https"),
    ],
)
async def test_a_url_that_is_not_a_folder_is_refused_in_plain_words(
    graph: GraphClient,
    m365: FakeMicrosoft365,
    finance,
    url: str,
    says: str,  # type: ignore[no-untyped-def]
) -> None:
    m365.add_file(finance.drive, "Statements/Retail Co/s.pdf", b"%PDF")

    with pytest.raises(FolderUrlError, match=says):
        await graph.resolve_folder(url)


def test_folder_url_forms() -> None:
    assert parse_folder_url("https://Contoso.sharepoint.com/teams/AR/Shared Documents") == (
        "contoso.sharepoint.com",
        "/teams/AR",
        "Shared Documents",
        "",
    )
    assert parse_folder_url("https://contoso.sharepoint.com/Shared%20Documents/In") == (
        "contoso.sharepoint.com",
        "",
        "Shared Documents",
        "In",
    )


async def test_a_listing_follows_next_links_across_pages(graph: GraphClient, m365: FakeMicrosoft365, finance) -> None:  # type: ignore[no-untyped-def]
    m365.page_size = 2
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        m365.add_file(finance.drive, f"Statements/Retail Co/{name}", name.encode())

    items = await graph.list_children(finance.drive.id, "Statements/Retail Co")

    assert [i.name for i in items] == ["a.pdf", "b.pdf", "c.pdf"]
    assert all(i.parent_path == "Statements/Retail Co" and not i.is_folder for i in items)
    pages = m365.requests_to(FakeRoute.CHILDREN)
    assert len(pages) == 2 and pages[1].query == {"$skiptoken": "2"}


# --- delta --------------------------------------------------------------------------------------------


async def test_a_second_delta_returns_only_what_changed(graph: GraphClient, m365: FakeMicrosoft365, finance) -> None:  # type: ignore[no-untyped-def]
    m365.page_size = 2
    drive = finance.drive
    m365.add_file(drive, "Statements/Retail Co/RC_2026-10.pdf", b"october")
    first = await graph.delta(drive.id)
    assert {i.name for i in first.items} >= {"Statements", "Retail Co", "RC_2026-10.pdf"}
    assert not first.resynced
    assert len(m365.requests_to(FakeRoute.DELTA)) > 1, "the first delta spans pages"

    new = m365.add_file(drive, "Statements/Retail Co/RC_2026-11.pdf", b"november")
    m365.delete(drive, "Statements/Retail Co/RC_2026-10.pdf")
    second = await graph.delta(drive.id, delta_link=first.delta_link)

    assert [(i.name, i.deleted) for i in second.items] == [
        ("RC_2026-11.pdf", False),
        ("RC_2026-10.pdf", True),
    ]
    assert second.items[0].id == new.id and second.items[0].parent_id == drive.find("Statements/Retail Co").id
    third = await graph.delta(drive.id, delta_link=second.delta_link)
    assert third.items == [] and not third.resynced


async def test_an_expired_delta_link_resyncs_from_scratch(graph: GraphClient, m365: FakeMicrosoft365, finance) -> None:  # type: ignore[no-untyped-def]
    m365.add_file(finance.drive, "Statements/Retail Co/RC_2026-10.pdf", b"october")
    first = await graph.delta(finance.drive.id)
    m365.expire_delta_links()

    again = await graph.delta(finance.drive.id, delta_link=first.delta_link)

    assert again.resynced
    assert "RC_2026-10.pdf" in {i.name for i in again.items}, "a resync returns the whole drive"
    assert [r.status for r in m365.requests_to(FakeRoute.DELTA)][-2:] == [410, 200]
    assert not (await graph.delta(finance.drive.id, delta_link=again.delta_link)).resynced


# --- throttling ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
async def test_a_throttled_listing_is_retried_after_retry_after(
    graph: GraphClient,
    m365: FakeMicrosoft365,
    finance,
    sleeps: RecordedSleeps,
    status: int,  # type: ignore[no-untyped-def]
) -> None:
    m365.add_file(finance.drive, "Statements/Retail Co/a.pdf", b"a")
    m365.fail_next(FakeRoute.CHILDREN, status=status, retry_after=7)

    items = await graph.list_children(finance.drive.id, "Statements/Retail Co")

    assert [i.name for i in items] == ["a.pdf"]
    assert sleeps.calls == [7.0]
    assert [r.status for r in m365.requests_to(FakeRoute.CHILDREN)] == [status, 200]


async def test_throttling_that_does_not_end_is_a_typed_error_after_capped_retries(
    graph: GraphClient,
    m365: FakeMicrosoft365,
    finance,
    sleeps: RecordedSleeps,  # type: ignore[no-untyped-def]
) -> None:
    m365.fail_next(FakeRoute.CHILDREN, 10, status=429, retry_after=2)

    with pytest.raises(GraphThrottled) as raised:
        await graph.list_children(finance.drive.id, "Statements/Retail Co")

    assert raised.value.code == GraphErrorCode.ACTIVITY_LIMIT_REACHED and raised.value.retry_after == 2
    assert sleeps.calls == [2.0] * 4
    assert len(m365.requests_to(FakeRoute.CHILDREN)) == 5


async def test_a_wait_longer_than_the_cap_is_not_slept(
    graph: GraphClient,
    m365: FakeMicrosoft365,
    finance,
    sleeps: RecordedSleeps,  # type: ignore[no-untyped-def]
) -> None:
    m365.fail_next(FakeRoute.CHILDREN, status=503, retry_after=3600)

    with pytest.raises(GraphThrottled, match="serviceNotAvailable"):
        await graph.list_children(finance.drive.id, "Statements/Retail Co")
    assert sleeps.calls == []


# --- downloads ----------------------------------------------------------------------------------------


async def test_a_download_follows_the_redirect_without_the_token(
    graph: GraphClient,
    m365: FakeMicrosoft365,
    finance,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    content = os.urandom(300_000)
    item = m365.add_file(finance.drive, "Statements/Retail Co/RC_2026-11.pdf", content)

    assert await graph.download(finance.drive.id, item.id) == content
    out = tmp_path / "out"
    out.mkdir()
    written = await graph.download_to(finance.drive.id, item.id, out / "statement.pdf")

    assert written == len(content) and (out / "statement.pdf").read_bytes() == content
    assert os.listdir(out) == ["statement.pdf"], "no partial file is left behind"
    assert all(r.status == 302 and r.authorization for r in m365.requests_to(FakeRoute.CONTENT))
    downloads = m365.requests_to(FakeRoute.DOWNLOAD)
    assert len(downloads) == 2 and all(r.authorization is None and r.status == 200 for r in downloads)
    assert m365.violations == []


# --- uploads ------------------------------------------------------------------------------------------


async def test_a_5_mb_file_goes_through_an_upload_session_in_correct_chunks(
    ms_settings: Callable[..., Settings],
    providers: Callable[[Settings], TokenProvider],
    m365: FakeMicrosoft365,
    finance,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    content = os.urandom(5_000_000)
    source = tmp_path / "archive.zip"
    source.write_bytes(content)
    folder = finance.drive.find("Statements/Retail Co")
    settings = ms_settings()
    chunk = 4 * CHUNK_UNIT

    async with GraphClient.from_settings(settings, providers(settings), chunk_size=chunk) as graph:
        item = await graph.upload(finance.drive.id, folder.id, "Retail Co 2026-11.zip", source)

    assert item.name == "Retail Co 2026-11.zip" and item.size == len(content)
    assert finance.drive.file("Statements/Retail Co/Retail Co 2026-11.zip") == content
    [session] = m365.completed_uploads
    assert [c[3] for c in session.chunks] == [chunk, chunk, chunk, len(content) - 3 * chunk]
    assert [(c[0], c[1]) for c in session.chunks] == [
        (i * chunk, min((i + 1) * chunk, len(content)) - 1) for i in range(4)
    ]
    assert all(c[2] == len(content) for c in session.chunks)
    assert all(r.authorization is None for r in m365.requests_to(FakeRoute.UPLOAD_CHUNK))
    assert m365.requests_to(FakeRoute.CREATE_UPLOAD_SESSION)[0].authorization
    assert m365.violations == []


async def test_a_throttled_chunk_is_sent_again(
    graph: GraphClient,
    m365: FakeMicrosoft365,
    finance,
    sleeps: RecordedSleeps,  # type: ignore[no-untyped-def]
) -> None:
    content = os.urandom(graph.chunk_size + 1000)
    folder = finance.drive.find("Statements/Retail Co")
    m365.fail_next(FakeRoute.UPLOAD_CHUNK, status=503, retry_after=4)

    await graph.upload_large(finance.drive.id, folder.id, "big.bin", content)

    assert finance.drive.file("Statements/Retail Co/big.bin") == content
    assert sleeps.calls == [4.0] and m365.violations == []


async def test_a_failed_upload_cancels_its_session(graph: GraphClient, m365: FakeMicrosoft365, finance) -> None:  # type: ignore[no-untyped-def]
    folder = finance.drive.find("Statements/Retail Co")
    m365.fail_next(FakeRoute.UPLOAD_CHUNK, status=500, retry_after=None, code="generalException")

    with pytest.raises(GraphError) as raised:
        await graph.upload_large(finance.drive.id, folder.id, "big.bin", os.urandom(graph.chunk_size + 1))

    assert raised.value.status == 500 and raised.value.code == "generalException"
    assert m365.upload_sessions == {}, "the session is cancelled, not left to expire"
    assert "big.bin" not in finance.drive.names("Statements/Retail Co")


async def test_a_name_conflict_is_renamed_not_overwritten(graph: GraphClient, m365: FakeMicrosoft365, finance) -> None:  # type: ignore[no-untyped-def]
    drive = finance.drive
    m365.add_file(drive, "Statements/Retail Co/statement.pdf", b"the original")
    folder = drive.find("Statements/Retail Co")

    small = await graph.upload_small(drive.id, folder.id, "statement.pdf", b"a second one")
    large = await graph.upload_large(drive.id, folder.id, "statement.pdf", os.urandom(CHUNK_UNIT + 5))

    assert (small.name, large.name) == ("statement 1.pdf", "statement 2.pdf")
    assert drive.file("Statements/Retail Co/statement.pdf") == b"the original"
    assert drive.file("Statements/Retail Co/statement 1.pdf") == b"a second one"
    assert m365.requests_to(FakeRoute.UPLOAD_SMALL)[0].query == {"@microsoft.graph.conflictBehavior": "rename"}


async def test_upload_small_refuses_more_than_4_mib(graph: GraphClient, finance) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="upload_large"):
        await graph.upload_small(finance.drive.id, finance.drive.root_id, "x.bin", b"\0" * (4 * 1024 * 1024 + 1))


# --- errors -------------------------------------------------------------------------------------------


async def test_errors_surface_with_their_graph_code(graph: GraphClient, m365: FakeMicrosoft365, finance) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GraphError) as missing:
        await graph.download(finance.drive.id, "01NOSUCHITEM")
    assert missing.value.status == 404 and missing.value.code == GraphErrorCode.ITEM_NOT_FOUND
    assert missing.value.has_code("itemNotFound")

    m365.fail_next(FakeRoute.ITEM, status=403, retry_after=None, code="accessDenied")
    with pytest.raises(GraphError) as denied:
        await graph.item_by_path(finance.drive.id, "Statements")
    assert (denied.value.status, denied.value.code) == (403, GraphErrorCode.ACCESS_DENIED)
    assert denied.value.request_id


async def test_a_token_graph_does_not_know_is_refused(m365: FakeMicrosoft365, finance, ms_settings) -> None:  # type: ignore[no-untyped-def]
    class Forged:
        async def access_token(self) -> str:
            return "forged"

    async with GraphClient.from_settings(ms_settings(), Forged()) as graph:
        with pytest.raises(GraphError) as raised:
            await graph.resolve_site("https://contoso.sharepoint.com/sites/Finance")
    assert (raised.value.status, raised.value.code) == (401, "InvalidAuthenticationToken")


async def test_each_request_asks_the_provider_which_asks_the_identity_provider_once(
    graph: GraphClient,
    m365: FakeMicrosoft365,
    finance,  # type: ignore[no-untyped-def]
) -> None:
    for _ in range(3):
        await graph.resolve_site("https://contoso.sharepoint.com/sites/Finance")
    assert m365.token_requests == 1
    assert len({r.authorization for r in m365.requests_to(FakeRoute.SITE)}) == 1
