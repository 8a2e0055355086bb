"""trigger_ids expire after 3 seconds and work once, as Slack's do."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.emulator import Person, SlackEmulator

from .helpers import client_for

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "pass_turn",
    "title": {"type": "plain_text", "text": "Pass turn"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}],
}


async def _trigger(emu: SlackEmulator, bolt: AsyncApp) -> tuple[str, Person]:
    seen: list[str] = []

    @bolt.command("/turn")
    async def turn(ack: AsyncAck, command: dict[str, str]) -> None:
        seen.append(command["trigger_id"])
        await ack()

    ann = emu.add_user(emu.host, "ann")
    result = await ann.slash("/turn", "pass", channel=emu.create_channel("general", members=[ann]))
    assert result.trigger_id == seen[0]
    return seen[0], ann


async def _error(coro: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await coro
    return str(caught.value.response["error"])


async def test_an_expired_trigger_is_refused(emu: SlackEmulator, bolt: AsyncApp) -> None:
    trigger_id, ann = await _trigger(emu, bolt)
    emu.advance(3.1)

    assert await _error(client_for(emu).views_open(trigger_id=trigger_id, view=MODAL)) == "expired_trigger_id"
    assert ann.modal is None


async def test_a_trigger_opens_one_modal_only(emu: SlackEmulator, bolt: AsyncApp) -> None:
    trigger_id, ann = await _trigger(emu, bolt)
    client = client_for(emu)

    opened = await client.views_open(trigger_id=trigger_id, view=MODAL)
    assert opened["view"]["callback_id"] == "pass_turn"
    assert opened["view"]["app_installed_team_id"] == emu.host.team_id
    assert await _error(client.views_open(trigger_id=trigger_id, view=MODAL)) == "exchanged_trigger_id"
    assert await _error(client.views_open(trigger_id="12345.98765.abcdef", view=MODAL)) == "invalid_trigger_id"
    assert ann.modal is not None and ann.modal.title == "Pass turn"
