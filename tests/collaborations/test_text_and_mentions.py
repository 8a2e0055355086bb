"""User text is shown as written; mentions of people work from commands; broadcasts never fire."""

from __future__ import annotations

from tests.collaborations import helpers
from tests.harness import Harness

HOSTILE = "Totals <!channel> & <@U0FAKE> see <https://evil.example|your bank> now"


async def test_modal_text_is_shown_literally_never_as_mention_or_link(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await helpers.pass_turn(h, h.alice, HOSTILE)
    (update,) = helpers.updates(h)
    raw = update.text + " ".join(str(b) for b in update.blocks)
    assert "<!channel>" not in raw and "<@U0FAKE>" not in raw and "<https://evil.example" not in raw
    assert "&lt;!channel&gt;" in raw and "&amp;" in raw and "&lt;@U0FAKE&gt;" in raw
    # The one real mention is Baton's own: the retailer, whose turn it now is.
    assert f"<@{h.bob.id}>" in raw
    assert "&lt;!channel&gt;" in helpers.card(h).content


async def test_turn_pass_at_channel_notifies_nobody_but_keeps_real_mentions(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    # With should_escape, Slack sends @channel as <!channel> and a mention as <@U…|name>.
    result = await h.alice.slash("/turn", f"pass <!channel> please, <@{h.bob.id}|bob> has the file", channel=h.channel)
    assert result.ok
    await h.settle()
    (update,) = helpers.updates(h)
    raw = update.text + " ".join(str(b) for b in update.blocks)
    assert "<!channel>" not in raw and "<!here>" not in raw
    assert "please" in raw and f"<@{h.bob.id}>" in raw


async def test_the_guest_works_through_mentions_alone(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await helpers.pass_turn(h, h.alice, "Statement attached.")
    bot = h.emu.bot.id
    await h.bob.post(h.channel, f"<@{bot}> status")
    await h.settle()
    status = h.bob.ephemerals(h.channel)[-1]
    assert "Turn 2" in status.content and "Retail Co" in status.content

    await h.bob.post(h.channel, f"<@{bot}> pass All reconciled except INV-1042.")
    await h.settle()
    assert "Turn 3" in helpers.card(h).content
    updates = helpers.updates(h)
    assert "INV-1042" in updates[-1].content and f"<@{h.alice.id}>" in updates[-1].content
    assert len(updates) == 2, "the mention is answered once, though Slack also sent it as a message event"


async def test_a_retried_mention_event_is_answered_once(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await helpers.pass_turn(h, h.alice, "Statement attached.")
    event = {
        "type": "app_mention",
        "user": h.bob.id,
        "user_team": h.bob.team_id,
        "channel": h.channel.id,
        "text": f"<@{h.emu.bot.id}> pass Looks fine.",
        "ts": "1796421100.000100",
        "event_ts": "1796421100.000100",
    }
    await h.emu.deliver_event(event, retries=2, channel=h.channel)
    await h.settle()
    assert len(helpers.updates(h)) == 2
    assert "Turn 3" in helpers.card(h).content
    assert not [e for e in h.bob.ephemerals(h.channel) if "turn" in e.text.lower()], "no refusal for the retries"
