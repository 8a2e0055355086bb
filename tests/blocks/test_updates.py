"""The turn update (the one message that mentions people), a newcomer's read-in, and `/turn status`."""

from __future__ import annotations

import re

from bot.blocks.text import escape
from bot.blocks.updates import SUMMARY_LINES_MAX, read_in, status, turn_update
from models.collaborations import CollaborationStatus, TurnEnd
from models.flows.views import PersonView
from models.sides import Role, Side
from tests.blocks.support import (
    ALEX,
    HOSTILE,
    HOSTILE_ESCAPED,
    JO,
    PAT,
    RAE,
    SAM,
    assert_only_tokens,
    collab,
    crowd,
    labels,
    message_dicts,
    shown,
    texts,
    turn,
)

GUESTS = [PAT.user_id, SAM.user_id, RAE.user_id]


def test_a_pass_names_who_passed_quotes_the_message_lists_changes_and_mentions_the_other_side() -> None:
    text, blocks = turn_update(collab(), turn())
    dicts = message_dicts(blocks)
    seen = shown(dicts)
    assert "Alex Kim (Acme) passed Turn 1 to Retail Co" in seen
    assert ">Statement attached; please review." in seen
    assert "*What changed*\n• Uploaded statement-2026-11.pdf" in seen
    assert "It's Retail Co's turn now (Turn 2)" in seen
    # Every participant of the other side is pinged, followers too; no one on the passing side.
    assert_only_tokens(dicts, users=GUESTS)
    mentioned = re.findall(r"<@(\w+)>", seen)
    assert sorted(mentioned) == sorted(GUESTS)
    # The notification text carries the mentions and the start of the message.
    assert text.startswith("Alex Kim (Acme) passed Turn 1 to Retail Co: Statement attached")
    assert all(f"<@{u}>" in text for u in GUESTS)
    assert ALEX.user_id not in text and JO.user_id not in text


def test_the_message_and_summary_are_shown_literally() -> None:
    text, blocks = turn_update(collab(), turn(message=f"{HOSTILE}\n> not a quote", summary=(HOSTILE,)))
    dicts = message_dicts(blocks)
    assert_only_tokens(dicts, users=GUESTS)
    mrkdwn = "\n".join(texts(dicts))
    assert f">{HOSTILE_ESCAPED}\n>&gt; not a quote" in mrkdwn
    assert f"• {HOSTILE_ESCAPED}" in mrkdwn
    assert "<!channel>" not in text and "<https://" not in text and "<@U0SPOOF>" not in text


def test_a_long_hostile_message_is_split_whole_across_sections() -> None:
    message = ("&<>" * 400 + "\n") * 3 + "end"
    _, blocks = turn_update(collab(), turn(message=message))
    dicts = message_dicts(blocks)
    quoted = [t for t in texts(dicts) if t.startswith(">")]
    assert len(quoted) > 1
    assert all(len(t) <= 3000 for t in quoted)
    # Read back, the pieces are the whole message, escaped, nothing lost or cut inside an entity.
    lines = "\n".join(quoted).split("\n")
    rebuilt = [line[1:] for line in lines]
    assert "".join(rebuilt) == escape(message.replace("\n", ""))


def test_a_long_summary_is_counted_past_the_list_limit() -> None:
    summary = tuple(f"Uploaded invoice-{i}.pdf " + "x" * 280 for i in range(SUMMARY_LINES_MAX + 150))
    _, blocks = turn_update(collab(), turn(summary=summary))
    dicts = message_dicts(blocks)
    seen = shown(dicts)
    assert "…and 150 more changes" in seen
    assert seen.count("• Uploaded invoice-") == SUMMARY_LINES_MAX


def test_a_skip_without_message_has_no_quote() -> None:
    _, blocks = turn_update(collab(), turn(end=TurnEnd.SKIPPED, message=None, summary=()))
    dicts = message_dicts(blocks)
    seen = shown(dicts)
    assert "Alex Kim (Acme) skipped Turn 1: nothing to send. Over to Retail Co" in seen
    assert not [t for t in texts(dicts) if t.startswith(">")]
    assert "What changed" not in seen


def test_a_sign_off_that_hands_over_asks_the_other_side_to_sign_off_too() -> None:
    view = collab(signed_off={Side.HOST: ALEX})
    message = "Acme signed off. Over to Retail Co: sign off too to wrap up, or pass the turn back with an update."
    _, blocks = turn_update(view, turn(end=TurnEnd.SIGNED_OFF, message=message, summary=()))
    seen = shown(message_dicts(blocks))
    assert ":white_check_mark: Acme signed off (Alex Kim)*" in seen
    assert "sign off too, or pass it back" in seen
    assert f"<@{PAT.user_id}>" in seen


def test_a_sign_off_that_wraps_up_pings_no_one() -> None:
    view = collab(status=CollaborationStatus.WRAPPED_UP, turn_number=3, signed_off={Side.HOST: ALEX, Side.GUEST: PAT})
    text, blocks = turn_update(view, turn(3, Side.GUEST, end=TurnEnd.SIGNED_OFF, message="Wrapped up.", by=PAT))
    dicts = message_dicts(blocks)
    assert_only_tokens(dicts)
    assert "<@" not in text


def test_a_pass_before_the_retailer_joined_says_they_will_be_told() -> None:
    _, blocks = turn_update(collab(participants={Side.HOST: (ALEX,), Side.GUEST: ()}), turn())
    dicts = message_dicts(blocks)
    assert "Retail Co will be told it's their turn when they join the channel." in shown(dicts)
    assert_only_tokens(dicts)


def test_only_real_user_ids_are_mentioned() -> None:
    odd = PersonView("U0OK>&<!channel", "Odd", Side.GUEST, Role.CONTRIBUTOR)
    _, blocks = turn_update(collab(participants={Side.HOST: (ALEX,), Side.GUEST: (PAT, odd)}), turn())
    assert_only_tokens(message_dicts(blocks), users=[PAT.user_id])


def test_forty_people_are_all_mentioned() -> None:
    guests = crowd(40, Side.GUEST)
    _, blocks = turn_update(collab(participants={Side.HOST: (ALEX,), Side.GUEST: guests}), turn())
    seen = shown(message_dicts(blocks))
    assert all(f"<@{p.user_id}>" in seen for p in guests)


def test_read_in_welcomes_the_newcomer_with_whose_turn_the_note_and_the_last_update() -> None:
    text, blocks = read_in(collab(note=HOSTILE, drafts=4), SAM.user_id)
    dicts = message_dicts(blocks)
    seen = shown(dicts)
    assert f"Welcome, <@{SAM.user_id}>!" in seen
    assert "You're a contributor for Retail Co." in seen
    assert "Turn 2 · Retail Co's turn" in seen
    assert HOSTILE_ESCAPED in seen
    assert "Turn 1 passed by Alex Kim (Acme)" in seen
    assert "draft" not in seen.lower()
    assert labels(dicts) == []  # the card has the buttons
    assert_only_tokens(dicts, users=[SAM.user_id])
    assert "<" not in text


def test_read_in_for_someone_without_a_role_yet() -> None:
    _, blocks = read_in(collab(last_update=None), "U0NEWBIE")
    seen = shown(message_dicts(blocks))
    assert "You're a" not in seen and "Latest update" not in seen


def test_status_is_the_card_plus_the_viewers_drafts() -> None:
    text, blocks = status(collab(drafts=3))
    dicts = message_dicts(blocks)
    assert "Your side has 3 drafts to be sent with the next update" in shown(dicts)
    assert labels(dicts) == [
        "Pass turn",
        "Skip turn",
        "Request document",
        "Upload",
        "Add people",
        "Sign off",
        "History",
        "Download archive",
    ]
    assert text == "Retail Co — November 2026 statement · Turn 2 · Retail Co's turn"
    _, blocks = status(collab(drafts=0))
    assert "Nothing of your side's is waiting to be sent." in shown(message_dicts(blocks))
    _, blocks = status(collab(drafts=None))
    assert "draft" not in shown(message_dicts(blocks)).lower()
