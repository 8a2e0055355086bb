"""Every Slack `action_id`, `block_id` and `callback_id` Baton uses, defined once.

Handlers register listeners by these members and read `view.state.values` by them, so a renamed id
breaks loudly in one place instead of silently in two.
"""

from __future__ import annotations

import enum

__all__ = ["ActionId", "BlockId", "CallbackId"]


class ActionId(enum.StrEnum):
    """Buttons, and the one action id every modal input element carries (the block id names the field)."""

    # The card's buttons. Later features add theirs here with their button (Request document, Upload,
    # History, Download archive): an id without a button would be a listener nobody can reach.
    PASS_TURN = "pass_turn"
    SKIP_TURN = "skip_turn"
    ADD_PEOPLE = "add_people"
    SIGN_OFF = "sign_off"
    REOPEN = "reopen"
    # The Home tab. OPEN_CHANNEL is a link button: Slack still sends a block_actions payload for it,
    # which must be acked (a no-op listener) like any other.
    OPEN_CHANNEL = "open_channel"
    HOME_PASS_TURN = "home_pass_turn"
    # Every input element in a modal: `state.values[block_id]["input"]`.
    INPUT = "input"


class BlockId(enum.StrEnum):
    """Blocks that are read back or that errors point at.

    The modal fields' values equal the `field` names that `models.errors.InvalidInput` uses, so a
    use case's error lands on its block as is: `errors={error.field: error.message}`.
    """

    # Modal inputs.
    TITLE = "title"
    ACCOUNT_NAME = "account_name"
    PERIOD = "period"
    NOTE = "note"
    DUE_DATE = "due_date"
    WHERE = "where"
    CONTACT_USER = "contact"
    CONTACT_EMAIL = "contact_email"  # the start modal's invite, and add-people's invite by email
    MESSAGE = "message"
    PEOPLE = "people"
    ROLE = "role"
    OTHER_ORG = "other_org"
    REASON = "reason"
    # The document request and accept modals (fields the request use cases name in their errors).
    CATEGORY = "category"
    REFERENCES = "references"
    AMOUNT = "amount"
    CURRENCY = "currency"
    DETAILS = "details"
    OUTCOME = "outcome"
    FILE = "file"  # the Upload and Fulfill modals' file_input (models.documents blames it)
    # Messages.
    CARD_ACTIONS = "card_actions"


class CallbackId(enum.StrEnum):
    """Modals, by what submitting them does."""

    START = "start"
    PASS = "pass"
    SKIP = "skip"
    ADD_PEOPLE = "add_people"
    REOPEN = "reopen"
