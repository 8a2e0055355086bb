"""Calls Slack would refuse are refused the same way and recorded as violations."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator

from .helpers import client_for


def _section(i: int) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"line {i}"}}


async def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    return str(caught.value.response["error"])


async def test_each_malformed_call_is_refused_and_recorded(emu: SlackEmulator) -> None:
    client = client_for(emu)
    channel = emu.create_channel("general")
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "A title well over twenty-four characters"},
        "blocks": [_section(0)],
    }

    assert await _error(client.api_call("chat.postMesage", json={"channel": channel.id})) == "unknown_method"
    assert await _error(client.api_call("chat.postMessage", json={"text": "hi"})) == "invalid_arguments"
    assert await _error(client.views_open(trigger_id="1.2.3", view=modal)) == "invalid_arguments"
    blocks = [_section(i) for i in range(51)]
    assert await _error(client.chat_postMessage(channel=channel.id, text="t", blocks=blocks)) == "invalid_blocks"

    kinds = [v.kind for v in emu.violations]
    assert kinds == ["unknown_method", "invalid_arguments", "invalid_arguments", "invalid_blocks"]
    assert "title" in emu.violations[2].message
    assert "51 blocks" in emu.violations[3].message
    assert channel.messages == []
    emu.violations.clear()


async def test_fifty_blocks_are_fine_and_an_unknown_argument_is_recorded(emu: SlackEmulator) -> None:
    client = client_for(emu)
    channel = emu.create_channel("general")

    await client.chat_postMessage(channel=channel.id, text="t", blocks=[_section(i) for i in range(50)])
    await client.chat_postMessage(channel=channel.id, text="t", unfurl_link=False)  # a typo of unfurl_links

    assert len(channel.messages) == 2  # Slack ignores unknown arguments…
    assert [str(v) for v in emu.violations] == [  # …the emulator reports them
        "[unknown_argument] chat.postMessage: `unfurl_link` is not an argument of chat.postMessage"
    ]
    emu.violations.clear()


async def test_tokens_are_checked(emu: SlackEmulator) -> None:
    no_token = AsyncWebClient(base_url=emu.api_url)
    wrong = AsyncWebClient(token="xoxb-not-ours", base_url=emu.api_url)
    app_level = AsyncWebClient(token=emu.app_token, base_url=emu.api_url)

    assert await _error(no_token.auth_test()) == "not_authed"
    assert await _error(wrong.auth_test()) == "invalid_auth"
    assert await _error(app_level.chat_postMessage(channel="C1", text="hi")) == "not_allowed_token_type"
    assert await _error(client_for(emu).apps_connections_open(app_token=emu.bot_token)) == "not_allowed_token_type"

    me = await client_for(emu).auth_test()
    assert (me["user_id"], me["bot_id"], me["team_id"]) == (emu.bot.id, emu.bot.bot_id, emu.host.team_id)
    assert me["is_enterprise_install"] is False


async def test_posting_needs_membership_and_an_existing_channel(emu: SlackEmulator) -> None:
    client = client_for(emu)
    outside = emu.create_channel("outside", with_bot=False)

    assert await _error(client.chat_postMessage(channel=outside.id, text="hi")) == "not_in_channel"
    assert await _error(client.chat_postMessage(channel="C0NOSUCHONE", text="hi")) == "channel_not_found"
    await client.conversations_join(channel=outside.id)
    posted = await client.chat_postMessage(channel=outside.id, text="hi")
    assert posted["message"]["bot_id"] == emu.bot.bot_id
    emu.archive_channel(outside)
    assert await _error(client.chat_postMessage(channel=outside.id, text="again")) == "is_archived"


async def test_channel_names_follow_slack_rules(emu: SlackEmulator) -> None:
    client = client_for(emu)

    assert await _error(client.conversations_create(name="Retail Co")) == "invalid_name_specials"
    created = await client.conversations_create(name="retail-co-2026")
    assert created["channel"]["is_member"] is True
    assert await _error(client.conversations_create(name="retail-co-2026")) == "name_taken"
    assert emu.bot.id in emu.channel("retail-co-2026").members
