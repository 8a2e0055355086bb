"""The blob store: file contents kept once, addressed by their SHA-256.

`BlobStore` is what the rest of Baton uses; `LocalBlobStore` keeps blobs under `BATON_DATA_DIR/blobs`
as `ab/cd/abcdef…`. An object store can stand in behind the same interface.

A write streams into a temporary file in the store's own `tmp` folder (the same file system), is
flushed and fsynced, and is then renamed into place with `os.replace`: readers see a whole blob or
none, and two writers of the same content both end with the same, whole file. A write over `max_bytes`
is refused with `BlobTooLarge` and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

from models.documents import BlobRef

__all__ = [
    "BlobError",
    "BlobNotFound",
    "BlobRef",
    "BlobStore",
    "BlobTooLarge",
    "LocalBlobStore",
    "bytes_stream",
    "peek_head",
]

CHUNK = 1024 * 1024  # bytes per read, and per write to disk (smaller chunks are gathered)
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobError(Exception):
    """A blob could not be stored or read."""


class BlobTooLarge(BlobError):
    """The content is over the limit; nothing was stored."""

    def __init__(self, *, max_bytes: int, received: int) -> None:
        super().__init__(f"the file is over the {max_bytes}-byte limit (more than {received} bytes received)")
        self.max_bytes = max_bytes
        self.received = received


class BlobNotFound(BlobError, KeyError):
    """No blob has that hash."""


class BlobStore(Protocol):
    """Where file contents live. Content-addressed: storing the same bytes twice stores them once."""

    async def put_stream(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> BlobRef:
        """Store the bytes `chunks` yields; `BlobTooLarge` (and nothing stored) past `max_bytes`."""
        ...

    def open(self, sha256: str) -> AsyncIterator[bytes]:
        """The blob's bytes, streamed; `BlobNotFound` when there is no such blob."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    def path_for(self, sha256: str) -> Path | None:
        """The blob's file, for a store on a file system; None for a store without one."""
        ...


async def bytes_stream(data: bytes, *, chunk_size: int = CHUNK) -> AsyncIterator[bytes]:
    """`data` as a stream of chunks, for `put_stream`."""
    for start in range(0, len(data), chunk_size):
        yield data[start : start + chunk_size]


async def peek_head(chunks: AsyncIterator[bytes], n: int) -> tuple[bytes, AsyncIterator[bytes]]:
    """The first `n` bytes of a stream (fewer if it is shorter), and the whole stream still to be read.

    For checking a file's signature (`filecheck.check_file`) before streaming it into the store.
    """
    head = bytearray()
    taken: list[bytes] = []
    async for chunk in chunks:
        taken.append(chunk)
        head += chunk
        if len(head) >= n:
            break

    async def whole() -> AsyncIterator[bytes]:
        for chunk in taken:
            yield chunk
        async for chunk in chunks:
            yield chunk

    return bytes(head[:n]), whole()


class LocalBlobStore:
    """Blobs as files under `root`: `root/ab/cd/abcdef…`; temporary files under `root/tmp`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp = self.root / "tmp"

    def path_for(self, sha256: str) -> Path:
        """Where the blob lives (whether or not it exists). Refuses anything but a SHA-256 in hex."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_for(sha256).is_file)

    async def put_stream(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> BlobRef:
        digest = hashlib.sha256()
        size = 0
        handle, tmp_path = await asyncio.to_thread(self._new_tmp)
        pending: list[bytes] = []
        pending_size = 0
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(max_bytes=max_bytes, received=size)
                digest.update(chunk)
                pending.append(chunk)
                pending_size += len(chunk)
                if pending_size >= CHUNK:
                    await asyncio.to_thread(handle.write, b"".join(pending))
                    pending, pending_size = [], 0
            if pending:
                await asyncio.to_thread(handle.write, b"".join(pending))
            sha256 = digest.hexdigest()
            await asyncio.to_thread(self._commit, handle, tmp_path, self.path_for(sha256))
        except BaseException:
            await asyncio.to_thread(_discard, handle, tmp_path)
            raise
        return BlobRef(sha256=sha256, size=size)

    async def put_bytes(self, data: bytes, *, max_bytes: int) -> BlobRef:
        return await self.put_stream(bytes_stream(data), max_bytes=max_bytes)

    async def open(self, sha256: str, *, chunk_size: int = CHUNK) -> AsyncIterator[bytes]:
        path = self.path_for(sha256)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as e:
            raise BlobNotFound(sha256) from e
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    def _new_tmp(self) -> tuple[BinaryIO, Path]:
        self._tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix="incoming-", suffix=".part")
        return os.fdopen(fd, "wb"), Path(name)

    def _commit(self, handle: BinaryIO, tmp_path: Path, final: Path) -> None:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        final.parent.mkdir(parents=True, exist_ok=True)
        # Same content, same name: replacing a blob another writer just stored changes nothing.
        os.replace(tmp_path, final)
        _fsync_dir(final.parent)


def _discard(handle: BinaryIO, tmp_path: Path) -> None:
    with contextlib.suppress(OSError):
        handle.close()
    with contextlib.suppress(FileNotFoundError):
        tmp_path.unlink()


def _fsync_dir(path: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories can't be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
