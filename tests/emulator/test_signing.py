"""Requests reach a real bolt app signed as Slack signs them; forged and stale ones are refused."""

from __future__ import annotations

import json
import time

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.emulator import SlackEmulator


async def test_slash_command_reaches_bolt_and_its_ack_is_shown_to_the_user_only(
    emu: SlackEmulator, bolt: AsyncApp
) -> None:
    @bolt.command("/turn")
    async def turn(ack: AsyncAck, command: dict[str, str]) -> None:
        await ack(text=f"Help for {command['user_name']}: {command['text']}")

    ann = emu.add_user(emu.host, "ann")
    bob = emu.add_user(emu.host, "bob")
    channel = emu.create_channel("statements", members=[ann, bob])

    result = await ann.slash("/turn", "help", channel=channel)

    assert result.status == 200
    assert result.text == "Help for ann: help"
    assert [e.text for e in ann.ephemerals(channel)] == ["Help for ann: help"]
    assert bob.ephemerals(channel) == []
    assert ann.messages(channel) == []


async def test_forged_signature_and_stale_timestamp_get_401(emu: SlackEmulator, bolt: AsyncApp) -> None:
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention"}}).encode()

    status, _ = await emu.send_raw(body, "application/json", signature="v0=" + "0" * 64)
    assert status == 401

    status, _ = await emu.send_raw(body, "application/json", timestamp=int(time.time()) - 600)
    assert status == 401

    # The same body, correctly signed and fresh, passes verification (404: no listener for it).
    status, _ = await emu.send_raw(body, "application/json")
    assert status == 404
