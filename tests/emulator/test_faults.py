"""Injected faults: server errors, Slack errors, slow answers, dropped connections, outages."""

from __future__ import annotations

import time

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.emulator import UPLOAD_FAULT, SlackEmulator

from .helpers import client_for

QUICK = FixedValueRetryIntervalCalculator(fixed_internal=0.01)


async def test_http_500_for_the_next_two_calls_then_success(emu: SlackEmulator) -> None:
    channel = emu.create_channel("statements")
    emu.fail_next("chat.postMessage", n=2, status=500)
    client = client_for(
        emu, retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=QUICK)]
    )

    posted = await client.chat_postMessage(channel=channel.id, text="turn passed")

    assert posted["ok"] is True
    assert [(c.status, c.ok) for c in emu.calls_to("chat.postMessage")] == [
        (500, False),
        (500, False),
        (200, True),
    ]
    assert [m.text for m in channel.messages] == ["turn passed"]


async def test_a_500_without_a_retry_handler_reaches_the_caller(emu: SlackEmulator) -> None:
    emu.fail_next("auth.test")
    with pytest.raises(SlackApiError) as caught:
        await client_for(emu, retry_handlers=[]).auth_test()
    assert caught.value.response.status_code == 500


async def test_a_dropped_connection_is_retried_by_the_default_handler(emu: SlackEmulator) -> None:
    emu.fail_next("auth.test", reset=True)
    bare = client_for(emu, retry_handlers=[])
    with pytest.raises(aiohttp.ClientConnectionError):
        await bare.auth_test()

    emu.fail_next("auth.test", reset=True)
    default = client_for(emu, retry_handlers=[AsyncConnectionErrorRetryHandler(interval_calculator=QUICK)])
    assert (await default.auth_test())["ok"] is True


async def test_slack_errors_slow_answers_and_outages(emu: SlackEmulator) -> None:
    client = client_for(emu, retry_handlers=[])
    channel = emu.create_channel("retail-co")

    emu.fail_next("conversations.inviteShared", error="not_paid")
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_inviteShared(channel=channel.id, emails=["ap@retail.example"])
    assert caught.value.response["error"] == "not_paid"
    assert emu.invites == []

    emu.fail_next("auth.test", delay=0.2)
    started = time.monotonic()
    assert (await client.auth_test())["ok"] is True
    assert time.monotonic() - started >= 0.2

    emu.outage()
    for call in (client.auth_test(), client.chat_postMessage(channel=channel.id, text="x")):
        with pytest.raises(SlackApiError) as caught:
            await call
        assert caught.value.response.status_code == 503
    emu.recover()
    assert (await client.chat_postMessage(channel=channel.id, text="back"))["ok"] is True
    assert emu.stats.faults["auth.test"] == 2


async def test_the_upload_url_can_fail_too(emu: SlackEmulator) -> None:
    client = client_for(emu, retry_handlers=[])
    emu.fail_next(UPLOAD_FAULT, status=500)
    reserved = await client.files_getUploadURLExternal(filename="a.txt", length=3)
    async with aiohttp.ClientSession() as session:
        async with session.post(reserved["upload_url"], data=b"abc") as response:
            assert response.status == 500
        async with session.post(reserved["upload_url"], data=b"abc") as response:
            assert response.status == 200
