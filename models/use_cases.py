"""The use cases handlers call, gathered from `models.flows`: keyword-only, session first.

Each runs inside the caller's transaction (`async with sessions.begin() as session:`), re-checks who
may act from the database, raises from `models.errors`, and records what Slack must show as outbox
rows in that same transaction.
"""

from __future__ import annotations

from models.collaborations import active_in_channel, latest_in_channel, record_card
from models.flows.checks import why_not
from models.flows.invites import invite_accepted, invite_declined, invite_sent
from models.flows.people import add_participants, member_joined, member_left, remove_participants
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
)
from models.flows.work import stage_draft
from models.permissions import Action
from models.sides import Actor, Member, NewPerson

__all__ = [
    "Action",
    "Actor",
    "CollaborationView",
    "HomeItem",
    "HomeView",
    "Member",
    "NewPerson",
    "PersonView",
    "TurnView",
    "active_in_channel",
    "add_participants",
    "collaboration_view",
    "home_view",
    "invite_accepted",
    "invite_declined",
    "invite_sent",
    "latest_in_channel",
    "member_joined",
    "member_left",
    "pass_turn",
    "record_card",
    "remove_participants",
    "reopen",
    "sign_off",
    "skip_turn",
    "stage_draft",
    "start_collaboration",
    "why_not",
]
