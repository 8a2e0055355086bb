"""Fixtures for the emulator's own tests: a started emulator and a minimal real bolt app served over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.emulator import SlackEmulator

from .helpers import SIGNING_SECRET, client_for


@pytest.fixture
async def emu() -> AsyncIterator[SlackEmulator]:
    """A started emulator; a test that leaves violations behind fails (clear them when expected)."""
    emulator = SlackEmulator(signing_secret=SIGNING_SECRET, host_name="Northwind Supply")
    await emulator.start()
    yield emulator
    await emulator.stop()
    emulator.assert_no_violations()


@pytest.fixture
async def bolt(emu: SlackEmulator) -> AsyncIterator[AsyncApp]:
    """A real bolt AsyncApp served on a loopback port, with the emulator delivering to it."""
    app = AsyncApp(signing_secret=emu.signing_secret, client=client_for(emu))
    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    emu.bot_url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    yield app
    await emu.idle()
    await runner.cleanup()
