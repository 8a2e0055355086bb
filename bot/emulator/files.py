"""Files: the upload URL flow (getUploadURLExternal → POST → completeUploadExternal), files.info/delete,
and the `url_private_download` route that needs the bot token.

Bytes are read and written in chunks: an archive of several megabytes streams both ways.
"""

from __future__ import annotations

import asyncio
import html
import json
import time
from typing import Any

from aiohttp import BodyPartReader, web

from .activity import World
from .blockkit import check_blocks, fill_ids
from .calls import ApiCall, Handler
from .errors import ApiError
from .faults import FaultPlan, Stats
from .state import File

__all__ = ["DOWNLOAD_FAULT", "HANDLERS", "UPLOAD_FAULT", "FileRoutes"]

CHUNK = 64 * 1024
# Names under which `emu.fail_next(...)` reaches the file routes (they are not Web API methods).
UPLOAD_FAULT = "upload_url"
DOWNLOAD_FAULT = "url_private_download"


def get_upload_url(call: ApiCall) -> dict[str, Any]:
    """Reserve a file id and an absolute upload URL served by the emulator."""
    length = call.integer("length", 0)
    if length <= 0:
        raise ApiError("invalid_arguments", violation="`length` must be the file's size in bytes, above 0")
    world = call.world
    file = world.new_file(world.bot, call.need("filename"), None)
    file.declared_length = length
    file.alt_txt = call.text("alt_txt")
    token = world.state.ids.token(32)
    world.state.upload_tokens[token] = file.id
    return {"upload_url": f"{world.base_url}upload/v1/{token}", "file_id": file.id}


def complete_upload(call: ApiCall) -> dict[str, Any]:
    """Finish uploads; share them with `initial_comment` in a channel or thread (or keep them private)."""
    entries = call.args.get("files")
    if isinstance(entries, str):
        try:
            entries = json.loads(entries)
        except json.JSONDecodeError as exc:
            raise ApiError("invalid_arguments", violation="`files` is not valid JSON") from exc
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) and e.get("id") for e in entries):
        raise ApiError("invalid_arguments", violation="`files` must be a JSON array of {id, title}")
    world = call.world
    files: list[File] = []
    for entry in entries:
        file = world.state.files.get(str(entry["id"]))
        if file is None or file.user != world.bot.id or file.completed or file.data is None:
            raise ApiError("file_not_found")
        if file.declared_length is not None and file.size != file.declared_length:
            raise ApiError(
                "invalid_arguments",
                violation=f"{file.id}: {file.declared_length} bytes announced, {file.size} uploaded",
            )
        if entry.get("title"):
            file.title = str(entry["title"])
        files.append(file)
    channels = call.items("channels")
    channel_ref = call.text("channel_id") or (channels[0] if channels else None)
    blocks = None
    if call.args.get("blocks") is not None:
        blocks = fill_ids(check_blocks(call.args["blocks"]), world.state.ids)
    if channel_ref is None:
        for file in files:
            file.completed = True
    else:
        call.args["channel_id"] = channel_ref
        channel = call.member_channel("channel_id")
        thread_ts = call.text("thread_ts")
        if thread_ts is not None and world.state.message(channel.id, thread_ts) is None:
            raise ApiError("invalid_arguments", violation=f"thread_ts {thread_ts} names no message")
        world.share_files(
            files,
            channel,
            world.bot,
            thread_ts=thread_ts,
            comment=call.text("initial_comment") or "",
            blocks=blocks,
        )
    # Slack answers with ids and titles only; the rest comes from files.info.
    return {"files": [{"id": f.id, "title": f.title} for f in files]}


def _visible(call: ApiCall) -> File:
    file = call.world.state.files.get(call.need("file"))
    if file is None or not file.completed or not call.world.bot_can_see_file(file):
        raise ApiError("file_not_found")
    if file.deleted:
        raise ApiError("file_deleted")
    return file


def info(call: ApiCall) -> dict[str, Any]:
    """Describe a file the app can see (how Slack Connect stubs are resolved)."""
    file = _visible(call)
    return {
        "file": file.to_api(call.world.base_url, call.world.state),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }


def delete(call: ApiCall) -> dict[str, Any]:
    """Delete one of the bot's files (messages that shared it show a tombstone)."""
    file = _visible(call)
    if file.user != call.world.bot.id:
        raise ApiError("cant_delete_file")
    file.deleted = True
    return {}


HANDLERS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": info,
    "files.delete": delete,
}


class FileRoutes:
    """The HTTP side of files: the upload URL and the private download URLs."""

    def __init__(self, world: World, faults: FaultPlan, stats: Stats) -> None:
        self._world = world
        self._faults = faults
        self._stats = stats
        self.last_request_at = 0.0  # time.monotonic() of the latest upload or download, for emu.idle()

    def add_to(self, app: web.Application) -> None:
        """Register the routes."""
        app.router.add_post("/upload/v1/{token}", self.upload)
        app.router.add_get("/files-pri/{ref}/download/{name}", self.download)
        app.router.add_get("/files-pri/{ref}/{name}", self.download)
        app.router.add_get("/signin", self.signin)

    async def _fault(self, request: web.Request, name: str) -> web.StreamResponse | None:
        self.last_request_at = time.monotonic()
        fault = self._faults.take(name)
        if fault is None:
            return None
        self._stats.faults[name] += 1
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.reset:
            if request.transport is not None:
                request.transport.abort()
            # The client sees the connection close with no answer; this response is never written.
            return web.Response(status=500)
        if fault.status is not None:
            return web.Response(status=fault.status, text="server error")
        return None

    async def upload(self, request: web.Request) -> web.StreamResponse:
        """Receive a file's bytes, streamed (a raw body, or the first file part of a multipart form)."""
        faulted = await self._fault(request, UPLOAD_FAULT)
        if faulted is not None:
            return faulted
        file_id = self._world.state.upload_tokens.get(request.match_info["token"])
        file = self._world.state.files.get(file_id or "")
        if file is None or file.completed:
            return web.Response(status=404, text="upload URL not found or already used")
        chunks: list[bytes] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if isinstance(part, BodyPartReader) and (part.filename or part.name in ("file", "filename")):
                    while chunk := await part.read_chunk(CHUNK):
                        chunks.append(chunk)
                    break
        else:
            async for chunk in request.content.iter_chunked(CHUNK):
                chunks.append(chunk)
        file.data = b"".join(chunks)
        return web.Response(text=f"OK - {file.size}", content_type="text/plain")

    async def download(self, request: web.Request) -> web.StreamResponse:
        """Stream a file's bytes to a request bearing the bot token; send anyone else to the sign-in page."""
        faulted = await self._fault(request, DOWNLOAD_FAULT)
        if faulted is not None:
            return faulted
        world = self._world
        if request.headers.get("Authorization", "") != f"Bearer {world.app.bot_token}":
            # Slack redirects to its sign-in page: a client that follows redirects gets HTML, not the file.
            raise web.HTTPFound(f"/signin?redir={request.path}")
        file_id = request.match_info["ref"].rsplit("-", 1)[-1]
        file = world.state.files.get(file_id)
        if file is None or file.deleted or file.data is None or not world.bot_can_see_file(file):
            return web.Response(status=404, text="file not found", content_type="text/html")
        data = file.data
        response = web.StreamResponse(
            headers={
                "Content-Type": file.mimetype,
                "Content-Length": str(len(data)),
                "Content-Disposition": f'attachment; filename="{file.name}"',
            }
        )
        await response.prepare(request)
        view = memoryview(data)
        for start in range(0, len(data), CHUNK):
            await response.write(view[start : start + CHUNK])
        await response.write_eof()
        return response

    async def signin(self, request: web.Request) -> web.StreamResponse:
        """The page unauthenticated file requests land on."""
        target = html.escape(request.query.get("redir", ""))
        return web.Response(
            text=f"<!DOCTYPE html><html><body>Sign in to continue to {target}</body></html>",
            content_type="text/html",
        )
