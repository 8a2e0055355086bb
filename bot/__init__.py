"""Baton: turn-based collaborations in Slack Connect channels."""

__version__ = "0.1.0"
