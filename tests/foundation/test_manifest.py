"""manifest.yaml against Slack's official schema, and its scopes against the methods the code calls."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import slack_sdk.web.async_client
import yaml

from handlers.events import SUBSCRIBED_EVENTS
from tests.conftest import slack_reference

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_CODE = [
    p for d in ("bot", "handlers", "models", "scheduler") for p in (ROOT / d).rglob("*.py") if "emulator" not in p.parts
]


def manifest() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "manifest.yaml").read_text())


def web_api_methods_called() -> set[str]:
    """Every Web API method the product code calls through slack_sdk's client methods or api_call."""
    client_source = Path(slack_sdk.web.async_client.__file__).read_text()
    by_python_name: dict[str, str] = {}
    for chunk in client_source.split("    async def ")[1:]:
        name = chunk.split("(", 1)[0]
        api = re.search(r"self\.api_call\(\s*\"([\w.]+)\"", chunk)
        if api:
            by_python_name[name] = api.group(1)
    called: set[str] = set()
    for path in PRODUCT_CODE:
        source = path.read_text()
        called |= {by_python_name[name] for name in re.findall(r"\.(\w+)\(", source) if name in by_python_name}
        called |= set(re.findall(r"api_call\(\s*\"([\w.]+)\"", source))
    return called


def test_manifest_validates_against_slacks_schema() -> None:
    schema_path = slack_reference() / "manifest-schema" / "schemas" / "manifest.schema.1.0.0.json"
    jsonschema.validate(manifest(), json.loads(schema_path.read_text()))


def test_manifest_declares_the_turn_command_home_tab_and_interactivity() -> None:
    m = manifest()
    (turn,) = m["features"]["slash_commands"]
    assert turn["command"] == "/turn" and turn["should_escape"] is True and turn["usage_hint"]
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is False


def test_every_handled_event_is_subscribed_and_vice_versa() -> None:
    subscribed = {e.split(".")[0] for e in manifest()["settings"]["event_subscriptions"]["bot_events"]}
    assert subscribed == set(SUBSCRIBED_EVENTS)


def test_bot_scopes_cover_every_called_method_and_nothing_more() -> None:
    reference = slack_reference()
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    called = web_api_methods_called()
    assert "chat.postMessage" in called, "the scan found no calls: it is broken"

    needed: set[str] = {"commands"}  # the /turn slash command
    for method in sorted(called):
        spec = json.loads((reference / "methods" / f"{method}.json").read_text())
        options = set(spec.get("scope", {}).get("bot", []))
        if options:
            assert scopes & options, f"{method} needs one of {sorted(options)}"
            needed |= scopes & options
    events = {e["name"]: e.get("scopes", []) for e in json.loads((reference / "events.json").read_text())}
    for event in manifest()["settings"]["event_subscriptions"]["bot_events"]:
        # The reference spells one scope "app_mentions.read"; Slack's scope is app_mentions:read.
        options = {scope.replace(".", ":") for scope in events[event]}
        if options:
            assert scopes & options, f"event {event} needs one of {sorted(options)}"
            needed |= scopes & options
    assert scopes <= needed, f"scopes nothing uses: {sorted(scopes - needed)}"
