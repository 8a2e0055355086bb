"""`baton serve` as a whole: Socket Mode through the emulator's WebSocket, HTTP, and a clean stop."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from bot.emulator import SlackEmulator
from bot.serve import serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_serve_in_socket_mode_answers_turn_help_and_stops_cleanly(settings_for) -> None:  # type: ignore[no-untyped-def]
    async with SlackEmulator(host_name="Northwind Distribution") as emu:
        alice = emu.add_user(emu.host, "alice")
        channel = emu.create_channel("retail-co", members=[alice])
        port = free_port()
        settings = settings_for(
            SLACK_BOT_TOKEN=emu.bot_token,
            SLACK_APP_TOKEN=emu.app_token,
            SLACK_API_URL=emu.api_url,
            PORT=str(port),
        )
        stop = asyncio.Event()
        server = asyncio.create_task(serve(settings, host="127.0.0.1", stop=stop))
        try:
            await emu.wait_for(lambda: emu.socket_connected or server.done(), timeout=15)
            assert not server.done(), server.exception() if server.done() else None
            result = await alice.slash("/turn", "help", channel=channel)
            assert result.ok, result
            assert any("/turn help" in e.text for e in alice.ephemerals(channel))
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/healthz") as response,
            ):
                assert response.status == 200
        finally:
            stop.set()
            await asyncio.wait_for(server, 30)
        assert server.exception() is None
        emu.assert_no_violations()
