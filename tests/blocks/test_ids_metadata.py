"""Slack ids defined once, and the small JSON that rides on buttons and modals."""

from __future__ import annotations

import enum
import json
import re
from pathlib import Path

import pytest

from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.metadata import CollaborationRef, StartRef

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.mark.parametrize("ids", [ActionId, BlockId, CallbackId])
def test_ids_are_unique_and_within_slack_limits(ids: type[enum.StrEnum]) -> None:
    values = [m.value for m in ids]
    assert len(values) == len(set(values))
    assert all(0 < len(v) <= 255 for v in values)


def test_every_field_a_use_case_blames_is_a_block() -> None:
    # InvalidInput(field=…) from the use cases must land on a modal block as is.
    fields = {m.group(1) for path in MODELS.rglob("*.py") for m in re.finditer(r'field="([a-z_]+)"', path.read_text())}
    assert fields, "the models name no fields any more: update this test"
    assert fields <= {b.value for b in BlockId}, fields - {b.value for b in BlockId}


def test_ref_round_trips_compactly() -> None:
    ref = CollaborationRef(42, turn=3, channel_id="C0RETAIL")
    raw = ref.to_json()
    assert json.loads(raw) == {"c": 42, "t": 3, "ch": "C0RETAIL"}
    assert " " not in raw
    assert CollaborationRef.parse(raw) == ref
    assert CollaborationRef(42).to_json() == '{"c":42}'
    assert CollaborationRef.parse('{"c":42}') == CollaborationRef(42)


def test_start_ref_round_trips() -> None:
    assert StartRef.parse(StartRef("C0RETAIL").to_json()) == StartRef("C0RETAIL")
    assert StartRef("G0PRIVATE").to_json() == '{"ch":"G0PRIVATE"}'


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (None, "empty"),
        ("", "empty"),
        ("{c:1}", "not JSON"),
        ("[1]", "JSON object"),
        ('{"c":1,"name":"Pat"}', "unknown keys"),
        ('{"t":1}', "lacks"),
        ('{"c":true}', "positive integer"),
        ('{"c":0}', "positive integer"),
        ('{"c":"7"}', "positive integer"),
        ('{"c":7,"t":-1}', "positive integer"),
        ('{"c":7,"ch":"not-a-channel"}', "channel id"),
        ('{"c":7,"ch":"<!channel>"}', "channel id"),
        ('{"c":7,"ch":"' + "C" * 3000 + '"}', "characters long"),
    ],
)
def test_bad_refs_are_refused_with_a_clear_error(raw: str | None, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        CollaborationRef.parse(raw)


def test_a_start_ref_without_channel_is_the_global_shortcut() -> None:
    assert StartRef.parse("{}").channel_id is None
    assert StartRef(None).to_json() == "{}"


@pytest.mark.parametrize("raw", ['{"c":1}', '{"ch":"nope"}', '"C0RETAIL"'])
def test_bad_start_refs_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="metadata"):
        StartRef.parse(raw)


def test_refs_cannot_be_built_wrong() -> None:
    with pytest.raises(ValueError):
        CollaborationRef(0)
    with pytest.raises(ValueError):
        CollaborationRef(1, channel_id="general")
