"""Over a limit the emulator answers 429 with Retry-After, and a client with a retry handler gets through."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.emulator import SlackEmulator

from .helpers import client_for


class FloatRetryAfter(AsyncRateLimitErrorRetryHandler):
    """Honours a decimal Retry-After (the builtin handler parses integers only), without jitter."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        assert response is not None
        state.next_attempt_requested = True
        value: Any = response.headers.get("Retry-After") or response.headers.get("retry-after") or ["1"]
        await asyncio.sleep(float(value[0]))
        state.increment_current_attempt()


async def test_builtin_handler_retries_after_whole_seconds_and_succeeds(emu: SlackEmulator) -> None:
    emu.enable_rate_limits(time_scale=1.0, post_burst=1)
    client = client_for(emu, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)])
    channel = emu.create_channel("statements")

    await client.chat_postMessage(channel=channel.id, text="first")
    second = await client.chat_postMessage(channel=channel.id, text="second")  # 429 once, then retried

    assert second["ok"] is True
    limited = [c for c in emu.calls_to("chat.postMessage") if c.status == 429]
    assert [c.retry_after for c in limited] == ["1"]
    assert emu.stats.ratelimited["chat.postMessage"] == 1
    assert [m.text for m in channel.messages] == ["first", "second"]


async def test_scaled_windows_send_decimal_retry_after(emu: SlackEmulator) -> None:
    emu.enable_rate_limits(time_scale=0.01)  # a Tier 2 minute lasts 0.6 s
    client = client_for(emu, retry_handlers=[FloatRetryAfter(max_retry_count=3)])

    for i in range(21):  # Tier 2 allows 20 per minute: the 21st waits
        await client.conversations_create(name=f"retail-{i}")

    limited = [c for c in emu.calls_to("conversations.create") if c.status == 429]
    assert len(limited) == 1
    assert limited[0].retry_after is not None and "." in limited[0].retry_after
    assert 0 < float(limited[0].retry_after) <= 0.6
    assert emu.state.channel_by_name("retail-20") is not None
    assert "conversations.create: 22 calls, 1 rate-limited" in emu.stats.report()


async def test_advancing_the_clock_refills_a_window(emu: SlackEmulator) -> None:
    emu.enable_rate_limits()
    client = client_for(emu, retry_handlers=[])
    for i in range(20):
        await client.conversations_create(name=f"retail-{i}")

    with pytest.raises(SlackApiError) as caught:
        await client.conversations_create(name="one-too-many")
    assert caught.value.response.status_code == 429
    assert caught.value.response["error"] == "ratelimited"
    assert int(caught.value.response.headers["Retry-After"]) <= 60

    emu.advance(60)
    assert (await client.conversations_create(name="one-too-many"))["ok"] is True


async def test_limits_are_off_by_default(emu: SlackEmulator) -> None:
    client = client_for(emu, retry_handlers=[])
    channel = emu.create_channel("statements")
    for i in range(30):
        await client.chat_postMessage(channel=channel.id, text=str(i))
    assert emu.stats.ratelimited["chat.postMessage"] == 0
