"""People use a real bolt app through the emulator: modals filled and submitted, buttons clicked by label."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import NotFound, Person, SlackEmulator

PASS_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "pass_turn",
    "private_metadata": '{"collab": 7}',
    "title": {"type": "plain_text", "text": "Pass turn"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "message",
            "label": {"type": "plain_text", "text": "Update message"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "due",
            "optional": True,
            "label": {"type": "plain_text", "text": "Due date"},
            "element": {"type": "datepicker", "action_id": "date"},
        },
        {
            "type": "input",
            "block_id": "contact",
            "label": {"type": "plain_text", "text": "Retailer contact"},
            "element": {"type": "users_select", "action_id": "user"},
        },
        {
            "type": "input",
            "block_id": "category",
            "label": {"type": "plain_text", "text": "Category"},
            "element": {
                "type": "static_select",
                "action_id": "pick",
                "options": [
                    {
                        "text": {"type": "plain_text", "text": "Proof of delivery"},
                        "value": "proof_of_delivery",
                    },
                    {"text": {"type": "plain_text", "text": "Credit memo"}, "value": "credit_memo"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "files",
            "optional": True,
            "label": {"type": "plain_text", "text": "Files"},
            "element": {"type": "file_input", "action_id": "upload", "max_files": 3},
        },
    ],
}


def _card(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": "card",
            "elements": [
                {
                    "type": "button",
                    "action_id": "pass",
                    "value": "7",
                    "text": {"type": "plain_text", "text": "Pass turn"},
                },
                {
                    "type": "button",
                    "action_id": "skip",
                    "value": "7",
                    "text": {"type": "plain_text", "text": "Skip turn"},
                },
            ],
        },
    ]


@pytest.fixture
def turn_app(bolt: AsyncApp) -> dict[str, list[Any]]:
    """Listeners shaped like Baton's handlers: ack, parse, act, render."""
    seen: dict[str, list[Any]] = {"submissions": [], "clicks": []}

    @bolt.command("/turn")
    async def turn(ack: AsyncAck, command: dict[str, str], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=command["trigger_id"], view=PASS_MODAL)

    @bolt.view("pass_turn")
    async def pass_turn(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        text = view["state"]["values"]["message"]["text"]["value"]
        if len(text) < 5:
            await ack(response_action="errors", errors={"message": "Say a little more"})
            return
        await ack()
        seen["submissions"].append(body)
        channel = seen.setdefault("channel", [])[0]
        await client.chat_postMessage(channel=channel, text=f"Turn passed: {text}", blocks=_card(f"*Turn 2* {text}"))

    @bolt.action("pass")
    async def pass_clicked(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        seen["clicks"].append(body)
        await respond(f"<@{body['user']['id']}>, it is not your turn.")

    @bolt.event("message")
    async def on_message() -> None:
        pass

    return seen


async def test_fill_and_submit_a_modal_with_errors_then_click_a_button(
    emu: SlackEmulator, turn_app: dict[str, list[Any]]
) -> None:
    retail = emu.add_org("Retail Co")
    ann = emu.add_user(emu.host, "ann")
    bob = emu.add_user(retail, "bob")
    channel = emu.create_channel("retail-co", members=[ann, bob], shared_with=[retail])
    turn_app["channel"] = [channel.id]

    await ann.slash("/turn", "pass", channel=channel)
    modal = await emu.wait_for(lambda: ann.modal)
    assert modal is not None and modal.title == "Pass turn"

    statement = await ann.upload_for_input("statement.pdf", b"%PDF-1.7 november")
    await ann.fill(
        {
            "Update message": "Hi",
            "Retailer contact": bob,
            "Category": "Proof of delivery",
            "Files": [statement],
        }
    )
    assert await ann.submit() == {"message": "Say a little more"}
    assert ann.modal is modal and ann.modal_errors == {"message": "Say a little more"}

    await ann.fill({"Update message": "November statement attached", "Due date": "2026-12-10"})
    assert await ann.submit() is None
    assert ann.modal is None

    card = (await emu.wait_for(lambda: bob.messages(channel)))[-1]  # posted after the submission was read
    [submission] = turn_app["submissions"]
    values = submission["view"]["state"]["values"]
    assert values["contact"]["user"] == {"type": "users_select", "selected_user": bob.id}
    assert values["category"]["pick"]["selected_option"]["value"] == "proof_of_delivery"
    assert values["due"]["date"]["selected_date"] == "2026-12-10"
    assert [f["id"] for f in values["files"]["upload"]["files"]] == [statement.id]
    assert submission["view"]["private_metadata"] == '{"collab": 7}'
    assert submission["view"]["app_installed_team_id"] == emu.host.team_id

    assert card.text == "Turn passed: November statement attached"
    await bob.click("Pass turn", message=card)
    reply = await emu.wait_for(lambda: bob.ephemerals(channel))
    assert reply[0].text == f"<@{bob.id}>, it is not your turn."
    assert ann.ephemerals(channel) == []
    [click] = turn_app["clicks"]
    assert click["user"]["team_id"] == retail.team_id  # the guest acts from their own organization
    assert click["actions"][0]["value"] == "7"
    assert click["container"]["message_ts"] == card.ts


async def test_slack_checks_required_inputs_before_the_bot_sees_anything(
    emu: SlackEmulator, turn_app: dict[str, list[Any]]
) -> None:
    ann = emu.add_user(emu.host, "ann")
    channel = emu.create_channel("statements", members=[ann])

    await ann.slash("/turn", "pass", channel=channel)
    await emu.wait_for(lambda: ann.modal)
    await ann.fill({"Update message": "Here it is"})
    errors = await ann.submit()

    assert errors is not None and set(errors) == {"contact", "category"}
    assert turn_app["submissions"] == []
    with pytest.raises(NotFound, match="no input labelled 'Amount'"):
        await ann.fill({"Amount": "12"})
    with pytest.raises(NotFound, match="no option labelled 'Invoice'"):
        await ann.fill({"Category": "Invoice"})


async def test_click_finds_buttons_by_label_only_when_unambiguous(emu: SlackEmulator, bolt: AsyncApp) -> None:
    ann = emu.add_user(emu.host, "ann")
    channel = emu.create_channel("statements", members=[ann])
    client = AsyncWebClient(token=emu.bot_token, base_url=emu.api_url)
    twice = [*_card("one"), {**_card("two")[1], "block_id": "again"}]
    await client.chat_postMessage(channel=channel.id, text="card", blocks=twice)
    card = ann.messages(channel)[-1]

    with pytest.raises(NotFound, match="ambiguous"):
        await ann.click("Pass turn", message=card)
    with pytest.raises(NotFound, match="Skip turn"):
        await ann.click("Reopen", message=card)


async def test_a_guest_cannot_run_the_hosts_slash_command(emu: SlackEmulator, bolt: AsyncApp) -> None:
    retail = emu.add_org("Retail Co")
    bob = emu.add_user(retail, "bob")
    channel = emu.create_channel("retail-co", members=[bob], shared_with=[retail])

    result = await bob.slash("/turn", "status", channel=channel)

    assert result.error == "not_a_command" and not result.ok
    assert "/turn is not a valid command" in bob.ephemerals(channel)[0].text
    assert emu.deliveries == []


async def test_home_tab_opened_published_and_clicked(emu: SlackEmulator, bolt: AsyncApp) -> None:
    clicked: list[str] = []

    @bolt.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        view = {"type": "home", "blocks": _card("Your turn: Retail Co")}
        await client.views_publish(user_id=event["user"], view=view)

    @bolt.action("skip")
    async def skip(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        clicked.append(body["container"]["type"])

    ann: Person = emu.add_user(emu.host, "ann")
    await ann.open_home()
    home_view = await emu.wait_for(lambda: ann.home)
    assert home_view is not None
    assert "Your turn: Retail Co" in home_view.blocks[0]["text"]["text"]

    await ann.click("Skip turn", in_home=True)
    assert await emu.wait_for(lambda: clicked) == ["view"]


async def test_respond_replaces_deletes_or_adds_as_slack_does(emu: SlackEmulator, bolt: AsyncApp) -> None:
    @bolt.command("/turn")
    async def turn(ack: AsyncAck, command: dict[str, str]) -> None:
        if command["text"] == "announce":
            await ack(response_type="in_channel", text="Turn 3 starts")
        else:
            await ack(text="Pick one", blocks=_card("Pick one"))

    @bolt.action("pass")
    async def replace(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text="Passed", replace_original=True)

    @bolt.action("skip")
    async def delete(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(delete_original=True)

    @bolt.event("message")
    async def on_message() -> None:
        pass

    ann = emu.add_user(emu.host, "ann")
    channel = emu.create_channel("statements", members=[ann])

    shown = await ann.slash("/turn", "announce", channel=channel)
    assert shown.message is not None and [m.text for m in ann.messages(channel)] == ["Turn 3 starts"]

    result = await ann.slash("/turn", "", channel=channel)
    assert result.ephemeral is not None and result.ephemeral.buttons == ["Pass turn", "Skip turn"]
    await ann.click("Pass turn", ephemeral=result.ephemeral)
    await emu.wait_for(lambda: ann.ephemerals(channel)[-1].text == "Passed")
    assert len(ann.ephemerals(channel)) == 1  # replaced in place, not added

    client = AsyncWebClient(token=emu.bot_token, base_url=emu.api_url)
    await client.chat_postMessage(channel=channel.id, text="card", blocks=_card("card"))
    card = ann.messages(channel)[-1]
    await ann.click("Skip turn", message=card)
    await emu.wait_for(lambda: card.deleted)
    assert [m.text for m in ann.messages(channel)] == ["Turn 3 starts"]


async def test_the_bot_can_read_files_attached_in_its_modal(emu: SlackEmulator, turn_app: dict[str, list[Any]]) -> None:
    ann = emu.add_user(emu.host, "ann")
    channel = emu.create_channel("statements", members=[ann])
    turn_app["channel"] = [channel.id]
    await ann.slash("/turn", "pass", channel=channel)
    await emu.wait_for(lambda: ann.modal)
    pod = await ann.upload_for_input("pod.pdf", b"%PDF pod")
    await ann.fill(
        {
            "Update message": "Proof attached",
            "Retailer contact": ann,
            "Category": "Credit memo",
            "Files": [pod],
        }
    )

    assert await ann.submit() is None

    await emu.wait_for(lambda: turn_app["submissions"])
    client = AsyncWebClient(token=emu.bot_token, base_url=emu.api_url)
    info = (await client.files_info(file=pod.id))["file"]
    assert (info["name"], info["size"], info["user"]) == ("pod.pdf", 8, ann.id)
