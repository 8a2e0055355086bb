"""Building the archive: everything published is in it (and readable), nothing unpublished is, and the
page is a self-contained, escaped HTML document whose links all land on files in the zip."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from bot.archive import build_archive, verify_archive
from bot.blobs import LocalBlobStore
from bot.db import Sessions
from models.errors import NotFound
from models.history import append_event, events_of, head_hash
from models.sides import Side
from models.use_cases import (
    NewRequest,
    RequestCategory,
    file_requests,
    reopen,
    reopen_request,
    requests_of,
    sign_off,
)
from tests.archive.support import at, make_month, post, read_zip, share_file
from tests.models.doc_support import send
from tests.models.support import ALEX, PAT, SAM, T0

GENERATED = T0.replace(day=2)


VOID = {"meta", "br", "hr", "img", "input", "link", "source", "wbr"}


class Page(HTMLParser):
    """What a browser would act on in index.html: tags, links, ids, and the text a person reads; and
    whether every element it opens is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.misnested: list[str] = []
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in VOID:
            self.open.append(tag)
        self.attrs += attrs
        for name, value in attrs:
            if name == "href" and value is not None:
                self.hrefs.append(value)
            if name == "id" and value is not None:
                self.ids.add(value)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.misnested.append(f"</{tag}> at {self.getpos()} while {self.open[-3:]} are open")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def words(self) -> str:
        return "".join(self.text)


def page_of(members: dict[str, bytes]) -> Page:
    page = Page()
    page.feed(members["index.html"].decode("utf-8"))
    page.close()
    assert (page.misnested, page.open) == ([], []), "every element closed, in order"
    return page


async def test_the_archive_holds_every_published_message_turn_request_and_version(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store)
    out = tmp_path / "november.zip"
    result = await build_archive(sessions, store, month.c.id, out, now=GENERATED)

    async with sessions() as session:
        chain = list(await events_of(session, month.c.id))
        head = await head_hash(session, month.c.id)
    assert result.path == out and result.head_hash == head and result.up_to_seq == len(chain)
    assert (result.counts.messages, result.counts.turns, result.counts.requests) == (4, 5, 3)
    assert (result.counts.document_versions, result.counts.events) == (3, len(chain))
    assert result.size_bytes == out.stat().st_size and result.warnings == ()

    members = read_zip(out)
    assert list(members) == [
        "collaboration.json",
        "index.html",
        "requests.csv",
        "documents.csv",
        "documents/host/Statement.pdf/v1-Statement.pdf",
        "documents/host/Statement.pdf/v2-statement.PDF",
        "documents/host/POD-1001.pdf/v1-POD-1001.pdf",
        "MANIFEST.sha256",
    ]
    for name, data in month.files.items():
        (path,) = [p for p in members if p.endswith("/" + name)]
        assert members[path] == data, f"{path} is not the uploaded bytes"
    with zipfile.ZipFile(out) as zf:
        kinds = {i.filename: i.compress_type for i in zf.infolist()}
    assert kinds["documents/host/POD-1001.pdf/v1-POD-1001.pdf"] == zipfile.ZIP_STORED, "PDFs are not deflated again"
    assert kinds["index.html"] == kinds["collaboration.json"] == zipfile.ZIP_DEFLATED

    # collaboration.json: every event exactly as chained, and the record around it.
    record = json.loads(members["collaboration.json"])
    assert [(e["seq"], e["kind"], e["hash"], e["data"]) for e in record["events"]] == [
        (e.seq, e.kind, e.hash, e.data) for e in chain
    ]
    assert set(record["events"][0]) == {
        "collaboration_id",
        "seq",
        "kind",
        "at",
        "actor_user_id",
        "side",
        "data",
        "content_hash",
        "prev_hash",
        "hash",
    }
    assert record["head_hash"] == head and record["collaboration"]["title"] == month.c.title
    assert [t["message"] for t in record["turns"] if t["message"]] == [
        t.replace("@Pat Lee", "\ue000U0PAT\ue001") for t in month.turn_messages
    ]
    assert [(r["label"], r["status"], r["amount"], r["currency"]) for r in record["requests"]] == [
        ("#1", "accepted", "1234.50", "USD"),
        ("#2", "declined", "89.90", "EUR"),
        ("#3", "open", None, None),
    ]
    versions = [(d["name"], v["number"], v["path"]) for d in record["documents"] for v in d["versions"]]
    assert versions == [
        ("Statement.pdf", 1, "documents/host/Statement.pdf/v1-Statement.pdf"),
        ("Statement.pdf", 2, "documents/host/Statement.pdf/v2-statement.PDF"),
        ("POD-1001.pdf", 1, "documents/host/POD-1001.pdf/v1-POD-1001.pdf"),
    ]
    for d in record["documents"]:
        for v in d["versions"]:
            assert hashlib.sha256(members[v["path"]]).hexdigest() == v["sha256"]
    messages = [e["data"]["text"] for e in record["events"] if e["kind"] == "message_posted" and "text" in e["data"]]
    assert len(messages) == 3, "the deleted message's text is gone, its event stays"
    assert any(e["seq"] == month.deleted_seq and e["data"] == {"redacted": True} for e in record["events"])

    # index.html: what a person reads.
    html = members["index.html"].decode()
    page = page_of(members)
    for text in month.messages:
        assert text in html, text
    for text in month.turn_messages:
        assert text in page.words, text
    for label in ("#1", "#2", "#3", "Proof of delivery (POD)", "Credit memo", "Tracking information"):
        assert label in page.words
    assert "USD 1,234.50" in page.words and "EUR 89.90" in page.words and "2026-12-20" in page.words
    assert "Deduction released" in page.words and "No return on file" in page.words
    assert "message deleted" in page.words
    assert "Messages between 09:12 and 09:40 on 2026-12-01 may be missing." in page.words
    assert head in page.words
    assert "Acme" in page.words and "Retail Co" in page.words and "Sam Ortiz" in page.words
    assert "edited" in page.words and "It is the March one, I checked." in page.words, "the earlier text is kept"
    # The reply sits under its question, inside the question's thread.
    question = html.index("@Alex Kim is INV-1001 the March order?")
    thread = html.index('<div class="thread">', question)
    assert question < thread < html.index("It is the March order, I checked the PO.")
    for name in ("v1-Statement.pdf", "v2-statement.PDF", "v1-POD-1001.pdf"):
        assert any(href.endswith(name) for href in page.hrefs), f"no link to {name}"

    # The CSVs: a header, a row per request and per version.
    requests = list(csv.reader(io.StringIO(members["requests.csv"].decode("utf-8-sig"))))
    assert requests[0][:3] == ["Request", "Category", "References"]
    assert [(r[0], r[5]) for r in requests[1:]] == [("#1", "accepted"), ("#2", "declined"), ("#3", "open")]
    documents = list(csv.reader(io.StringIO(members["documents.csv"].decode("utf-8-sig"))))
    assert [r[-1] for r in documents[1:]] == [v[2] for v in versions]

    manifest = members["MANIFEST.sha256"].decode().splitlines()
    assert manifest == [
        f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in members.items() if name != "MANIFEST.sha256"
    ]
    report = verify_archive(out)
    assert (report.ok, report.head_hash, report.problems) == (True, head, [])


async def test_drafts_and_deleted_text_appear_nowhere(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store)
    out = tmp_path / "a.zip"
    await build_archive(sessions, store, month.c.id, out, now=GENERATED)
    members = read_zip(out)
    for name, data in members.items():
        for hidden in month.hidden:
            assert hidden not in name
            assert hidden.encode() not in data, f"{hidden!r} leaked into {name}"


async def test_the_page_is_a_self_contained_standard_document_whose_links_land_in_the_zip(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store)
    out = tmp_path / "a.zip"
    await build_archive(sessions, store, month.c.id, out, now=GENERATED)
    members = read_zip(out)
    html = members["index.html"].decode()
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')
    page = page_of(members)
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not [a for a, _ in page.attrs if a.startswith("on")], "no event handlers"
    assert html.rstrip().endswith("</html>")
    for href in page.hrefs:
        if href.startswith("#"):
            assert href[1:] in page.ids, f"dangling anchor {href}"
        else:
            assert "://" not in href and not href.startswith(("/", "mailto:", "//"))
            assert unquote(href) in members, f"{href} is not a file in the zip"


async def test_the_chat_copes_with_what_began_before_the_record_and_what_was_deleted(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store)
    c = month.c
    await post(
        sessions, c, PAT, "replying to last month", "1764700000.000200", thread_ts="1764000000.000001", now=at(90)
    )
    async with sessions.begin() as session:
        await append_event(
            session,
            c.id,
            "message_edited",
            actor=SAM.user_id,
            side=Side.GUEST,
            data={"ts": "1764000000.000009", "text": "fixed an old message", "previous_text": "old words"},
            at=at(91),
        )
        await append_event(
            session, c.id, "message_deleted", actor=SAM.user_id, side=Side.GUEST, data={"ts": "1.0"}, at=at(92)
        )
        await append_event(
            session, c.id, "message_edited", actor=SAM.user_id, side=Side.GUEST, data={"redacted": True}, at=at(93)
        )
        await append_event(
            session, c.id, "reaction_added", actor=SAM.user_id, side=Side.GUEST, data={"name": "+1"}, at=at(94)
        )
    out = tmp_path / "a.zip"
    await build_archive(sessions, store, c.id, out, now=GENERATED)
    page = page_of(read_zip(out))
    words = page.words
    assert "replying to last month" in words and "reply in a thread that began before this record" in words
    assert "fixed an old message" in words and "posted before this record began" in words and "old words" in words
    assert "Reaction added" in words, "an unknown kind is shown by its name in the history"
    assert verify_archive(out).ok


async def test_hostile_names_and_text_are_safe_in_paths_and_escaped_in_the_page(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store, title="<script>alert('t')</script> & Co")
    evil = "../../x<script>alert(1)</script>.pdf"
    file_id = await share_file(sessions, store, month.c, SAM, evil, b"%PDF-1.4 evil\n", now=at(60))
    await share_file(sessions, store, month.c, SAM, "..\\..\\windows.pdf", b"%PDF-1.4 win\n", now=at(61))
    await post(
        sessions,
        month.c,
        PAT,
        '<img src=x onerror=alert(1)> "quoted" <script>x()</script>',
        "1764590000.1",
        files=[{"id": file_id, "name": evil}],
        now=at(62),
    )
    out = tmp_path / "a.zip"
    await build_archive(sessions, store, month.c.id, out, now=GENERATED)
    members = read_zip(out)
    for name in members:
        assert not name.startswith("/") and ".." not in name and "\\" not in name and "<" not in name, name
    shared = [n for n in members if n.startswith("documents/guest/")]
    assert len(shared) == 2
    html = members["index.html"].decode()
    page = page_of(members)
    assert "script" not in page.tags and "img" not in page.tags
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt; &amp; Co" in html
    assert "&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot;" in html
    assert "<script>alert(1)</script>" in page.words, "the original file name is shown, as text"
    (evil_path,) = [n for n in shared if "script" in n]
    assert evil_path == "documents/guest/x_script_alert(1)__script_.pdf/v1-x_script_alert(1)__script_.pdf"
    linked = [unquote(href) for href in page.hrefs if not href.startswith("#")]
    assert linked.count(evil_path) == 2, "linked from its message and from the documents"
    assert set(linked) <= set(members)
    assert verify_archive(out).ok


async def test_an_archive_can_be_pinned_to_the_wrap_up_and_leaves_out_what_came_later(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store, drafts=False)
    async with sessions.begin() as session:
        await sign_off(session, actor=ALEX, collaboration_id=month.c.id, now=at(70))
    async with sessions.begin() as session:
        await sign_off(session, actor=PAT, collaboration_id=month.c.id, now=at(71))
    async with sessions() as session:
        wrapped = (await events_of(session, month.c.id))[-1]
    assert wrapped.kind == "wrapped_up"
    # After the wrap-up the channel goes on: a message and a file, recorded in this collaboration's chain.
    await post(sessions, month.c, SAM, "Thanks all, see you next month.", "1764600000.000100", now=at(80))
    await share_file(sessions, store, month.c, SAM, "late.pdf", b"%PDF-1.4 late\n", now=at(81))

    out = tmp_path / "wrap.zip"
    result = await build_archive(sessions, store, month.c.id, out, up_to_seq=wrapped.seq, now=GENERATED)
    assert (result.up_to_seq, result.head_hash) == (wrapped.seq, wrapped.hash)
    members = read_zip(out)
    record = json.loads(members["collaboration.json"])
    assert record["events"][-1]["seq"] == wrapped.seq and record["head_hash"] == wrapped.hash
    assert not [n for n in members if "late" in n]
    assert b"see you next month" not in members["index.html"]
    assert "late.pdf" not in members["collaboration.json"].decode()
    assert b"Wrapped up" in members["index.html"]
    assert verify_archive(out, expected_head=wrapped.hash).ok

    everything = tmp_path / "all.zip"
    later = await build_archive(sessions, store, month.c.id, everything, now=GENERATED)
    assert later.up_to_seq > wrapped.seq and b"see you next month" in read_zip(everything)["index.html"]

    with pytest.raises(NotFound):
        await build_archive(sessions, store, month.c.id, tmp_path / "x.zip", up_to_seq=10_000, now=GENERATED)
    assert not [p.name for p in tmp_path.iterdir() if "x.zip" in p.name]  # noqa: ASYNC240


async def test_an_archive_pinned_before_a_reopen_shows_requests_as_they_were(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store, drafts=False)
    async with sessions.begin() as session:
        await sign_off(session, actor=ALEX, collaboration_id=month.c.id, now=at(70))
    async with sessions.begin() as session:
        await sign_off(session, actor=PAT, collaboration_id=month.c.id, now=at(71))
    async with sessions() as session:
        wrapped = (await events_of(session, month.c.id))[-1]
        declined = next(r for r in await requests_of(session, month.c.id, viewer_side=None) if r.label == "#2")
    # Retail Co reopens the collaboration, reopens the declined request and files a new one.
    async with sessions.begin() as session:
        await reopen(session, actor=PAT, collaboration_id=month.c.id, reason="One more thing", now=at(80))
    async with sessions.begin() as session:
        await reopen_request(session, actor=PAT, request_id=declined.id, reason="Return found: RMA-77", now=at(81))
        await file_requests(
            session,
            actor=PAT,
            collaboration_id=month.c.id,
            requests=[NewRequest(RequestCategory.DEBIT_MEMO, ["DM-9"], details="filed after the wrap-up")],
            now=at(82),
        )
    await send(sessions, PAT, month.c, "Reopened #2, filed #4.", now=at(83))

    out = tmp_path / "wrap.zip"
    await build_archive(sessions, store, month.c.id, out, up_to_seq=wrapped.seq, now=GENERATED)
    members = read_zip(out)
    record = json.loads(members["collaboration.json"])
    assert [(r["label"], r["status"], r["reason"]) for r in record["requests"]] == [
        ("#1", "accepted", None),
        ("#2", "declined", "No return on file"),
        ("#3", "open", None),
    ]
    assert b"filed after the wrap-up" not in members["requests.csv"] + members["index.html"]
    assert b"Return found" not in members["index.html"]
    assert [t["number"] for t in record["turns"]][-1] == record["events"][-1]["data"]["turn"]
    assert verify_archive(out, expected_head=wrapped.hash).ok

    now_out = tmp_path / "now.zip"
    await build_archive(sessions, store, month.c.id, now_out, now=GENERATED)
    current = json.loads(read_zip(now_out)["collaboration.json"])
    assert [(r["label"], r["status"]) for r in current["requests"]] == [
        ("#1", "accepted"),
        ("#2", "reopened"),
        ("#3", "open"),
        ("#4", "open"),
    ]


async def test_an_unknown_collaboration_is_refused_and_nothing_is_written(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    with pytest.raises(NotFound):
        await build_archive(sessions, store, 999, tmp_path / "none.zip", now=GENERATED)
    assert not [p.name for p in tmp_path.iterdir() if "none.zip" in p.name]  # noqa: ASYNC240


class OneWay:
    """A stream that cannot seek or tell (a socket, a pipe)."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def write(self, data: bytes) -> int:
        return self.buffer.write(data)

    def flush(self) -> None:
        pass

    def seekable(self) -> bool:
        return False


async def test_an_archive_streams_to_a_file_object_even_one_that_cannot_seek(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store)
    seekable = io.BytesIO(b"prefix")
    seekable.seek(0, io.SEEK_END)
    result = await build_archive(sessions, store, month.c.id, seekable, now=GENERATED)
    assert result.path is None and result.size_bytes == len(seekable.getvalue()) - len(b"prefix")

    pipe = OneWay()
    streamed = await build_archive(sessions, store, month.c.id, pipe, now=GENERATED)  # type: ignore[arg-type]
    assert streamed.size_bytes == len(pipe.buffer.getvalue())
    path = tmp_path / "streamed.zip"
    path.write_bytes(pipe.buffer.getvalue())
    report = verify_archive(path, expected_head=result.head_hash)
    assert report.ok, report.problems


async def test_a_stored_file_missing_from_the_blob_store_is_named_and_the_archive_still_verifies(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store)
    pod = month.files["v1-POD-1001.pdf"]
    store.path_for(hashlib.sha256(pod).hexdigest()).unlink()
    out = tmp_path / "a.zip"
    result = await build_archive(sessions, store, month.c.id, out, now=GENERATED)
    assert result.warnings == (
        "POD-1001.pdf version 1: not in the archive, its bytes are missing from Baton's blob store",
    )
    members = read_zip(out)
    assert not [n for n in members if "POD-1001" in n]
    assert b"its bytes are missing from Baton&#x27;s blob store" in members["index.html"]
    assert verify_archive(out).ok


async def test_two_thousand_messages_build_quickly_with_threads_in_place(
    sessions: Sessions, store: LocalBlobStore, tmp_path: Path
) -> None:
    month = await make_month(sessions, store)
    n = 2000
    async with sessions.begin() as session:
        for i in range(n):
            root = i % 10 == 0
            await append_event(
                session,
                month.c.id,
                "message_posted",
                actor=PAT.user_id,
                side=Side.GUEST,
                data={
                    "user": PAT.user_id,
                    "text": f"bulk message {i:04d}",
                    "ts": f"1765000000.{i:06d}",
                    "thread_ts": None if root else f"1765000000.{i - i % 10:06d}",
                    "files": [],
                },
                at=at(100 + i),
            )
    out = tmp_path / "big.zip"
    started = time.monotonic()
    result = await build_archive(sessions, store, month.c.id, out, now=GENERATED)
    elapsed = time.monotonic() - started
    assert result.counts.messages == n + 4
    assert elapsed < 5, f"2,000 messages took {elapsed:.1f}s (about 0.3 s is usual)"
    html = read_zip(out)["index.html"].decode()
    positions = [html.index(f"bulk message {i:04d}<") for i in range(n)]
    assert positions == sorted(positions), "threads in order, replies under their first message"
    assert html.count('<div class="thread">') == n // 10 + 1  # and the month's own thread
    assert verify_archive(out).ok
