"""The card survives Slack failing halfway through posting it: posted once, pinned in the end."""

from __future__ import annotations

from tests.collaborations.helpers import start, updates
from tests.harness import Harness


async def test_a_card_whose_pin_failed_is_pinned_by_the_retry_and_not_posted_twice(harness: Harness) -> None:
    # pins.add answers 500 twice: once for the call, once for the client's own retry of it.
    harness.emu.fail_next("pins.add", 2, status=500)

    card = await start(harness)  # finds exactly one pinned card of Baton's

    assert "Retail Co — November 2026 statement" in card.text
    assert updates(harness) == [], "the retry updated the card it had posted instead of posting another"
    assert len(harness.emu.calls_to("chat.postMessage")) == 1
    assert [c.status for c in harness.emu.calls_to("pins.add")] == [500, 500, 200]
