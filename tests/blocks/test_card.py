"""The card: what both organisations see, and the buttons that fit the collaboration's state."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.blocks.card import card
from bot.blocks.ids import ActionId, BlockId
from bot.blocks.metadata import CollaborationRef
from models.collaborations import CollaborationStatus, InviteStatus, TurnEnd
from models.flows.views import PersonView
from models.sides import Side
from tests.blocks.support import (
    ALEX,
    HOSTILE,
    HOSTILE_ESCAPED,
    JO,
    PAT,
    assert_only_tokens,
    buttons,
    collab,
    crowd,
    labels,
    message_dicts,
    shown,
    texts,
    turn,
)


def render(**changes: Any) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = card(collab(**changes))
    return text, message_dicts(blocks)


def test_card_shows_title_period_turn_due_and_people_by_name() -> None:
    text, blocks = render()
    seen = shown(blocks)
    assert blocks[0]["type"] == "header"
    assert "Retail Co — November 2026 statement" in blocks[0]["text"]["text"]
    assert "November 2026 statement" in seen
    assert "Turn 2 · Retail Co's turn" in seen
    assert "Due Fri 4 Dec 2026" in seen
    assert "Leaders: Alex Kim" in seen and "Contributors: Jo Park" in seen
    assert "Leaders: Pat Lee" in seen and "Followers: Rae Follow" in seen
    assert "Please reconcile by the 10th." in seen
    assert "Turn 1 passed by Alex Kim (Acme)" in seen
    assert text == "Retail Co — November 2026 statement · Turn 2 · Retail Co's turn"


def test_card_mentions_no_one_and_links_nothing() -> None:
    # The card is re-sent on every change: a mention would ping people each time.
    _, blocks = render(participants={Side.HOST: crowd(20, Side.HOST), Side.GUEST: crowd(20, Side.GUEST)})
    assert_only_tokens(blocks)
    assert "<@" not in str(blocks)


def test_active_card_offers_the_turn_buttons_to_everyone() -> None:
    _, blocks = render()
    assert labels(blocks) == [
        "Pass turn",
        "Skip turn",
        "Request document",
        "Upload",
        "Add people",
        "Sign off",
        "History",
        "Download archive",
    ]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 1 and actions[0]["block_id"] == BlockId.CARD_ACTIONS
    by_id = {b["action_id"]: b for b in buttons(blocks)}
    assert set(by_id) == {
        ActionId.PASS_TURN,
        ActionId.SKIP_TURN,
        ActionId.REQUEST_DOCUMENT,
        ActionId.UPLOAD,
        ActionId.ADD_PEOPLE,
        ActionId.SIGN_OFF,
        ActionId.HISTORY,
        ActionId.DOWNLOAD_ARCHIVE,
    }
    # Turn-ending buttons carry the turn the card showed; a stale card's click is then refused.
    for action in (ActionId.PASS_TURN, ActionId.SKIP_TURN, ActionId.SIGN_OFF):
        assert CollaborationRef.parse(by_id[action]["value"]) == CollaborationRef(7, turn=2)
    for action in (ActionId.ADD_PEOPLE, ActionId.REQUEST_DOCUMENT, ActionId.UPLOAD):
        assert CollaborationRef.parse(by_id[action]["value"]) == CollaborationRef(7)
    assert "confirm" in by_id[ActionId.SIGN_OFF]
    assert by_id[ActionId.PASS_TURN]["style"] == "primary"


def test_the_holding_side_that_signed_off_already_gets_no_sign_off_button() -> None:
    _, blocks = render(signed_off={Side.GUEST: PAT})
    assert labels(blocks) == [
        "Pass turn",
        "Skip turn",
        "Request document",
        "Upload",
        "Add people",
        "History",
        "Download archive",
    ]
    assert "Retail Co signed off (Pat Lee)" in shown(blocks)


def test_the_other_sides_sign_off_is_shown_and_sign_off_stays() -> None:
    _, blocks = render(signed_off={Side.HOST: ALEX})
    assert labels(blocks)[-3] == "Sign off"
    assert "Acme signed off (Alex Kim)" in shown(blocks)


def test_wrapped_up_card_offers_reopen_and_the_record() -> None:
    text, blocks = render(
        status=CollaborationStatus.WRAPPED_UP,
        signed_off={Side.HOST: ALEX, Side.GUEST: PAT},
        last_update=turn(3, Side.GUEST, end=TurnEnd.SIGNED_OFF, by=PAT),
    )
    assert labels(blocks) == ["Reopen", "History", "Download archive"]
    assert CollaborationRef.parse(buttons(blocks)[0]["value"]) == CollaborationRef(7)
    seen = shown(blocks)
    assert "Wrapped up" in seen and "Turn 2 ·" not in seen
    assert "Acme signed off (Alex Kim)" in seen and "Retail Co signed off (Pat Lee)" in seen
    assert text.endswith("Wrapped up")


def test_rolled_over_card_keeps_only_the_record_and_says_where_the_work_went() -> None:
    text, blocks = render(status=CollaborationStatus.ROLLED_OVER, rolled_into_id=8)
    assert labels(blocks) == ["History", "Download archive"]
    assert "Rolled over" in shown(blocks) and "next period" in shown(blocks)
    assert text.endswith("Rolled over")


def test_card_never_shows_drafts() -> None:
    _, blocks = render(drafts=5)
    assert "draft" not in shown(blocks).lower()


def test_pending_and_declined_invitations_are_said() -> None:
    _, blocks = render(invite_status=InviteStatus.PENDING, participants={Side.HOST: (ALEX, JO), Side.GUEST: ()})
    seen = shown(blocks)
    assert "invited" in seen and "No one yet" in seen
    _, blocks = render(invite_status=InviteStatus.DECLINED)
    assert "declined" in shown(blocks)


def test_hostile_text_is_shown_literally() -> None:
    hostile_turn = turn(message=HOSTILE, summary=(HOSTILE,))
    text, blocks = render(
        title=HOSTILE,
        note=HOSTILE,
        host_name="Acme <!here>",
        holder_name="Retail & Co <!everyone>",
        guest_name="Retail & Co <!everyone>",
        last_update=hostile_turn,
        participants={Side.HOST: (ALEX,), Side.GUEST: (PersonView("U0X", HOSTILE, Side.GUEST, PAT.role),)},
    )
    assert_only_tokens(blocks)
    mrkdwn = "\n".join(texts(blocks))
    assert HOSTILE_ESCAPED in mrkdwn
    assert "Retail &amp; Co &lt;!everyone&gt;" in mrkdwn
    assert "<!" not in text and HOSTILE_ESCAPED in text
    # The header is plain text: shown as typed, never parsed.
    assert blocks[0]["text"] == {"type": "plain_text", "text": HOSTILE, "emoji": False}


def test_long_title_note_message_and_forty_people_fit_slacks_limits() -> None:
    long_turn = turn(message="&" * 3000, summary=("x" * 500,) * 300)
    _, blocks = render(
        title="T" * 200,
        note="<" * 3000,
        participants={Side.HOST: crowd(40, Side.HOST), Side.GUEST: crowd(40, Side.GUEST)},
        last_update=long_turn,
        host_name="A" * 200,
        guest_name="G" * 200,
        holder_name="G" * 200,
    )
    assert len(blocks[0]["text"]["text"]) <= 150
    fields = next(b for b in blocks if "fields" in b)["fields"]
    assert all(len(f["text"]) <= 2000 for f in fields)
    assert "others" in fields[0]["text"]  # the rest are counted, not dropped silently
    assert all(len(t) <= 3000 for t in texts(blocks))
    mrkdwn = "\n".join(texts(blocks))
    assert "&amp;" in mrkdwn and "&lt;" in mrkdwn
    assert not re.search(r"&(?!amp;|lt;|gt;)", mrkdwn), "text was cut inside an entity"


@pytest.mark.parametrize("period", [None, "garbage<!channel>"])
def test_odd_periods_render_safely(period: str | None) -> None:
    _, blocks = render(period=period, due_date=None)
    assert_only_tokens(blocks)
    assert "Acme with Retail Co" in shown(blocks)
