"""The use cases handlers call, gathered from `models.flows`: keyword-only, session first.

Each runs inside the caller's transaction (`async with sessions.begin() as session:`), re-checks who
may act from the database, raises from `models.errors`, and records what Slack must show as outbox
rows in that same transaction.
"""

from __future__ import annotations

from models.collaborations import (
    active_in_channel,
    get_collaboration,
    latest_in_channel,
    participants_of,
    record_card,
)
from models.documents import BlobRef, DocumentSource, VersionStatus
from models.drafts import count_drafts

# The scheduler's: accounts and their statement schedules, snoozing a reminder, what is due on Home.
from models.flows.accounts import (
    AccountView,
    DefaultPerson,
    account_of_channel,
    account_view,
    schedule_of,
    set_schedule,
    update_account,
)
from models.flows.checks import why_not
from models.flows.documents import (
    ChannelFile,
    DocumentView,
    VersionView,
    documents_of,
    files_to_publish,
    record_channel_file,
    record_shared_file,
    stage_upload,
)
from models.flows.invites import invite_accepted, invite_declined, invite_sent
from models.flows.people import add_participants, member_joined, member_left, remove_participants
from models.flows.reminders import DueItem, Snoozed, due_for, snooze
from models.flows.requests import (
    FulfilmentView,
    NewRequest,
    RequestSummary,
    RequestView,
    accept_request,
    cancel_request,
    decline_request,
    file_requests,
    fulfil_request,
    record_request_card,
    reopen_request,
    request_by_card,
    request_refusal,
    request_summary,
    requests_of,
)
from models.flows.sharepoint import SharePointView, set_sharepoint, sharepoint_of
from models.flows.start import start_collaboration
from models.flows.turns import pass_turn, reopen, sign_off, skip_turn
from models.flows.views import (
    CollaborationView,
    HomeItem,
    HomeView,
    PersonView,
    TurnView,
    collaboration_view,
    home_view,
    turn_view,
)
from models.flows.work import stage_draft
from models.permissions import Action
from models.requests import RequestAction, RequestCategory, RequestStatus, actions_for
from models.schedules import DayRule, Schedule
from models.sides import Actor, Member, NewPerson

__all__ = [
    "AccountView",
    "Action",
    "Actor",
    "BlobRef",
    "ChannelFile",
    "CollaborationView",
    "DayRule",
    "DefaultPerson",
    "DocumentSource",
    "DocumentView",
    "DueItem",
    "FulfilmentView",
    "HomeItem",
    "HomeView",
    "Member",
    "NewPerson",
    "NewRequest",
    "PersonView",
    "RequestAction",
    "RequestCategory",
    "RequestStatus",
    "RequestSummary",
    "RequestView",
    "Schedule",
    "SharePointView",
    "Snoozed",
    "TurnView",
    "VersionStatus",
    "VersionView",
    "accept_request",
    "account_of_channel",
    "account_view",
    "actions_for",
    "active_in_channel",
    "add_participants",
    "cancel_request",
    "collaboration_view",
    "count_drafts",
    "decline_request",
    "documents_of",
    "due_for",
    "file_requests",
    "files_to_publish",
    "fulfil_request",
    "get_collaboration",
    "home_view",
    "invite_accepted",
    "invite_declined",
    "invite_sent",
    "latest_in_channel",
    "member_joined",
    "member_left",
    "participants_of",
    "pass_turn",
    "record_card",
    "record_channel_file",
    "record_request_card",
    "record_shared_file",
    "remove_participants",
    "reopen",
    "reopen_request",
    "request_by_card",
    "request_refusal",
    "request_summary",
    "requests_of",
    "schedule_of",
    "set_schedule",
    "set_sharepoint",
    "sharepoint_of",
    "sign_off",
    "skip_turn",
    "snooze",
    "stage_draft",
    "stage_upload",
    "start_collaboration",
    "turn_view",
    "update_account",
    "why_not",
]
