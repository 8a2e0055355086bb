"""Helpers shared by the emulator's tests."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def client_for(emu: SlackEmulator, **kwargs: Any) -> AsyncWebClient:
    """A Web API client pointed at the emulator, as Baton builds its own from SLACK_API_URL."""
    return AsyncWebClient(token=emu.bot_token, base_url=emu.api_url, **kwargs)
