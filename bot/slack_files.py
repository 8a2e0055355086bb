"""Files between Slack and Baton's blob store: resolve and download what people share, upload what Baton posts.

Downloads stream `url_private_download` (bot token) into the blob store after the size, type and
content checks; uploads run Slack's three steps themselves so the body streams from the blob store
(slack_sdk's files_upload_v2 reads a whole file into memory).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.blobs import BlobStore, BlobTooLarge, peek_head
from bot.filecheck import HEAD_BYTES, check_file, human_size, safe_name
from bot.settings import Settings
from bot.slack_client import BatonWebClient
from models.documents import BlobRef

__all__ = ["FetchedFile", "fetch_file", "upload_stream"]

log = logging.getLogger(__name__)

_CHUNK = 256 * 1024
_TIMEOUT = aiohttp.ClientTimeout(total=600, sock_read=60)


@dataclass(frozen=True)
class FetchedFile:
    """A Slack file as Baton keeps it: stored (`blob`), or refused with the reason the person is told."""

    file_id: str
    name: str  # safe for storage and archives
    original_name: str
    size: int
    file_type: str
    user_id: str
    blob: BlobRef | None
    reason: str | None


async def file_info(slack: BatonWebClient, file_id: str) -> dict[str, Any]:
    """The full file object; Slack Connect stubs (`file_access: check_file_info`) resolve here too."""
    return dict((await slack.files_info(file=file_id))["file"])


async def fetch_file(
    slack: BatonWebClient, blobs: BlobStore, settings: Settings, file_id: str, *, info: dict[str, Any] | None = None
) -> FetchedFile:
    """Check and download one Slack file into the blob store; an oversize or disallowed file is not stored."""
    meta = info if info and info.get("url_private_download") else await file_info(slack, file_id)
    original = str(meta.get("name") or meta.get("title") or file_id)
    name, size = safe_name(original), int(meta.get("size") or 0)
    user_id = str(meta.get("user") or "")

    def refused(reason: str, file_type: str = "") -> FetchedFile:
        return FetchedFile(file_id, name, original, size, file_type, user_id, None, reason)

    if size > settings.max_file_bytes:
        verdict = check_file(
            name, size, b"", allowed_types=settings.BATON_ALLOWED_FILE_TYPES, max_bytes=settings.max_file_bytes
        )
        return refused(verdict.reason or f"{name} is {human_size(size)}: over the limit.", verdict.file_type)
    url = meta.get("url_private_download") or meta.get("url_private")
    if not url:
        return refused(f"Slack did not let Baton download {name}.")
    token = slack.token or ""
    async with (
        aiohttp.ClientSession(timeout=_TIMEOUT) as http,
        http.get(url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False) as response,
    ):
        if response.status != 200 or "text/html" in response.headers.get("Content-Type", ""):
            raise aiohttp.ClientResponseError(
                response.request_info, (), status=response.status, message=f"download of {file_id} refused"
            )
        head, stream = await peek_head(response.content.iter_chunked(_CHUNK), HEAD_BYTES)
        verdict = check_file(
            name, size, head, allowed_types=settings.BATON_ALLOWED_FILE_TYPES, max_bytes=settings.max_file_bytes
        )
        if not verdict.ok:
            return refused(verdict.reason or f"{name} can't be stored.", verdict.file_type)
        try:
            blob = await blobs.put_stream(stream, max_bytes=settings.max_file_bytes)
        except BlobTooLarge:
            return refused(
                f"{name} is larger than {human_size(settings.max_file_bytes)}: Baton doesn't store it.",
                verdict.file_type,
            )
    return FetchedFile(file_id, name, original, blob.size, verdict.file_type, user_id, blob, None)


async def upload_stream(
    slack: BatonWebClient,
    *,
    name: str,
    size: int,
    source: Path | AsyncIterator[bytes],
    channel_id: str,
    title: str | None = None,
    thread_ts: str | None = None,
    initial_comment: str | None = None,
) -> str:
    """Share a file in a channel through files.getUploadURLExternal → POST → completeUploadExternal."""
    target = await slack.files_getUploadURLExternal(filename=name, length=size)
    upload_url, file_id = target["upload_url"], target["file_id"]
    # A file is streamed by aiohttp itself (read in a thread, closed here); a stream from another store
    # is passed through as it comes.
    body: Any = source.open("rb") if isinstance(source, Path) else source
    try:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as http,
            http.post(
                upload_url,
                data=body,
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
            ) as response,
        ):
            if response.status != 200:
                raise aiohttp.ClientResponseError(
                    response.request_info, (), status=response.status, message=f"upload of {name} refused"
                )
    finally:
        if isinstance(source, Path):
            body.close()
    await slack.files_completeUploadExternal(
        files=[{"id": file_id, "title": title or name}],
        channel_id=channel_id,
        thread_ts=thread_ts,
        initial_comment=initial_comment,
    )
    return str(file_id)
