"""DESIGN §1 steps 1, 2 and 5 through Slack: a host user with /turn and buttons, a guest with buttons only."""

from __future__ import annotations

from models.history import verify_chain
from tests.collaborations import helpers
from tests.harness import Harness


async def test_the_month_from_start_to_wrap_up(harness: Harness) -> None:
    h, alice, bob = harness, harness.alice, harness.bob

    # 1. The distributor starts the collaboration; the card is posted and pinned for both sides.
    card = await helpers.start(h)
    assert helpers.TITLE in card.content and "Turn 1" in card.content
    assert "Northwind Distribution" in card.content
    assert set(card.buttons) >= {"Pass turn", "Skip turn", "Add people", "Sign off"}
    assert bob.messages(h.channel)[-1].ts == card.ts or card.ts in [m.ts for m in bob.messages(h.channel)]

    # The retailer cannot run /turn: Slack says so, and nothing changes.
    answer = await bob.slash("/turn", "status", channel=h.channel)
    assert not answer.ok

    # 2. The host passes the turn with an update; the retailer is mentioned and the card says so.
    await helpers.pass_turn(h, alice, "Here is the November statement. Please review by the 10th.")
    (update,) = helpers.updates(h)
    assert "Here is the November statement" in update.content
    assert f"<@{bob.id}>" in update.text or f"<@{bob.id}>" in update.content
    card = helpers.card(h)
    assert "Turn 2" in card.content and "Retail Co's turn" in card.content

    # The guest, who only has buttons, passes back.
    await helpers.pass_turn(h, bob, "Reviewed. Two invoices need proof; see requests.")
    assert len(helpers.updates(h)) == 2
    assert "Turn 3" in helpers.card(h).content

    # 5. Both sign off: the host first (the turn goes over), then the guest: wrapped up.
    await alice.click("Sign off", message=helpers.card(h))
    await h.settle()
    card = helpers.card(h)
    assert "Turn 4" in card.content and "Retail Co's turn" in card.content
    await bob.click("Sign off", message=card)
    await h.settle()
    card = helpers.card(h)
    assert "wrapped up" in card.content.lower()
    assert card.buttons == ["Reopen", "History", "Download archive"]

    events = await helpers.chain(h)
    assert verify_chain(events) == []
    assert events[0].kind == "collaboration_started" and events[-1].kind == "wrapped_up"
