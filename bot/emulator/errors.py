"""Errors of the emulator: Slack's error answers, and mistakes in how a test drives it.

Exception
├── ApiError          a Web API method answers {"ok": false, "error": code} (raised by method code)
└── EmulatorError     a test asked for something Slack would not let a person do, or misconfigured
    └── NotFound      a button, input, option or object the test named does not exist (or is ambiguous)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ApiError", "EmulatorError", "NotFound", "Violation"]


class ApiError(Exception):
    """A Slack error answer: `{"ok": false, "error": code, **extra}`.

    `violation` is set when the error means the bot broke Slack's contract (a malformed call rather than
    a state Slack is in); the Web API records those in `emu.violations` besides answering the error.
    """

    def __init__(self, code: str, *, violation: str | None = None, **extra: Any) -> None:
        super().__init__(code if violation is None else f"{code}: {violation}")
        self.code = code
        self.violation = violation
        self.extra = extra


class EmulatorError(Exception):
    """A test drove the emulator into something Slack would not allow a person to do."""


class NotFound(EmulatorError):
    """A thing named by a test (a button label, an input label, an option) is absent or ambiguous."""


@dataclass(frozen=True)
class Violation:
    """A way the bot broke Slack's contract, recorded in `emu.violations` so a fixture can fail loudly."""

    kind: str  # unknown_method, invalid_arguments, unknown_argument, invalid_blocks, not_acknowledged, …
    message: str
    method: str | None = None

    def __str__(self) -> str:
        where = f"{self.method}: " if self.method else ""
        return f"[{self.kind}] {where}{self.message}"
