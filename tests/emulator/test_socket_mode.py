"""bolt's Socket Mode handler connects through apps.connections.open and is served through the socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.emulator import SlackEmulator

from .helpers import client_for


@pytest.fixture
async def socket_app(emu: SlackEmulator) -> AsyncIterator[AsyncApp]:
    app = AsyncApp(client=client_for(emu))
    handler = AsyncSocketModeHandler(app, emu.app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    await emu.wait_for(lambda: emu.socket_connected)
    yield app
    await emu.idle()
    await handler.close_async()  # type: ignore[no-untyped-call]


async def test_a_command_arrives_through_the_socket_and_its_ack_reaches_the_user(
    emu: SlackEmulator, socket_app: AsyncApp
) -> None:
    @socket_app.command("/turn")
    async def turn(ack: AsyncAck, command: dict[str, str]) -> None:
        await ack(text=f"status for <#{command['channel_id']}>")

    ann = emu.add_user(emu.host, "ann")
    channel = emu.create_channel("statements", members=[ann])

    result = await ann.slash("/turn", "status", channel=channel)

    assert emu.bot_url is None  # nothing went over HTTP
    assert result.status == 200
    assert [e.text for e in ann.ephemerals(channel)] == [f"status for <#{channel.id}>"]
    assert [c.method for c in emu.calls][:1] == ["apps.connections.open"]
    assert emu.deliveries[-1].answer.via == "socket"


async def test_events_flow_through_the_socket_and_survive_a_disconnect(
    emu: SlackEmulator, socket_app: AsyncApp
) -> None:
    mentions: list[dict[str, Any]] = []

    @socket_app.event("app_mention")
    async def on_mention(event: dict[str, Any]) -> None:
        mentions.append(event)

    @socket_app.event("message")
    async def on_message() -> None:
        pass

    ann = emu.add_user(emu.host, "ann")
    channel = emu.create_channel("statements", members=[ann])
    await ann.post(channel, f"{emu.bot.mention} status")
    await emu.wait_for(lambda: len(mentions) == 1)

    await emu.disconnect_sockets()
    await emu.wait_for(lambda: emu.sockets.opened == 2 and emu.socket_connected)
    await ann.post(channel, f"{emu.bot.mention} again")
    await emu.wait_for(lambda: len(mentions) == 2)
    assert [m["text"] for m in mentions] == [f"<@{emu.bot.id}> status", f"<@{emu.bot.id}> again"]
