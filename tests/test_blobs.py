"""The local blob store: content-addressed, streamed both ways, atomic, leaving nothing of a refused write."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.blobs import BlobNotFound, BlobRef, BlobStore, BlobTooLarge, LocalBlobStore, bytes_stream, peek_head
from bot.filecheck import HEAD_BYTES, check_file


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def read_all(store: BlobStore, sha256: str) -> bytes:
    return b"".join([chunk async for chunk in store.open(sha256)])


async def test_a_blob_is_stored_once_under_its_hash_and_read_back_streamed(tmp_path: Path) -> None:
    store: BlobStore = LocalBlobStore(tmp_path / "blobs")
    data = os.urandom(3 * 1024 * 1024 + 17)  # several chunks, and a ragged end
    digest = hashlib.sha256(data).hexdigest()

    ref = await store.put_stream(bytes_stream(data, chunk_size=64 * 1024), max_bytes=len(data))
    assert ref == BlobRef(digest, len(data))
    path = store.path_for(digest)
    assert path == tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    assert await store.exists(digest)
    chunks = [chunk async for chunk in store.open(digest)]
    assert len(chunks) > 1, "read back in chunks, not all at once"
    assert b"".join(chunks) == data

    again = await store.put_stream(bytes_stream(data), max_bytes=len(data))
    assert again == ref
    assert files_under(tmp_path / "blobs") == [path], "the same content is kept once; no temporary files left"


async def test_a_write_over_the_limit_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    consumed = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal consumed
        while True:
            consumed += 1
            yield b"x" * 1000

    with pytest.raises(BlobTooLarge) as caught:
        await store.put_stream(endless(), max_bytes=10_500)
    assert caught.value.max_bytes == 10_500
    assert consumed == 11, "it stops reading as soon as the limit is passed"
    assert files_under(tmp_path / "blobs") == []
    digest = hashlib.sha256(b"x" * 10_500).hexdigest()
    assert not await store.exists(digest)


async def test_a_stream_that_fails_midway_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")

    async def broken() -> AsyncIterator[bytes]:
        yield b"%PDF-1.7 partial"
        raise ConnectionResetError("download interrupted")

    with pytest.raises(ConnectionResetError):
        await store.put_stream(broken(), max_bytes=1_000_000)
    assert files_under(tmp_path / "blobs") == []


async def test_concurrent_writers_of_the_same_content_end_with_one_whole_blob(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    data = os.urandom(2 * 1024 * 1024)
    refs = await asyncio.gather(
        *(store.put_stream(bytes_stream(data, chunk_size=100_000), max_bytes=len(data)) for _ in range(8))
    )
    assert len(set(refs)) == 1
    assert files_under(tmp_path / "blobs") == [store.path_for(refs[0].sha256)]
    assert await read_all(store, refs[0].sha256) == data


async def test_unknown_and_malformed_hashes(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    with pytest.raises(BlobNotFound):
        await read_all(store, "0" * 64)
    assert not await store.exists("0" * 64)
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63, ""):
        with pytest.raises(ValueError):
            store.path_for(bad)


async def test_peek_head_lets_the_signature_be_checked_before_storing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    data = b"%PDF-1.7\n" + os.urandom(50_000)
    head, stream = await peek_head(bytes_stream(data, chunk_size=1000), HEAD_BYTES)
    assert head == data[:HEAD_BYTES]
    allowed = ["pdf"]
    assert check_file("Statement.pdf", len(data), head, allowed_types=allowed, max_bytes=10**6).ok
    ref = await store.put_stream(stream, max_bytes=10**6)
    assert await read_all(store, ref.sha256) == data, "the peeked bytes are not lost"

    short, rest = await peek_head(bytes_stream(b"tiny"), HEAD_BYTES)
    assert short == b"tiny"
    assert b"".join([c async for c in rest]) == b"tiny"
