"""The Home tab: yours to act on first, what waits on a retailer, and Slack's 100-block limit."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.blocks.home import MAX_BLOCKS, home
from bot.blocks.ids import ActionId
from bot.blocks.metadata import CollaborationRef
from models.flows.views import HomeView
from models.sides import Role
from tests.blocks.support import (
    HOSTILE,
    HOSTILE_ESCAPED,
    assert_only_tokens,
    buttons,
    home_item,
    labels,
    shown,
    view_dict,
)


def test_empty_home_says_what_baton_is_for_and_how_to_start() -> None:
    data = view_dict(home(HomeView(your_turn=(), waiting_on_them=())))
    assert data["type"] == "home"
    seen = shown(data["blocks"])
    assert "/turn new" in seen and "Slack Connect channel" in seen
    assert labels(data["blocks"]) == []


def test_your_turn_items_have_pass_turn_for_leaders_and_open_channel() -> None:
    view = HomeView(
        your_turn=(home_item(1), home_item(2, role=Role.CONTRIBUTOR)),
        waiting_on_them=(home_item(3, holder="Retail Co"),),
    )
    data = view_dict(home(view))
    blocks = data["blocks"]
    seen = shown(blocks)
    assert "*Your turn* · 2" in seen and "*Waiting on them* · 1" in seen
    assert (
        seen.index("Retailer 1") < seen.index("Retailer 2") < seen.index("Waiting on them") < seen.index("Retailer 3")
    )
    assert "November 2026 statement · Turn 2 · Acme's turn · <#C0CHAN0001> · due Fri 4 Dec 2026" in seen
    assert "Turn 2 · Retail Co's turn · <#C0CHAN0003>" in seen
    assert labels(blocks) == ["Pass turn", "Open channel", "Statement schedule", "Open channel", "Open channel"]
    found = buttons(blocks)
    assert found[0]["action_id"] == ActionId.HOME_PASS_TURN
    assert CollaborationRef.parse(found[0]["value"]) == CollaborationRef(101, turn=2)
    assert found[2]["action_id"] == ActionId.HOME_SCHEDULE
    assert CollaborationRef.parse(found[2]["value"]) == CollaborationRef(101)
    links = [b for b in found if b["action_id"] == ActionId.OPEN_CHANNEL]
    for button, channel in zip(links, ["C0CHAN0001", "C0CHAN0002", "C0CHAN0003"], strict=True):
        assert button["action_id"] == ActionId.OPEN_CHANNEL
        assert button["url"] == f"https://slack.com/app_redirect?channel={channel}"
    assert_only_tokens(blocks, channels=["C0CHAN0001", "C0CHAN0002", "C0CHAN0003"])


def test_one_empty_list_says_so() -> None:
    seen = shown(view_dict(home(HomeView(your_turn=(), waiting_on_them=(home_item(1),))))["blocks"])
    assert "Nothing is waiting on you." in seen
    seen = shown(view_dict(home(HomeView(your_turn=(home_item(1),), waiting_on_them=())))["blocks"])
    assert "Nothing is waiting on a retailer." in seen


def test_hostile_titles_are_escaped() -> None:
    data = view_dict(home(HomeView(your_turn=(home_item(1, title=HOSTILE, holder="<!here>"),), waiting_on_them=())))
    seen = shown(data["blocks"])
    assert HOSTILE_ESCAPED in seen and "&lt;!here&gt;'s turn" in seen
    assert_only_tokens(data["blocks"], channels=["C0CHAN0001"])


def _more(blocks: list[dict[str, Any]]) -> list[int]:
    return [int(m) for m in re.findall(r"…and (\d+) more collaboration", shown(blocks))]


def test_a_home_that_fits_exactly_is_not_cut() -> None:
    # 47 items of two blocks, plus header, two list heads (one with a divider), "nothing" line, footer.
    data = view_dict(home(HomeView(your_turn=tuple(home_item(i) for i in range(47)), waiting_on_them=())))
    assert len(data["blocks"]) == MAX_BLOCKS
    assert _more(data["blocks"]) == []
    data = view_dict(home(HomeView(your_turn=tuple(home_item(i) for i in range(48)), waiting_on_them=())))
    assert len(data["blocks"]) <= MAX_BLOCKS
    assert _more(data["blocks"]) == [48 - labels(data["blocks"]).count("Pass turn")]


@pytest.mark.parametrize(("mine", "theirs"), [(80, 80), (10, 200), (0, 150), (200, 0), (45, 10)])
def test_a_long_home_is_cut_at_100_blocks_with_and_n_more(mine: int, theirs: int) -> None:
    view = HomeView(
        your_turn=tuple(home_item(i) for i in range(mine)),
        waiting_on_them=tuple(home_item(1000 + i, holder="Retail Co") for i in range(theirs)),
    )
    blocks = view_dict(home(view))["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    seen = shown(blocks)
    shown_mine = labels(blocks).count("Pass turn")
    shown_theirs = seen.count("Retail Co's turn")
    assert shown_mine + shown_theirs > 0
    expected = [n for n in (mine - shown_mine, theirs - shown_theirs) if n > 0]
    assert _more(blocks) == expected
    assert "/turn new" in seen  # the footer survives the cut
