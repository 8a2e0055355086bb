"""People join, are added and invited; the Home tab and status show where things stand."""

from __future__ import annotations

from sqlalchemy import select

from models.collaborations import Collaboration, InviteStatus, Participant
from models.sides import Role, Side
from tests.collaborations import helpers
from tests.harness import Harness


async def participants(h: Harness) -> dict[str, tuple[Side, Role, bool]]:
    async with h.baton.deps.sessions() as session:
        return {p.user_id: (p.side, p.role, p.active) for p in await session.scalars(select(Participant))}


async def test_add_people_through_the_modal_and_a_newcomer_gets_a_read_in(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await helpers.pass_turn(h, h.alice, "November statement attached.")
    dan = h.emu.add_user(h.emu.host, "dan", real_name="Dan Shipping")  # not in the channel yet
    await h.alice.click("Add people", message=helpers.card(h))
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill({"People": [dan], "Their role": "Contributor"})
    assert await h.alice.submit() is None
    await h.settle()
    assert dan.id in [m for m in h.emu.channel(h.channel.id).members]
    assert (await participants(h))[dan.id] == (Side.HOST, Role.CONTRIBUTOR, True)
    read_in = dan.ephemerals(h.channel)
    assert read_in and "Turn 2" in read_in[-1].content and "November statement attached." in read_in[-1].content

    # The retailer brings a colleague in through Slack itself: a contributor of the guest side.
    erin = h.emu.add_user(h.bob.org, "erin", real_name="Erin Receiving")
    await erin.join(h.channel)
    await h.settle()
    assert (await participants(h))[erin.id] == (Side.GUEST, Role.CONTRIBUTOR, True)
    assert "Retail Co's turn" in erin.ephemerals(h.channel)[-1].content


async def test_a_new_channel_with_an_email_invite_picks_up_the_retailer_when_they_accept(harness: Harness) -> None:
    h = harness
    lobby = h.emu.create_channel("ar-team", members=[h.alice])
    await h.alice.slash("/turn", "new", channel=lobby)
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill(
        {
            "Title": "Shop Ltd — November 2026 statement",
            "Retailer": "Shop Ltd",
            "Where it lives": "A new channel",
            "Or the contact's email, to invite them": "pat@shop-ltd.example",
        }
    )
    assert await h.alice.submit() is None
    await h.settle()
    created = h.emu.channel("shop-ltd-november-2026-statement")
    assert h.alice.id in created.members
    (invite,) = h.emu.invites
    assert invite.email == "pat@shop-ltd.example" and invite.external_limited is False
    card = helpers.card(h, created)
    assert "Shop Ltd" in card.content and "invited" in card.content.lower()

    shop = h.emu.add_org("Shop Ltd")
    pat = h.emu.add_user(shop, "pat", real_name="Pat Lee", email="pat@shop-ltd.example")
    await h.emu.accept_invite(invite, by=pat)
    await h.settle()
    async with h.baton.deps.sessions() as session:
        c = await session.scalar(select(Collaboration).where(Collaboration.channel_id == created.id))
    assert c is not None and c.invite_status is InviteStatus.ACCEPTED and c.guest_team_key == shop.team_id
    assert (await participants(h))[pat.id] == (Side.GUEST, Role.LEADER, True)
    assert "Pat Lee" in helpers.card(h, created).content


async def test_a_refused_invitation_is_explained_to_the_person_who_started(harness: Harness) -> None:
    h = harness
    h.emu.fail_next("conversations.inviteShared", error="not_paid")
    lobby = h.emu.create_channel("ar-team", members=[h.alice])
    await h.alice.slash("/turn", "new", channel=lobby)
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill(
        {
            "Title": "Shop Ltd — November",
            "Retailer": "Shop Ltd",
            "Where it lives": "A new channel",
            "Or the contact's email, to invite them": "pat@shop-ltd.example",
        }
    )
    assert await h.alice.submit() is None
    await h.settle()
    (dm,) = h.alice.dms()
    assert "paid Slack plan" in dm.text and "pat@shop-ltd.example" in dm.text


async def test_home_tab_shows_your_turn_then_waiting_on_them(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await h.alice.open_home()
    await h.settle()
    home = h.alice.home
    assert home is not None and "Your turn" in home.content and helpers.TITLE in home.content
    assert "Pass turn" in home.buttons

    await h.alice.click("Pass turn", in_home=True)
    await h.emu.wait_for(lambda: h.alice.modal)
    label = next(b["label"]["text"] for b in h.alice.modal.blocks if b.get("type") == "input")
    await h.alice.fill({label: "From the Home tab."})
    assert await h.alice.submit() is None
    await h.settle()
    home = h.alice.home
    assert home is not None
    waiting = home.content.split("Waiting on them", 1)[1]
    assert helpers.TITLE in waiting


async def test_status_is_the_default_subcommand_and_help_lists_the_rest(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    result = await h.alice.slash("/turn", "", channel=h.channel)
    assert "Turn 1" in (result.text or "") + str(result.blocks)
    result = await h.alice.slash("/turn", "help", channel=h.channel)
    for sub in ("status", "new", "pass", "skip", "add", "remove", "done", "reopen", "help"):
        assert f"/turn {sub}" in (result.text or "")


async def test_the_global_shortcut_starts_a_collaboration_in_a_chosen_channel(harness: Harness) -> None:
    h = harness
    await h.alice.shortcut("start_collaboration")
    await h.emu.wait_for(lambda: h.alice.modal)
    await h.alice.fill(
        {
            "Title": helpers.TITLE,
            "Retailer": "Retail Co",
            "Channel": h.channel,
            "Retailer's contact in this channel": h.bob,
        }
    )
    assert await h.alice.submit() is None
    await h.settle()
    assert helpers.TITLE in helpers.card(h).content
