"""Events reach the bot as Slack sends them: what people do, the bot's own posts, retries, Slack Connect."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator

from .helpers import client_for


def _recorder(bolt: AsyncApp, *types: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for kind in types:

        @bolt.event(kind)
        async def record(body: dict[str, Any]) -> None:
            seen.append(body)

    return seen


async def test_people_posting_editing_and_deleting(emu: SlackEmulator, bolt: AsyncApp) -> None:
    seen = _recorder(bolt, "message", "app_mention")
    retail = emu.add_org("Retail Co")
    bob = emu.add_user(retail, "bob")
    channel = emu.create_channel("retail-co", members=[bob], shared_with=[retail])

    posted = await bob.post(channel, f"<@{emu.bot.id}> status please")
    await bob.edit(posted, f"<@{emu.bot.id}> status, please")
    await bob.delete(posted)
    await emu.wait_for(lambda: len(seen) == 4)

    kinds = [(b["event"]["type"], b["event"].get("subtype")) for b in seen]
    assert kinds == [("message", None), ("app_mention", None), ("message", "message_changed"),
                     ("message", "message_deleted")]  # fmt: skip
    first = seen[0]
    assert first["is_ext_shared_channel"] is True
    assert first["team_id"] == emu.host.team_id
    assert first["authorizations"][0]["user_id"] == emu.bot.id
    assert first["event"]["user_team"] == retail.team_id
    assert seen[2]["event"]["previous_message"]["text"] == f"<@{emu.bot.id}> status please"
    assert seen[2]["event"]["message"]["edited"]["user"] == bob.id
    assert seen[3]["event"]["deleted_ts"] == posted.ts
    assert bob.messages(channel) == []


async def test_the_bots_own_posts_come_back_unless_switched_off(emu: SlackEmulator, bolt: AsyncApp) -> None:
    channel = emu.create_channel("statements")
    client = client_for(emu)

    await client.chat_postMessage(channel=channel.id, text="card")
    await emu.idle()
    echoes = [d for d in emu.deliveries if d.name == "message"]
    assert len(echoes) == 1 and echoes[0].answer.status == 200  # bolt acks its own echo and skips it

    emu.echo_bot_messages = False
    await client.chat_postMessage(channel=channel.id, text="again")
    await emu.idle()
    assert len([d for d in emu.deliveries if d.name == "message"]) == 1


async def test_retries_carry_retry_headers_and_an_unhandled_event_is_reported(
    emu: SlackEmulator, bolt: AsyncApp
) -> None:
    retry_nums: list[str | None] = []

    @bolt.event("member_joined_channel")
    async def joined(request: AsyncBoltRequest) -> None:
        retry_nums.append(request.headers.get("x-slack-retry-num", [None])[0])

    channel = emu.create_channel("statements")
    event = {
        "type": "member_joined_channel",
        "user": "U0NEWPERSON",
        "channel": channel.id,
        "team": emu.host.team_id,
    }
    answers = await emu.deliver_event(event, retries=2, channel=channel)
    assert [a.status for a in answers] == [200, 200, 200]
    await emu.wait_for(lambda: len(retry_nums) == 3)
    assert sorted(retry_nums, key=lambda n: n or "0") == [None, "1", "2"]

    answers = await emu.deliver_event({"type": "pin_added", "user": "U1"})  # no listener: bolt says 404
    assert [a.status for a in answers] == [404, 404, 404, 404]  # first try and Slack's three retries
    assert [v.kind for v in emu.violations] == ["event_not_acknowledged"]
    emu.violations.clear()


async def test_subscriptions_limit_what_is_delivered(emu: SlackEmulator, bolt: AsyncApp) -> None:
    seen = _recorder(bolt, "message", "app_mention")
    emu.subscribed_events = ["app_mention"]
    ann = emu.add_user(emu.host, "ann")
    channel = emu.create_channel("statements", members=[ann])

    await ann.post(channel, "no mention here")
    await ann.post(channel, f"hi <@{emu.bot.id}>")
    await emu.wait_for(lambda: seen)

    assert [d.name for d in emu.deliveries] == ["app_mention"]
    assert [b["event"]["type"] for b in seen] == ["app_mention"]


async def test_slack_connect_invitation_accepted(emu: SlackEmulator, bolt: AsyncApp) -> None:
    seen = _recorder(
        bolt,
        "shared_channel_invite_accepted",
        "shared_channel_invite_approved",
        "channel_shared",
        "member_joined_channel",
        "message",
    )
    retail = emu.add_org("Retail Co", domain="retailco")
    bob = emu.add_user(retail, "bob", email="ap@retailco.example")
    client: AsyncWebClient = client_for(emu)
    created = await client.conversations_create(name="retail-co-statements")
    channel_id = created["channel"]["id"]

    invited = await client.conversations_inviteShared(channel=channel_id, emails=["ap@retailco.example"])
    pending = (await client.conversations_info(channel=channel_id))["channel"]
    assert pending["is_pending_ext_shared"] is True and pending["is_ext_shared"] is False
    [invite] = emu.invites
    assert invite.id == invited["invite_id"] and invite.external_limited is True

    await emu.accept_invite(invite, by=bob)
    await emu.wait_for(lambda: len([b for b in seen if b["event"]["type"] != "message"]) == 4)

    kinds = [b["event"]["type"] for b in seen if b["event"]["type"] != "message"]
    assert kinds == [
        "shared_channel_invite_accepted",
        "shared_channel_invite_approved",
        "channel_shared",
        "member_joined_channel",
    ]
    accepted = seen[0]["event"]
    assert accepted["accepting_user"]["team_id"] == retail.team_id
    assert accepted["invite"]["recipient_email"] == "ap@retailco.example"
    info = (await client.conversations_info(channel=channel_id))["channel"]
    assert info["is_ext_shared"] is True and info["is_pending_ext_shared"] is False
    assert info["connected_team_ids"] == [emu.host.team_id, retail.team_id]
    assert info["connected_limited_team_ids"] == [retail.team_id]
    assert bob.id in (await client.conversations_members(channel=channel_id))["members"]
    assert (await client.team_info(team=retail.team_id))["team"]["name"] == "Retail Co"
