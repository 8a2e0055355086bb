"""The channel, message and view methods keep state the way Slack does."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.emulator import SlackEmulator

from .helpers import client_for


async def _error(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


async def test_managing_a_channel(emu: SlackEmulator) -> None:
    client = client_for(emu)
    retail = emu.add_org("Retail Co")
    ann = emu.add_user(emu.host, "ann")
    bob = emu.add_user(retail, "bob")
    channel = emu.create_channel("retail-co", members=[bob], shared_with=[retail])

    await client.conversations_invite(channel=channel.id, users=ann.id)
    assert await _error(client.conversations_invite(channel=channel.id, users=ann.id)) == "already_in_channel"
    assert await _error(client.conversations_invite(channel=channel.id, users=bob.id)) == "cant_invite"
    await client.conversations_setTopic(channel=channel.id, topic="November statement")
    await client.conversations_setPurpose(channel=channel.id, purpose="AR reconciliation")
    await client.conversations_rename(channel=channel.id, name="retail-co-ar")
    card = await client.chat_postMessage(channel=channel.id, text="Turn 1")
    await client.pins_add(channel=channel.id, timestamp=card["ts"])
    assert await _error(client.pins_add(channel=channel.id, timestamp=card["ts"])) == "already_pinned"
    await client.bookmarks_add(channel_id=channel.id, title="Archive", type="link", link="https://example.com/a")
    link = await client.chat_getPermalink(channel=channel.id, message_ts=card["ts"])
    await client.conversations_kick(channel=channel.id, user=ann.id)

    info = (await client.conversations_info(channel=channel.id, include_num_members=True))["channel"]
    assert (info["name"], info["topic"]["value"], info["purpose"]["value"]) == (
        "retail-co-ar",
        "November statement",
        "AR reconciliation",
    )
    assert info["previous_names"] == ["retail-co"] and info["num_members"] == 2
    assert [m.text for m in channel.pins] == ["Turn 1"]
    assert channel.bookmarks[0]["title"] == "Archive"
    assert link["permalink"].endswith(f"/archives/{channel.id}/p{card['ts'].replace('.', '')}")
    assert ann.messages(channel) == []  # kicked: she no longer sees the channel
    assert [m.text for m in bob.messages(channel)] == ["Turn 1"]
    system = [m.subtype for m in bob.messages(channel, include_system=True) if m.is_system]
    assert system == ["channel_join", "channel_topic", "channel_purpose", "channel_name", "channel_leave"]


async def test_messages_update_delete_ephemeral_and_dms(emu: SlackEmulator) -> None:
    client = client_for(emu)
    ann = emu.add_user(emu.host, "ann")
    retail = emu.add_org("Retail Co")
    bob = emu.add_user(retail, "bob")
    channel = emu.create_channel("retail-co", members=[ann, bob], shared_with=[retail])
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Turn 1* · Northwind's turn"}}]

    card = await client.chat_postMessage(channel=channel.id, text="Turn 1", blocks=blocks)
    await client.chat_update(channel=channel.id, ts=card["ts"], text="Turn 2")
    [shown] = ann.messages(channel)
    assert shown.ts == card["ts"] and shown.text == "Turn 2" and shown.edited is not None
    assert "Northwind's turn" in shown.content  # blocks kept when chat.update omits them

    await client.chat_postEphemeral(channel=channel.id, user=ann.id, text="Only you")
    assert [e.text for e in ann.ephemerals(channel)] == ["Only you"] and bob.ephemerals(channel) == []

    dm = await client.conversations_open(users=ann.id)
    await client.chat_postMessage(channel=dm["channel"]["id"], text="Request #2 is due tomorrow")
    assert [m.text for m in ann.dms()] == ["Request #2 is due tomorrow"]
    assert await _error(client.conversations_open(users=bob.id)) == "user_not_visible"

    await client.chat_delete(channel=channel.id, ts=card["ts"])
    assert ann.messages(channel) == []
    mine = await ann.post(channel, "thanks")
    assert await _error(client.chat_update(channel=channel.id, ts=mine.ts, text="x")) == "cant_update_message"


async def test_views_push_update_and_hash_conflicts(emu: SlackEmulator, bolt: AsyncApp) -> None:
    client = client_for(emu)
    ann = emu.add_user(emu.host, "ann")
    channel = emu.create_channel("statements", members=[ann])
    result = await ann.slash("/nothing", channel=channel)  # no listener: bolt answers 404
    assert result.error == "dispatch_failed"
    assert [v.kind for v in emu.violations] == ["not_acknowledged"]
    emu.violations.clear()
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Request document"},
        "submit": {"type": "plain_text", "text": "File"},
        "blocks": [
            {
                "type": "input",
                "block_id": "ref",
                "label": {"type": "plain_text", "text": "Reference"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }

    opened = (await client.views_open(trigger_id=str(result.trigger_id), view=modal))["view"]
    await ann.fill({"Reference": "INV-1001"})
    updated = (await client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal))["view"]
    assert updated["state"]["values"]["ref"]["value"]["value"] == "INV-1001"  # typed text survives
    stale = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)
    assert await _error(stale) == "hash_conflict"


async def test_an_invitation_declined(emu: SlackEmulator, bolt: AsyncApp) -> None:
    declined: list[dict[str, Any]] = []

    @bolt.event("shared_channel_invite_declined")
    async def on_declined(event: dict[str, Any]) -> None:
        declined.append(event)

    retail = emu.add_org("Retail Co")
    bob = emu.add_user(retail, "bob")
    channel = emu.create_channel("retail-co")
    client = client_for(emu)
    assert await _error(client.conversations_inviteShared(channel=channel.id, emails="nope")) == "invalid_email"
    two = ["a@retail-co.example", "b@retail-co.example"]
    assert await _error(client.conversations_inviteShared(channel=channel.id, emails=two)) == "too_many_emails"
    assert [v.kind for v in emu.violations] == ["too_many_emails"]
    emu.violations.clear()
    invited = await client.conversations_inviteShared(
        channel=channel.id, emails=bob.user.email or "", external_limited=False
    )

    await emu.decline_invite(invited["invite_id"], by=bob)

    await emu.wait_for(lambda: declined)
    assert declined[0]["declining_team_id"] == retail.team_id
    info = (await client.conversations_info(channel=channel.id))["channel"]
    assert info["is_ext_shared"] is False and info["is_pending_ext_shared"] is False


async def test_a_button_in_a_modal_pushes_a_second_one(emu: SlackEmulator, bolt: AsyncApp) -> None:
    def modal(title: str, callback_id: str) -> dict[str, Any]:
        return {
            "type": "modal",
            "callback_id": callback_id,
            "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": "OK"},
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "more",
                            "text": {"type": "plain_text", "text": "Add people"},
                        }
                    ],
                }
            ],
        }

    @bolt.command("/turn")
    async def turn(ack: Any, command: dict[str, str], client: Any) -> None:
        await ack()
        await client.views_open(trigger_id=command["trigger_id"], view=modal("Collaboration", "collab"))

    @bolt.action("more")
    async def more(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        await client.views_push(trigger_id=body["trigger_id"], view=modal("Add people", "people"))

    @bolt.view("people")
    async def people(ack: Any) -> None:
        await ack()

    ann = emu.add_user(emu.host, "ann")
    await ann.slash("/turn", "new", channel=emu.create_channel("statements", members=[ann]))
    await emu.wait_for(lambda: ann.modal)
    await ann.click("Add people", in_modal=True)
    pushed = await emu.wait_for(lambda: ann.modal and ann.modal.callback_id == "people" and ann.modal)
    assert pushed and pushed.previous_view_id == emu.state.modal_stacks[ann.id][0].id

    assert await ann.submit() is None
    assert ann.modal is not None and ann.modal.callback_id == "collab"  # back to the one below
