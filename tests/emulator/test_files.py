"""Files round-trip byte for byte through the upload URL flow, and downloads need the bot token."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.emulator import SlackEmulator

from .helpers import client_for


async def _chunks(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _upload_streamed(emu: SlackEmulator, name: str, data: bytes, **complete: Any) -> str:
    """The three steps Baton runs for large files, with the body streamed (chunked) to the upload URL."""
    client = client_for(emu)
    reserved = await client.files_getUploadURLExternal(filename=name, length=len(data))
    assert str(reserved["upload_url"]).startswith(emu.base_url)
    async with (
        aiohttp.ClientSession() as session,
        session.post(reserved["upload_url"], data=_chunks(data)) as response,
    ):
        assert response.status == 200
        assert await response.text() == f"OK - {len(data)}"
    file_id = str(reserved["file_id"])
    done = await client.files_completeUploadExternal(files=[{"id": file_id, "title": name}], **complete)
    assert done["files"] == [{"id": file_id, "title": name}]
    return file_id


async def test_a_few_megabytes_round_trip_exactly(emu: SlackEmulator) -> None:
    channel = emu.create_channel("statements")
    data = os.urandom(3 * 1024 * 1024 + 17)

    file_id = await _upload_streamed(emu, "archive.zip", data, channel_id=channel.id, initial_comment="The archive")

    info = (await client_for(emu).files_info(file=file_id))["file"]
    assert (info["name"], info["size"], info["filetype"], info["mimetype"]) == (
        "archive.zip",
        len(data),
        "zip",
        "application/zip",
    )
    assert info["channels"] == [channel.id]
    [message] = channel.messages
    assert message.text == "The archive" and [f.id for f in message.files] == [file_id]

    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {emu.bot_token}"}
        async with session.get(info["url_private_download"], headers=headers) as response:
            assert response.status == 200
            received = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                received.extend(chunk)
        assert bytes(received) == data

        async with session.get(info["url_private_download"], allow_redirects=False) as response:
            assert response.status == 302
        async with session.get(info["url_private_download"]) as response:  # a client following the redirect
            assert response.content_type == "text/html"
            assert (await response.read()) != data


async def test_files_upload_v2_shares_into_a_thread(emu: SlackEmulator) -> None:
    client = client_for(emu)
    channel = emu.create_channel("statements")
    card = await client.chat_postMessage(channel=channel.id, text="Request #1: proof of delivery")

    uploaded = await client.files_upload_v2(
        channel=channel.id, thread_ts=card["ts"], filename="pod.pdf", content=b"%PDF-1.7 pod", title="POD"
    )

    info = (await client.files_info(file=uploaded["file"]["id"]))["file"]
    assert info["title"] == "POD"
    assert info["shares"]["public"][channel.id][0]["thread_ts"] == card["ts"]
    ann = emu.add_user(emu.host, "ann")
    channel.members.append(ann.id)
    [parent] = ann.messages(channel)
    assert parent.reply_count == 1
    assert [f.name for f in ann.thread(parent)[0].files] == ["pod.pdf"]


async def test_a_guest_file_arrives_as_a_stub_resolved_through_files_info(emu: SlackEmulator, bolt: AsyncApp) -> None:
    events: list[dict[str, Any]] = []

    @bolt.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        events.append(event)

    @bolt.event("file_shared")
    async def on_file(event: dict[str, Any]) -> None:
        events.append(event)

    retail = emu.add_org("Retail Co", enterprise=True)
    bob = emu.add_user(retail, "bob")
    channel = emu.create_channel("retail-co", members=[bob], shared_with=[retail])

    file = await bob.share_file(channel, "remittance.csv", b"invoice,amount\nINV-1,10.00\n", text="Paid")
    await emu.wait_for(lambda: len(events) == 2)

    shared, notified = events
    assert shared["subtype"] == "file_share"
    assert shared["files"] == [{"id": file.id, "mode": "file_access", "file_access": "check_file_info"}]
    assert shared["user_team"] == retail.enterprise_id  # enterprise users appear by their E… id
    assert notified == {**notified, "type": "file_shared", "file_id": file.id, "channel_id": channel.id}

    info = (await client_for(emu).files_info(file=file.id))["file"]
    assert (info["user_team"], info["name"]) == (retail.team_id, "remittance.csv")
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {emu.bot_token}"}
        async with session.get(info["url_private_download"], headers=headers) as response:
            assert await response.read() == b"invoice,amount\nINV-1,10.00\n"


async def test_a_file_the_bot_cannot_see_is_not_found(emu: SlackEmulator) -> None:
    ann = emu.add_user(emu.host, "ann")
    elsewhere = emu.create_channel("elsewhere", members=[ann], with_bot=False)
    file = await ann.share_file(elsewhere, "secret.txt", b"nope")

    with pytest.raises(SlackApiError) as caught:
        await client_for(emu).files_info(file=file.id)
    assert caught.value.response["error"] == "file_not_found"
