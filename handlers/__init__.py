"""Slack surfaces: one module per surface, each with `register(app)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, documents, events, history, reminders, schedule, views

__all__ = ["register_all"]


def register_all(app: AsyncApp) -> None:
    """Register every listener Baton has."""
    # bolt tries listeners in this order, so the most used come first: commands, the card's buttons
    # and the pass/skip modal. Callback ids are exact, so the order never changes which one answers.
    commands.register(app)
    actions.register(app)
    views.register(app)
    documents.register(app)
    history.register(app)
    reminders.register(app)
    schedule.register(app)
    events.register(app)
