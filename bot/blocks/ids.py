"""Every Slack `action_id`, `block_id` and `callback_id` Baton uses, defined once.

Handlers register listeners by these members and read `view.state.values` by them, so a renamed id
breaks loudly in one place instead of silently in two.
"""

from __future__ import annotations

import enum

__all__ = ["ActionId", "BlockId", "CallbackId"]


class ActionId(enum.StrEnum):
    """Buttons, and the one action id every modal input element carries (the block id names the field)."""

    # The card's buttons. Later features add theirs here with their button (History, Download archive):
    # an id without a button would be a listener nobody can reach.
    PASS_TURN = "pass_turn"
    SKIP_TURN = "skip_turn"
    ADD_PEOPLE = "add_people"
    SIGN_OFF = "sign_off"
    REOPEN = "reopen"
    HISTORY = "history"
    HISTORY_PAGE = "history_page"  # Older / Newer inside the History modal
    DOWNLOAD_ARCHIVE = "download_archive"
    REQUEST_DOCUMENT = "request_document"
    UPLOAD = "upload"
    # A request's own card: the buttons its status allows (models.requests.actions_for).
    FULFILL_REQUEST = "fulfill_request"
    ACCEPT_REQUEST = "accept_request"
    REOPEN_REQUEST = "reopen_request"
    DECLINE_REQUEST = "decline_request"
    CANCEL_REQUEST = "cancel_request"
    # The Home tab. OPEN_CHANNEL is a link button: Slack still sends a block_actions payload for it,
    # which must be acked (a no-op listener) like any other.
    OPEN_CHANNEL = "open_channel"
    HOME_PASS_TURN = "home_pass_turn"
    HOME_SCHEDULE = "home_schedule"  # a host leader's Statement schedule button on the Home tab
    # Every input element in a modal: `state.values[block_id]["input"]`.
    INPUT = "input"
    # A scheduled reminder's or nudge's Snooze 1 day button; value: bot.blocks.reminders.snooze_value.
    SNOOZE_REMINDER = "snooze_reminder"


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
    CHANNEL = "channel"  # the global shortcut's start modal: an existing channel, or none for a new one
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
    SEPARATE = "separate"  # the request modal's "a separate request for each reference"
    NEW_VERSION_OF = "new_version_of"  # the Upload modal's choice of one of the side's documents
    DOCUMENTS = "documents"  # the Fulfill modal's documents already uploaded
    # Messages.
    CARD_ACTIONS = "card_actions"
    REQUEST_ACTIONS = "request_actions"  # a request card's buttons
    # The statement schedule modal (the fields models.flows.accounts names in its errors).
    DAY_RULE = "day_rule"
    DAY = "day"
    TIME = "time"
    TIMEZONE = "timezone"
    COUNTRY = "country"
    REMIND = "remind"
    CUSTOMER_NUMBER = "customer_number"
    REMIND_DAYS_BEFORE = "remind_days_before"
    ESCALATE_AFTER_DAYS = "escalate_after_days"
    NUDGE_AFTER_DAYS = "nudge_after_days"
    # …and its Microsoft 365 fields, shown only when Microsoft 365 is configured (models.flows.sharepoint).
    STATEMENT_FOLDER = "statement_folder"
    FILE_PATTERN = "file_pattern"
    ARCHIVE_FOLDER = "archive_folder"


class CallbackId(enum.StrEnum):
    """Modals, by what submitting them does."""

    START = "start"
    HISTORY = "history"
    SCHEDULE = "schedule"
    START_SHORTCUT = "start_collaboration"  # the global shortcut (manifest.yaml) that opens START
    PASS = "pass"
    SKIP = "skip"
    ADD_PEOPLE = "add_people"
    REOPEN = "reopen"
    UPLOAD = "upload"
    REQUEST_DOCUMENT = "request_document"
    FULFILL_REQUEST = "fulfill_request"
    ACCEPT_REQUEST = "accept_request"
    REOPEN_REQUEST = "reopen_request"
    DECLINE_REQUEST = "decline_request"
