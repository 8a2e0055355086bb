"""Build a collaboration's archive: one zip a person opens and a machine checks.

    index.html          the record as a page (turns, chat, requests, documents, gaps, history)
    collaboration.json  the record as data, with every event exactly as the chain hashed it
    requests.csv        the request register
    documents.csv       every document version
    documents/<side>/<document>/v<N>-<original name>   the files, byte for byte
    MANIFEST.sha256     `<sha256>  <path>` of every other file (sha256sum's format), written last

Memory stays bounded whatever the collaboration's size: events are read a page at a time and written
as they come (collaboration.json is a JSON array written event by event), the chat waits for its
threads in a scratch file (`chat.ChatIndex`), and files stream from the blob store in chunks. Writes
to the zip run in a worker thread, so the event loop stays free to ack Slack while an archive builds.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import json
import os
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from sqlalchemy import select

from bot.archive import html
from bot.archive.chat import ChatIndex
from bot.archive.records import (
    CSV_DOCUMENT_HEADER,
    CSV_REQUEST_HEADER,
    MessageKind,
    archive_head,
    describe_event,
    document_rows,
    event_record,
    request_rows,
    stored_uncompressed,
)
from bot.archive.snapshot import Snapshot, load_snapshot
from bot.blobs import BlobStore
from bot.db import Sessions
from bot.filecheck import safe_name
from models.history import Event, is_redacted

__all__ = [
    "INDEX",
    "JSON_RECORD",
    "MANIFEST",
    "ArchiveCounts",
    "ArchiveResult",
    "archive_file_name",
    "build_archive",
]

INDEX = "index.html"
JSON_RECORD = "collaboration.json"
REQUESTS_CSV = "requests.csv"
DOCUMENTS_CSV = "documents.csv"
MANIFEST = "MANIFEST.sha256"

PAGE_SIZE = 500  # events per database read
_FLUSH_BYTES = 256 * 1024  # small writes are gathered up to this before a write to the zip


@dataclass(frozen=True)
class ArchiveCounts:
    messages: int
    turns: int
    requests: int
    document_versions: int
    events: int


@dataclass(frozen=True)
class ArchiveResult:
    """What was written: the head hash to post with it, what it holds, and anything the store lacked."""

    path: Path | None  # None when written to a stream
    head_hash: str
    up_to_seq: int
    counts: ArchiveCounts
    size_bytes: int
    warnings: tuple[str, ...]  # a stored file whose bytes are missing or damaged in the blob store


def archive_file_name(title: str) -> str:
    """The file name an archive is shared under: "Retail Co — November 2026 statement archive.zip"."""
    return safe_name(f"{title} archive.zip")


async def build_archive(
    sessions: Sessions,
    blobs: BlobStore,
    collaboration_id: int,
    out: Path | BinaryIO,
    *,
    up_to_seq: int | None = None,
    now: datetime,
) -> ArchiveResult:
    """Write the archive of the collaboration's published record, as of event `up_to_seq` (default: the newest).

    `out` a path: written to a temporary file beside it and renamed into place when whole. `out` a
    binary stream: written there (a stream that cannot seek gets data descriptors). NotFound when
    the collaboration (or that event) does not exist.
    """
    snapshot = await load_snapshot(sessions, blobs, collaboration_id, up_to_seq=up_to_seq)
    if isinstance(out, Path):
        tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            handle = await asyncio.to_thread(tmp.open, "wb")
            try:
                counts, warnings = await _write_zip(sessions, blobs, snapshot, handle, now)
                await asyncio.to_thread(_sync, handle)
            finally:
                await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, tmp, out)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        size = (await asyncio.to_thread(out.stat)).st_size
        path: Path | None = out
    else:
        stream: BinaryIO = out
        seekable = stream.seekable()
        start = stream.tell() if seekable else 0
        sink: IO[bytes] = stream if seekable else _CountingSink(stream)  # type: ignore[assignment]
        counts, warnings = await _write_zip(sessions, blobs, snapshot, sink, now)
        size = stream.tell() - start if seekable else sink.tell()
        path = None
    return ArchiveResult(
        path=path,
        head_hash=snapshot.head_hash,
        up_to_seq=snapshot.up_to_seq,
        counts=counts,
        size_bytes=size,
        warnings=warnings,
    )


def _sync(handle: IO[bytes]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


class _CountingSink:
    """A write-only stream that knows how much went through it (zipfile asks `tell()`)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._written = 0

    def write(self, data: bytes) -> int:
        self._raw.write(data)
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        self._raw.flush()


# --- writing the zip ------------------------------------------------------------------------------


class _Entry:
    """One file being written into the zip: writes are gathered, hashed and written off the event loop."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._digest = hashlib.sha256()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self.size = 0

    async def write(self, data: str | bytes) -> None:
        chunk = data.encode() if isinstance(data, str) else data
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        if self._pending_size >= _FLUSH_BYTES:
            await self.flush()

    async def flush(self) -> None:
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        self.size += len(data)
        await asyncio.to_thread(self._write, data)

    def _write(self, data: bytes) -> None:
        self._digest.update(data)
        self._handle.write(data)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


class _ZipWriter:
    def __init__(self, zf: zipfile.ZipFile, now: datetime) -> None:
        self._zf = zf
        at = now.astimezone(UTC)
        self._date_time = (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)
        self.manifest: list[tuple[str, str]] = []  # (sha256, path), in the order written

    @contextlib.asynccontextmanager
    async def entry(self, name: str, *, deflate: bool) -> AsyncIterator[_Entry]:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        # force_zip64: the size is not known up front, and a file may pass 4 GiB.
        handle = await asyncio.to_thread(self._zf.open, info, "w", force_zip64=True)
        entry = _Entry(handle)
        try:
            yield entry
            await entry.flush()
        finally:
            await asyncio.to_thread(handle.close)
        self.manifest.append((entry.sha256, name))


@dataclass(frozen=True)
class _Row:
    """An event as read for the archive: the chain's columns, nothing loaded lazily."""

    seq: int
    kind: str
    at: datetime
    actor_user_id: str | None
    side: str | None
    data: Mapping[str, Any]
    content_hash: str
    prev_hash: str
    hash: str


async def _event_pages(sessions: Sessions, collaboration_id: int, up_to_seq: int) -> AsyncIterator[list[_Row]]:
    """The chain up to `up_to_seq`, PAGE_SIZE events at a time, each page in its own short read."""
    after = 0
    while after < up_to_seq:
        async with sessions.read() as session:
            rows = (
                await session.execute(
                    select(
                        Event.seq,
                        Event.kind,
                        Event.at,
                        Event.actor_user_id,
                        Event.side,
                        Event.data,
                        Event.content_hash,
                        Event.prev_hash,
                        Event.hash,
                    )
                    .where(Event.collaboration_id == collaboration_id, Event.seq > after, Event.seq <= up_to_seq)
                    .order_by(Event.seq)
                    .limit(PAGE_SIZE)
                )
            ).all()
        if not rows:
            return
        page = [
            _Row(
                seq=r.seq,
                kind=r.kind,
                at=r.at,
                actor_user_id=r.actor_user_id,
                side=None if r.side is None else str(r.side),
                data=r.data,
                content_hash=r.content_hash,
                prev_hash=r.prev_hash,
                hash=r.hash,
            )
            for r in rows
        ]
        yield page
        after = page[-1].seq


async def _write_zip(
    sessions: Sessions, blobs: BlobStore, s: Snapshot, sink: IO[bytes], now: datetime
) -> tuple[ArchiveCounts, tuple[str, ...]]:
    warnings = [f"{_version_name(s, vid)}: not in the archive, {why}" for vid, why in s.missing.items()]
    cid = s.collaboration.id
    with (
        tempfile.TemporaryDirectory(prefix="baton-archive-") as scratch,
        ChatIndex(Path(scratch)) as chat,
        zipfile.ZipFile(sink, mode="w", allowZip64=True) as zf,
    ):
        writer = _ZipWriter(zf, now)

        # collaboration.json: the record, then the events one by one (the chat is indexed on the way).
        events = 0
        gaps: list[tuple[str, str]] = []
        async with writer.entry(JSON_RECORD, deflate=True) as entry:
            head = json.dumps(archive_head(s, generated_at=now), ensure_ascii=False, indent=1)
            await entry.write(head[: head.rindex("}")].rstrip() + ',\n "events": [')
            async for page in _event_pages(sessions, cid, s.up_to_seq):
                lines = []
                for row in page:
                    record = event_record(
                        cid,
                        seq=row.seq,
                        kind=row.kind,
                        at=row.at,
                        actor_user_id=row.actor_user_id,
                        side=row.side,
                        data=row.data,
                        content_hash=row.content_hash,
                        prev_hash=row.prev_hash,
                        hash=row.hash,
                    )
                    lines.append(("\n  " if events == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
                    events += 1
                    if row.kind == MessageKind.HISTORY_GAP and not is_redacted(row.data):
                        gaps.append((str(row.data.get("from", "")), str(row.data.get("to", ""))))
                await entry.write("".join(lines))
                chat.add_page([(r.seq, r.kind, r.at, r.actor_user_id, r.data) for r in page])
            await entry.write("\n ]\n}\n")

        counts = ArchiveCounts(
            messages=chat.count,
            turns=len(s.turns),
            requests=len(s.requests),
            document_versions=s.versions,
            events=events,
        )

        async with writer.entry(INDEX, deflate=True) as entry:
            await entry.write(html.page_start(s, generated_at=now, counts=asdict(counts), gaps=gaps))
            await entry.write(html.turns_section(s))
            renderer = html.ChatRenderer(s)
            await entry.write(renderer.start())
            for message in chat.messages():
                await entry.write(renderer.message(message))
            await entry.write(renderer.end())
            await entry.write(html.requests_section(s))
            await entry.write(html.documents_section(s))
            await entry.write(html.gaps_section(s, gaps))
            await entry.write(html.history_start())
            async for page in _event_pages(sessions, cid, s.up_to_seq):
                await entry.write(
                    "".join(html.history_row(r.seq, describe_event(r, s.names, tz=s.timezone), s) for r in page)
                )
            await entry.write(html.history_end(events))
            await entry.write(html.page_end(s))

        await _write_csv(writer, REQUESTS_CSV, CSV_REQUEST_HEADER, request_rows(s))
        await _write_csv(writer, DOCUMENTS_CSV, CSV_DOCUMENT_HEADER, document_rows(s))

        for document in s.documents:
            for version in document.versions:
                path = s.paths.get(version.id)
                if path is None or version.sha256 is None:
                    continue
                async with writer.entry(path, deflate=not stored_uncompressed(version.file_type)) as entry:
                    async for chunk in blobs.open(version.sha256):
                        await entry.write(chunk)
                        await entry.flush()  # a blob's chunks are large already: write each as it comes
                if entry.sha256 != version.sha256:
                    warnings.append(f"{path}: the blob store's bytes do not match the version's SHA-256")

        manifest = "".join(f"{sha}  {name}\n" for sha, name in writer.manifest)
        async with writer.entry(MANIFEST, deflate=True) as entry:
            await entry.write(manifest)
    return counts, tuple(warnings)


async def _write_csv(writer: _ZipWriter, name: str, header: Iterable[str], rows: Iterable[list[str]]) -> None:
    async with writer.entry(name, deflate=True) as entry:
        await entry.write("\ufeff" + _csv_line(header))  # a BOM, so spreadsheets read it as UTF-8
        for row in rows:
            await entry.write(_csv_line(row))


def _csv_line(values: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(list(values))
    return buffer.getvalue()


def _version_name(s: Snapshot, version_id: int) -> str:
    for d in s.documents:
        for v in d.versions:
            if v.id == version_id:
                return f"{d.name} version {v.number}"
    return f"version {version_id}"
