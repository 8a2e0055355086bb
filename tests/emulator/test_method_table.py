"""The emulator's method table agrees with Slack's own method reference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.emulator.methods import METHODS, MethodSpec

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "slack-reference"


def _reference(method: str) -> dict[str, Any]:
    if not REFERENCE.is_dir():
        pytest.skip(f"Slack's method reference is not checked out next to the project ({REFERENCE})")
    path = REFERENCE / "methods" / f"{method}.json"
    assert path.is_file(), f"{method} is not a Slack Web API method (no {path.name} in the reference)"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.mark.parametrize("spec", METHODS.values(), ids=list(METHODS))
def test_method_matches_the_reference(spec: MethodSpec) -> None:
    reference = _reference(spec.name)
    properties = set(reference["args"].get("properties", {}))
    required = set(reference["args"].get("required", [])) - {"token"}

    assert required <= spec.required, f"the reference also requires {sorted(required - spec.required)}"
    assert spec.args <= properties, f"not arguments of {spec.name}: {sorted(spec.args - properties)}"
    assert spec.required <= spec.args
    assert reference["rate_limits"] == spec.tier.value
    bot_scopes = set(reference.get("scope", {}).get("bot", []))
    assert spec.scopes <= bot_scopes, f"not bot scopes of {spec.name}: {sorted(spec.scopes - bot_scopes)}"


def test_the_table_serves_every_method_baton_uses() -> None:
    # DESIGN §4: the Web API methods Baton uses, plus Socket Mode's apps.connections.open.
    baton_uses = {
        "auth.test", "team.info", "users.info", "users.lookupByEmail",
        "conversations.create", "conversations.info", "conversations.invite", "conversations.inviteShared",
        "conversations.members", "conversations.setTopic", "conversations.setPurpose", "conversations.kick",
        "conversations.join", "conversations.rename", "conversations.open",
        "chat.postMessage", "chat.update", "chat.delete", "chat.postEphemeral", "chat.getPermalink",
        "pins.add", "pins.remove", "bookmarks.add",
        "views.open", "views.push", "views.update", "views.publish",
        "files.getUploadURLExternal", "files.completeUploadExternal", "files.info", "files.delete",
        "apps.connections.open",
    }  # fmt: skip
    assert set(METHODS) == baton_uses
