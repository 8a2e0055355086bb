"""Every refusal says why and who can act, and changes nothing: the card and the database stay as they were."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select

from bot.emulator.payloads import block_actions, interactive_body
from models.collaborations import Participant, Turn
from models.history import Event
from models.outbox import OutboxEntry
from tests.collaborations import helpers
from tests.harness import Harness


async def snapshot(h: Harness) -> tuple[object, ...]:
    """What a refusal must not change: the card, the channel, turns, events, people, pending posts."""
    async with h.baton.deps.sessions() as session:
        counts = tuple(
            [await session.scalar(select(func.count()).select_from(t)) for t in (Turn, Event, Participant, OutboxEntry)]
        )
        roles = tuple((p.user_id, p.role, p.active) for p in await session.scalars(select(Participant)))
    card = helpers.card(h)
    return (card.ts, card.content, len(h.alice.messages(h.channel)), counts, roles)


def last_ephemeral(person, channel) -> str:  # type: ignore[no-untyped-def]
    seen = person.ephemerals(channel)
    assert seen, f"{person.name} was told nothing"
    return seen[-1].text


async def test_the_other_side_cannot_pass_and_is_told_whose_turn_it_is(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    before = await snapshot(h)
    await h.bob.click("Pass turn", message=helpers.card(h))
    await h.settle()
    assert h.bob.modal is None
    text = last_ephemeral(h.bob, h.channel)
    assert "Northwind Distribution's turn" in text and "Alice Moreau" in text
    assert await snapshot(h) == before


async def test_a_contributor_cannot_pass_and_a_removed_person_is_not_a_participant(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    carol = h.emu.add_user(h.emu.host, "carol", real_name="Carol Shipping")
    await carol.join(h.channel)
    await h.settle()
    assert "Turn 1" in last_ephemeral(carol, h.channel), "a newcomer gets a read-in"

    before = await snapshot(h)
    await carol.click("Pass turn", message=helpers.card(h))
    await h.settle()
    assert "Only leaders" in last_ephemeral(carol, h.channel) and "Alice Moreau" in last_ephemeral(carol, h.channel)
    assert await snapshot(h) == before

    await h.alice.slash("/turn", f"remove <@{carol.id}|carol>", channel=h.channel)
    await h.settle()
    before = await snapshot(h)
    await carol.click("Skip turn", message=helpers.card(h))
    await h.settle()
    assert "not part of" in last_ephemeral(carol, h.channel)
    assert await snapshot(h) == before


async def test_a_button_pointing_at_another_channels_collaboration_is_refused(harness: Harness) -> None:
    h = harness
    other_channel = h.emu.create_channel("other-retailer", members=[h.alice, h.bob], shared_with=[h.bob.org])
    await h.alice.slash("/turn", "new", channel=other_channel)
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill(
        {"Title": "Other Co — November", "Retailer": "Other Co", "Retailer's contact in this channel": h.bob}
    )
    assert await h.alice.submit() is None
    await h.settle()
    other_id = await helpers.collaboration_id(h, other_channel)
    await helpers.start(h)
    assert await helpers.collaboration_id(h) != other_id
    # A forged click: this channel's card, but a value naming the other channel's collaboration.
    before = await snapshot(h)
    card = helpers.card(h)
    payload = block_actions(
        h.emu.app,
        h.alice.user,
        actions=[
            {
                "action_id": "pass_turn",
                "block_id": "card_actions",
                "type": "button",
                "value": json.dumps({"c": other_id, "t": 1}),
                "action_ts": "1.2",
            }
        ],
        trigger_id="1.2.3",
        container={"type": "message", "message_ts": card.ts, "channel_id": h.channel.id},
        channel=h.channel,
    )
    status, _ = await h.emu.send_raw(interactive_body(payload), "application/x-www-form-urlencoded")
    assert status == 200
    await h.settle()
    assert "no longer works" in last_ephemeral(h.alice, h.channel)
    assert await snapshot(h) == before


async def test_turn_commands_out_of_turn_are_explained_and_change_nothing(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await helpers.pass_turn(h, h.alice, "Over to you.")
    before = await snapshot(h)
    result = await h.alice.slash("/turn", "pass trying again", channel=h.channel)
    assert "Retail Co's turn" in (result.text or "") and "Bob Tran" in (result.text or "")
    result = await h.alice.slash("/turn", "done", channel=h.channel)
    assert "Retail Co's turn" in (result.text or "")
    await h.settle()
    assert await snapshot(h) == before


async def test_reopen_is_refused_while_a_later_collaboration_is_active(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await h.alice.click("Sign off", message=helpers.card(h))
    await h.settle()
    await h.bob.click("Sign off", message=helpers.card(h))
    await h.settle()
    wrapped = helpers.card(h)
    assert wrapped.buttons == ["Reopen", "History", "Download archive"]
    # December's collaboration opens in the same channel.
    await h.alice.slash("/turn", "new", channel=h.channel)
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill({"Title": "Retail Co — December 2026 statement", "Retailer's contact in this channel": h.bob})
    assert await h.alice.submit() is None
    await h.settle()
    await h.bob.click("Reopen", message=wrapped)
    await h.settle()
    assert h.bob.modal is None
    assert "still open" in last_ephemeral(h.bob, h.channel) or "December" in last_ephemeral(h.bob, h.channel)


async def test_twenty_simultaneous_pass_submissions_make_exactly_one_pass(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    carol = h.emu.add_user(h.emu.host, "carol", real_name="Carol Leader")
    await carol.join(h.channel)
    await h.settle()
    await h.alice.slash("/turn", f"add <@{carol.id}> as leader", channel=h.channel)
    await h.settle()

    for person in (h.alice, carol):
        await person.click("Pass turn", message=helpers.card(h))
        await h.emu.wait_for(lambda p=person: p.modal)
        label = next(b["label"]["text"] for b in person.modal.blocks if b.get("type") == "input")
        await person.fill({label: f"Update from {person.name}"})
    modals = [(h.alice, h.alice.modal), (carol, carol.modal)]
    interactions = h.emu.interactions
    results = await asyncio.gather(
        *(interactions.submit(person.user, modal) for person, modal in modals for _ in range(10))
    )
    await h.settle()
    assert len(helpers.updates(h)) == 1, "exactly one update announced"
    async with h.baton.deps.sessions() as session:
        ended = (await session.scalars(select(Turn).where(Turn.ended_at.is_not(None)))).all()
    assert len(ended) == 1
    assert "Turn 2" in helpers.card(h).content
    refused_in_modal = [r for r in results if r]
    told_after = [e for p in (h.alice, carol) for e in p.ephemerals(h.channel) if "already passed" in e.text]
    assert len(refused_in_modal) + len(told_after) == 19, (refused_in_modal, [e.text for e in told_after])
