"""Steps of DESIGN §1 as people take them in Slack, for the collaboration tests."""

from __future__ import annotations

from bot.emulator import Person
from bot.emulator.state import Channel, Message
from models.history import events_of
from models.use_cases import active_in_channel, latest_in_channel
from tests.harness import Harness

TITLE = "Retail Co — November 2026 statement"


def card(h: Harness, channel: Channel | None = None) -> Message:
    """The collaboration's card: the pinned message of Baton's in the channel."""
    pinned = [m for m in h.alice.messages(channel or h.channel) if m.bot_id and m.pinned]
    assert len(pinned) == 1, f"expected one pinned card, found {len(pinned)}"
    return pinned[0]


def updates(h: Harness) -> list[Message]:
    """Baton's turn updates in the channel (not the card)."""
    return [m for m in h.alice.messages(h.channel) if m.bot_id and not m.pinned]


async def start(h: Harness, *, by: Person | None = None, note: str = "November statement attached.") -> Message:
    """The distributor starts the month's collaboration with the retailer's contact in this channel."""
    by = by or h.alice
    await by.slash("/turn", "new", channel=h.channel)
    await h.emu.wait_for(lambda: by.modal)
    await by.fill({"Title": TITLE, "Retailer": "Retail Co", "Note": note, "Retailer's contact in this channel": h.bob})
    assert await by.submit() is None, by.modal_errors
    await h.settle()
    return card(h)


async def pass_turn(h: Harness, person: Person, message: str) -> None:
    """Pass with the card's button and the modal, as a person of either organisation can."""
    result = await person.click("Pass turn", message=card(h))
    assert result.ok, result
    await h.emu.wait_for(lambda: person.modal, message=f"{person.name} sees the pass modal")
    label = next(b["label"]["text"] for b in person.modal.blocks if b.get("type") == "input")
    await person.fill({label: message})
    errors = await person.submit()
    assert errors is None, errors
    await h.settle()


async def collaboration_id(h: Harness, channel: Channel | None = None) -> int:
    channel_id = (channel or h.channel).id
    async with h.baton.deps.sessions() as session:
        c = await active_in_channel(session, channel_id) or await latest_in_channel(session, channel_id)
    assert c is not None
    return c.id


async def chain(h: Harness) -> list:  # type: ignore[type-arg]
    async with h.baton.deps.sessions() as session:
        return list(await events_of(session, await collaboration_id(h)))
