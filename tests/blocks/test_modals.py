"""The modals people fill, and reading their submissions back with errors on the right block."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.blocks.ids import BlockId, CallbackId
from bot.blocks.metadata import CollaborationRef, StartRef
from bot.blocks.modals import (
    MESSAGE_REQUIRED,
    PEOPLE_OR_EMAIL,
    ReasonKind,
    StartDefaults,
    Where,
    add_people_modal,
    parse_add_people,
    parse_pass,
    parse_reason,
    parse_skip,
    parse_start,
    pass_modal,
    reason_modal,
    skip_modal,
    start_modal,
)
from models.sides import Role
from tests.blocks.support import (
    HOSTILE,
    HOSTILE_ESCAPED,
    assert_only_tokens,
    collab,
    shown,
    submit,
    view_dict,
)

TODAY = date(2026, 12, 2)


def inputs(view: View) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view_dict(view)["blocks"] if b["type"] == "input"}


def all_modals() -> list[View]:
    view = collab(drafts=2, title=HOSTILE)
    return [
        start_modal("C0RETAIL", StartDefaults(), today=TODAY),
        start_modal("C0RETAIL", StartDefaults(account_name="Retail Co", title="T" * 200), today=TODAY),
        pass_modal(view, 2),
        skip_modal(view, 2),
        add_people_modal(view),
        reason_modal(ReasonKind.REOPEN, view),
    ]


@pytest.mark.parametrize("modal", all_modals(), ids=lambda v: str(v.callback_id))
def test_every_modal_fits_slack_and_labels_every_input(modal: View) -> None:
    data = view_dict(modal)
    assert data["callback_id"] in set(CallbackId)
    assert data["close"]["text"] == "Cancel"
    assert data["submit"]["text"]
    assert HOSTILE not in "\n".join(b.get("text", {}).get("text", "") for b in data["blocks"])
    assert_only_tokens(data["blocks"], channels=["C0RETAIL"])


def test_modal_titles_are_plain_words() -> None:
    titles = {v.callback_id: v.to_dict()["title"]["text"] for v in all_modals()}
    assert titles == {
        CallbackId.START: "Start a collaboration",
        CallbackId.PASS: "Pass the turn",
        CallbackId.SKIP: "Skip the turn",
        CallbackId.ADD_PEOPLE: "Add people",
        CallbackId.REOPEN: "Reopen",
    }


# --- Start ----------------------------------------------------------------------------------------


def test_start_modal_offers_thirteen_months_last_month_chosen() -> None:
    blocks = inputs(start_modal("C0RETAIL", StartDefaults(), today=TODAY))
    period = blocks[BlockId.PERIOD]["element"]
    values = [o["value"] for o in period["options"]]
    assert values[0] == "2027-01" and values[1] == "2026-12" and values[-1] == "2026-01"
    assert len(values) == 13
    assert period["initial_option"]["value"] == "2026-11"
    assert period["initial_option"]["text"]["text"] == "November 2026"
    assert blocks[BlockId.PERIOD].get("optional") is True


def test_start_modal_wraps_the_year_and_keeps_an_older_default_period() -> None:
    blocks = inputs(start_modal("C0RETAIL", StartDefaults(period="2024-03"), today=date(2026, 1, 31)))
    period = blocks[BlockId.PERIOD]["element"]
    values = [o["value"] for o in period["options"]]
    assert values[:3] == ["2026-02", "2026-01", "2025-12"]
    assert period["initial_option"]["value"] == "2024-03" and "2024-03" in values


def test_start_modal_asks_the_retailers_name_only_the_first_time() -> None:
    first = inputs(start_modal("C0RETAIL", StartDefaults(), today=TODAY))
    assert BlockId.ACCOUNT_NAME in first
    assert "initial_value" not in first[BlockId.TITLE]["element"]
    later = inputs(start_modal("C0RETAIL", StartDefaults(account_name="Retail Co"), today=TODAY))
    assert BlockId.ACCOUNT_NAME not in later
    assert later[BlockId.TITLE]["element"]["initial_value"] == "Retail Co — November 2026 statement"


def test_start_modal_has_every_field_the_design_asks_for() -> None:
    modal = start_modal("C0RETAIL", StartDefaults(contact_user_id="U0PAT"), today=TODAY)
    blocks = inputs(modal)
    kinds = {b: blocks[b]["element"]["type"] for b in blocks}
    assert kinds == {
        BlockId.TITLE: "plain_text_input",
        BlockId.ACCOUNT_NAME: "plain_text_input",
        BlockId.PERIOD: "static_select",
        BlockId.DUE_DATE: "datepicker",
        BlockId.NOTE: "plain_text_input",
        BlockId.WHERE: "radio_buttons",
        BlockId.CONTACT_USER: "users_select",
        BlockId.CONTACT_EMAIL: "email_text_input",
    }
    assert blocks[BlockId.NOTE]["element"]["multiline"] is True
    assert blocks[BlockId.WHERE]["element"]["initial_option"]["value"] == Where.THIS_CHANNEL
    assert blocks[BlockId.CONTACT_USER]["element"]["initial_user"] == "U0PAT"
    assert StartRef.parse(modal.private_metadata) == StartRef("C0RETAIL")


def start_submission(**entered: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        BlockId.ACCOUNT_NAME: "Retail Co",
        BlockId.TITLE: "Retail Co — November 2026 statement",
    }
    return submit(start_modal("C0RETAIL", StartDefaults(), today=TODAY), **{**base, **entered})


def test_parse_start_reads_every_field() -> None:
    form = parse_start(
        start_submission(
            note="  Reconcile by the 10th.  ",
            due_date="2026-12-10",
            contact="U0PAT",
            period="2026-10",
        ),
        today=TODAY,
    )
    assert form.errors == {}
    assert form.channel_id == "C0RETAIL"
    assert form.title == "Retail Co — November 2026 statement"
    assert form.account_name == "Retail Co"
    assert form.period == "2026-10"
    assert form.note == "Reconcile by the 10th."
    assert form.due_date == date(2026, 12, 10)
    assert form.where is Where.THIS_CHANNEL
    assert (form.contact_user_id, form.contact_email) == ("U0PAT", None)


def test_parse_start_new_channel_with_an_email() -> None:
    form = parse_start(start_submission(where="new_channel", contact_email=" ap@retail.example "), today=TODAY)
    assert form.errors == {}
    assert form.where is Where.NEW_CHANNEL and form.contact_email == "ap@retail.example"


def test_parse_start_without_a_period() -> None:
    form = parse_start(start_submission(period=None), today=TODAY)
    assert form.errors == {} and form.period is None


@pytest.mark.parametrize(
    ("entered", "block", "says"),
    [
        ({BlockId.TITLE: "   "}, BlockId.TITLE, "Give the collaboration a title."),
        ({BlockId.ACCOUNT_NAME: ""}, BlockId.ACCOUNT_NAME, "Name the retailer this channel is for."),
        ({BlockId.PERIOD: "2026-13"}, BlockId.PERIOD, "like 2026-11"),
        ({BlockId.PERIOD: "Nov 2026"}, BlockId.PERIOD, "like 2026-11"),
        ({BlockId.DUE_DATE: "2026-12-01"}, BlockId.DUE_DATE, "from today on"),
        ({BlockId.DUE_DATE: "someday"}, BlockId.DUE_DATE, "from the calendar"),
        ({BlockId.CONTACT_EMAIL: "pat at retail"}, BlockId.CONTACT_EMAIL, "doesn't look like an email"),
        (
            {BlockId.CONTACT_USER: "U0PAT", BlockId.CONTACT_EMAIL: "ap@retail.example"},
            BlockId.CONTACT_EMAIL,
            "not both",
        ),
        ({BlockId.WHERE: "new_channel"}, BlockId.CONTACT_EMAIL, "write their email"),
        ({BlockId.WHERE: "new_channel", BlockId.CONTACT_USER: "U0PAT"}, BlockId.CONTACT_USER, "by email"),
        ({BlockId.WHERE: "the moon"}, BlockId.WHERE, "this channel or a new one"),
    ],
)
def test_parse_start_errors_land_on_their_block(entered: dict[str, Any], block: BlockId, says: str) -> None:
    form = parse_start(start_submission(**entered), today=TODAY)
    assert block in form.errors
    assert says in form.errors[block]
    assert all(len(message) <= 2000 for message in form.errors.values())


def test_parse_start_refuses_forged_metadata() -> None:
    payload = start_submission()
    payload["private_metadata"] = '{"c":7}'
    with pytest.raises(ValueError, match="metadata"):
        parse_start(payload, today=TODAY)


def test_parse_start_survives_a_payload_without_state() -> None:
    form = parse_start({"private_metadata": StartRef("C0RETAIL").to_json()}, today=TODAY)
    assert form.errors == {BlockId.TITLE: "Give the collaboration a title."}


# --- Pass and skip --------------------------------------------------------------------------------


def test_pass_modal_says_where_the_update_goes_and_carries_the_turn() -> None:
    modal = pass_modal(collab(drafts=2), 2)
    data = view_dict(modal)
    seen = shown(data["blocks"])
    assert "Your update is posted in <#C0RETAIL> and the turn passes to Acme" in seen
    assert "publishes your side's 2 drafts" in seen
    message = inputs(modal)[BlockId.MESSAGE]
    assert message["label"]["text"] == "Update for Acme"
    assert message["element"]["multiline"] is True and message["element"]["max_length"] == 3000
    assert "optional" not in message
    assert CollaborationRef.parse(modal.private_metadata) == CollaborationRef(7, turn=2, channel_id="C0RETAIL")


def test_pass_modal_shows_the_title_escaped() -> None:
    seen = shown(view_dict(pass_modal(collab(title=HOSTILE), 2))["blocks"])
    assert HOSTILE_ESCAPED in seen


def test_parse_pass() -> None:
    modal = pass_modal(collab(), 2)
    form = parse_pass(submit(modal, message="  Statement attached.\nPlease review.  "))
    assert form.errors == {}
    assert form.message == "Statement attached.\nPlease review."
    assert form.ref == CollaborationRef(7, turn=2, channel_id="C0RETAIL")


@pytest.mark.parametrize("message", [None, "", "  \n\t "])
def test_parse_pass_needs_a_message(message: str | None) -> None:
    form = parse_pass(submit(pass_modal(collab(), 2), message=message))
    assert form.errors == {BlockId.MESSAGE: MESSAGE_REQUIRED}
    assert MESSAGE_REQUIRED == "Write an update for the other side: it's posted in the channel with the turn."


def test_parse_pass_refuses_a_message_longer_than_slack_shows() -> None:
    form = parse_pass(submit(pass_modal(collab(), 2), message="x" * 3001))
    assert "under 3,000 characters (it's 3,001)" in form.errors[BlockId.MESSAGE]


def test_parse_pass_needs_the_turn_in_its_metadata() -> None:
    payload = submit(pass_modal(collab(), 2), message="Hi")
    payload["private_metadata"] = CollaborationRef(7).to_json()
    with pytest.raises(ValueError, match="turn"):
        parse_pass(payload)


def test_skip_modal_warns_about_drafts_and_its_message_is_optional() -> None:
    modal = skip_modal(collab(drafts=1), 2)
    assert "Your side has 1 draft: a turn with drafts can't be skipped" in shown(view_dict(modal)["blocks"])
    assert inputs(modal)[BlockId.MESSAGE]["optional"] is True
    form = parse_skip(submit(modal))
    assert form.errors == {} and form.message is None and form.ref.turn == 2
    assert parse_skip(submit(modal, message=" Nothing new. ")).message == "Nothing new."
    assert BlockId.MESSAGE in parse_skip(submit(modal, message="x" * 3001)).errors


# --- Add people -----------------------------------------------------------------------------------


def test_add_people_modal_defaults_to_contributor() -> None:
    modal = add_people_modal(collab())
    blocks = inputs(modal)
    assert blocks[BlockId.PEOPLE]["element"]["type"] == "multi_users_select"
    role = blocks[BlockId.ROLE]["element"]
    assert [o["value"] for o in role["options"]] == ["leader", "contributor", "follower"]
    assert role["initial_option"]["value"] == "contributor"
    assert blocks[BlockId.CONTACT_EMAIL]["element"]["type"] == "email_text_input"
    assert CollaborationRef.parse(modal.private_metadata) == CollaborationRef(7, channel_id="C0RETAIL")


def test_parse_add_people() -> None:
    modal = add_people_modal(collab())
    form = parse_add_people(submit(modal, people=["U0JO", "U0KIM", "U0JO"]))
    assert form.errors == {}
    assert form.user_ids == ("U0JO", "U0KIM") and form.role is Role.CONTRIBUTOR
    assert form.other_org is False and form.email is None
    form = parse_add_people(submit(modal, people=["U0CARL"], role="follower", other_org=["yes"]))
    assert form.role is Role.FOLLOWER and form.other_org is True
    form = parse_add_people(submit(modal, contact_email="shipping@carrier.example"))
    assert form.errors == {} and form.user_ids == () and form.email == "shipping@carrier.example"


@pytest.mark.parametrize(
    ("entered", "block", "says"),
    [
        ({}, BlockId.PEOPLE, PEOPLE_OR_EMAIL),
        ({BlockId.PEOPLE: ["U0JO"], BlockId.ROLE: "owner"}, BlockId.ROLE, "leader, contributor or follower"),
        ({BlockId.CONTACT_EMAIL: "not-an-email"}, BlockId.CONTACT_EMAIL, "email address"),
    ],
)
def test_parse_add_people_errors(entered: dict[str, Any], block: BlockId, says: str) -> None:
    form = parse_add_people(submit(add_people_modal(collab()), **entered))
    assert list(form.errors) == [block]
    assert says in form.errors[block]


# --- Reasons --------------------------------------------------------------------------------------


def test_reopen_reason_is_optional_and_read_back() -> None:
    modal = reason_modal(ReasonKind.REOPEN, collab())
    assert modal.callback_id == CallbackId.REOPEN
    assert "the turn goes to your organisation" in shown(view_dict(modal)["blocks"])
    form = parse_reason(submit(modal, reason="  Credit memo CM-2231 was wrong. "))
    assert form.errors == {} and form.kind is ReasonKind.REOPEN
    assert form.reason == "Credit memo CM-2231 was wrong." and form.ref.collaboration_id == 7
    assert parse_reason(submit(modal)).reason is None


def test_parse_reason_refuses_another_modal() -> None:
    payload = submit(pass_modal(collab(), 2), message="Hi")
    with pytest.raises(ValueError, match="not a reason modal"):
        parse_reason(payload)
