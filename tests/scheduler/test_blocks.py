"""The scheduler's messages: what they say, whom they ping, Slack's limits, and the Snooze button's value."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.blocks import reminders
from bot.blocks.ids import ActionId
from models.flows.requests import RequestView
from models.requests import RequestCategory, RequestStatus
from models.sides import Side
from tests.blocks.support import (
    CHANNEL,
    HOSTILE,
    HOSTILE_ESCAPED,
    PAT,
    SAM,
    assert_only_tokens,
    buttons,
    collab,
    labels,
    message_dicts,
    shown,
)

KEY = "request:103:guest@2026-12-11"


def request(number: int = 3, **changes: object) -> RequestView:
    base = RequestView(
        id=100 + number,
        collaboration_id=7,
        number=number,
        label=f"#{number}",
        category=RequestCategory.PROOF_OF_DELIVERY,
        references=("INV-10442",),
        amount=Decimal("1234.50"),
        currency="USD",
        details="",
        due_date=date(2026, 12, 10),
        requester_side=Side.HOST,
        addressed_side=Side.GUEST,
        status=RequestStatus.OPEN,
        published_status=RequestStatus.OPEN,
        draft=False,
        pending=(),
        outcome=None,
        reason=None,
        fulfilments=(),
        card_ts=None,
        filed_by="U0ALEX",
        filed_at=datetime(2026, 12, 1, tzinfo=UTC),
        updated_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_the_statement_due_message_names_the_month_lists_what_is_open_and_what_was_skipped() -> None:
    view = collab(turn_number=1, holding_side=Side.HOST, holder_name="Acme")
    text, blocks = reminders.statement_due(
        account_name="Retail Co",
        period="2026-11",
        channel_id=CHANNEL,
        collaboration=view,
        opened=True,
        skipped=["2026-09", "2026-10"],
        open_requests=[request(1, label="#2026-10/1"), request(2, label="#2026-10/2", references=(HOSTILE,))],
    )
    data = message_dicts(blocks)
    words = shown(data)
    assert "The November statement is due for Retail Co" in text and "September 2026 and October 2026" in text
    assert "Baton opened “Retail Co — November 2026 statement”" in words
    assert "#2026-10/1 · Proof of delivery (POD) for INV-10442 (USD 1,234.50)" in words
    assert HOSTILE_ESCAPED in words, "references are shown as typed"
    assert "September 2026 and October 2026" in words
    assert_only_tokens(data, channels=[CHANNEL])
    assert labels(data) == ["Open channel"]


def test_without_a_collaboration_the_statement_message_says_how_to_start_one() -> None:
    text, blocks = reminders.statement_due(
        account_name=HOSTILE, period="2026-11", channel_id=CHANNEL, collaboration=None, opened=False
    )
    data = message_dicts(blocks)
    assert "`/turn new`" in shown(data) and "Hi &lt;!channel&gt; &amp; &lt;@U0SPOOF&gt;" in shown(data)
    assert "<!channel>" not in text
    assert_only_tokens(data, channels=[CHANNEL])


def test_a_reminder_in_the_channel_mentions_the_guest_side_and_can_be_snoozed() -> None:
    text, blocks = reminders.request_reminder(
        request=request(details=HOSTILE, references=()),
        collaboration=collab(),
        stage="due_soon",
        days=1,
        reminder_key=KEY,
        mention=[PAT.user_id, SAM.user_id],
    )
    data = message_dicts(blocks)
    assert text.startswith(f"<@{PAT.user_id}> <@{SAM.user_id}> Request #3")
    assert "is due tomorrow, Thu 10 Dec 2026" in shown(data)
    assert_only_tokens(data, users=[PAT.user_id, SAM.user_id])
    (snooze,) = buttons(data)
    assert (snooze["text"]["text"], snooze["action_id"]) == ("Snooze 1 day", ActionId.SNOOZE_REMINDER)
    assert reminders.parse_snooze_value(snooze["value"]) == KEY


def test_a_direct_reminder_mentions_nobody_and_says_where_the_request_is() -> None:
    text, blocks = reminders.request_reminder(
        request=request(addressed_side=Side.HOST, requester_side=Side.GUEST),
        collaboration=collab(),
        stage="overdue",
        days=3,
        reminder_key=KEY,
    )
    data = message_dicts(blocks)
    assert "is 3 days overdue (due Thu 10 Dec 2026)" in text and "from Retail Co" in text
    assert_only_tokens(data, channels=[CHANNEL])
    assert labels(data) == ["Snooze 1 day", "Open channel"]


def test_escalations_and_nudges_read_right() -> None:
    text, blocks = reminders.request_escalation(request=request(), collaboration=collab(), days=4)
    assert "is 4 days overdue: Retail Co hasn't answered it yet" in text
    assert labels(message_dicts(blocks)) == ["Open channel"]
    text, blocks = reminders.turn_nudge(collaboration=collab(), days=5, reminder_key=KEY, mention=[PAT.user_id])
    data = message_dicts(blocks)
    assert text.startswith(f"<@{PAT.user_id}> It has been Retail Co's turn for 5 business days")
    assert_only_tokens(data, users=[PAT.user_id])
    assert labels(data) == ["Snooze 1 day"]


@pytest.mark.parametrize("raw", [None, "", "[]", '{"r": 3}', '{"r": "x"}', '{"r": "a@b", "c": 1}', "{" * 3])
def test_a_snooze_value_that_names_no_reminder_is_refused(raw: str | None) -> None:
    with pytest.raises(ValueError):
        reminders.parse_snooze_value(raw)
