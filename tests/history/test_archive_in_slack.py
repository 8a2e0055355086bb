"""The month's archive as people get it: shared in the channel at wrap-up, complete, and verifiable."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from bot.archive import verify_archive
from models.history import verify_chain
from tests.collaborations import helpers
from tests.documents.test_documents_flow import (
    CREDIT,
    POD,
    STATEMENT,
    STATEMENT_V2,
    file_request,
    request_cards,
    upload,
)
from tests.harness import Harness


async def archive_from_channel(h: Harness, tmp_path: Path) -> tuple[Path, str]:
    """The zip a person downloads from the channel, and the head hash its message states."""
    carriers = [m for m in h.bob.messages(h.channel) if m.files and "Head hash" in m.content]
    assert carriers, "the archive was not shared in the channel"
    message = carriers[-1]
    file_id = message.files[0]["id"] if isinstance(message.files[0], dict) else message.files[0].id
    data = h.emu.state.files[file_id].data
    assert data is not None
    path = tmp_path / "archive.zip"
    path.write_bytes(data)
    head = re.search(r"Head hash `([0-9a-f]{64})`", message.content)
    assert head is not None
    return path, head.group(1)


async def play_the_month(h: Harness) -> None:
    alice, bob = h.alice, h.bob
    await helpers.start(h)
    await upload(h, alice, "statement-2026-11.pdf", STATEMENT)
    await helpers.pass_turn(h, alice, "November statement attached.")
    question = await bob.post(h.channel, "Is INV-1042 on this statement?")
    await alice.reply(question, "Yes, line 14.")
    await bob.edit(question, "Is INV-1042 on the November statement?")
    oops = await bob.post(h.channel, "Our bank: DE89 3704 0044 0532 0130 00")
    await bob.delete(oops)
    await file_request(h, bob, "Proof of delivery (POD)", "INV-1001", **{"Amount in dispute": "1200.00"})
    await file_request(h, bob, "Credit memo", "CM-2231")
    await helpers.pass_turn(h, bob, "Two items need backup.")
    pod_card, memo_card = sorted(request_cards(h), key=lambda m: m.ts)
    await alice.click("Fulfill", message=pod_card)
    await h.emu.wait_for(lambda: alice.modal)
    await alice.fill({"Files": [await alice.upload_for_input("pod-inv-1001.pdf", POD)]})
    assert await alice.submit() is None
    await alice.share_file(h.channel, "credit-memo-CM-2231.pdf", CREDIT, thread_ts=memo_card.ts)
    await upload(h, alice, "statement-2026-11.pdf", STATEMENT_V2)
    await helpers.pass_turn(h, alice, "POD and credit memo attached; statement revised.")
    await bob.click("Accept", message=next(m for m in request_cards(h) if m.ts == pod_card.ts))
    await h.emu.wait_for(lambda: bob.modal)
    assert await bob.submit() is None
    await h.settle()
    await helpers.pass_turn(h, bob, "All good.")
    await alice.click("Sign off", message=helpers.card(h))
    await h.settle()
    await bob.click("Sign off", message=helpers.card(h))
    await h.settle()


async def test_the_wrapped_up_month_is_archived_in_the_channel_and_verifies(harness: Harness, tmp_path: Path) -> None:
    h = harness
    await play_the_month(h)
    assert "wrapped up" in helpers.card(h).content.lower()
    path, head = await archive_from_channel(h, tmp_path)
    report = verify_archive(path, expected_head=head)
    assert report.ok, report.problems
    events = await helpers.chain(h)
    assert verify_chain(events) == [] and head == events[-1].hash

    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        record = json.loads(zf.read("collaboration.json"))
        html = zf.read("index.html").decode()
    kinds = [e["kind"] for e in record["events"]]
    assert {"message_posted", "message_edited", "message_deleted", "turn_passed", "wrapped_up"} <= set(kinds)
    assert "Yes, line 14." in html and "Is INV-1042 on the November statement?" in html
    assert "DE89" not in html and "DE89" not in json.dumps(record), "the deleted message's text is gone"
    statement_files = [n for n in names if n.startswith("documents/") and "statement-2026-11" in n]
    assert len(statement_files) == 2, names
    assert {"requests.csv", "documents.csv", "MANIFEST.sha256", "index.html"} <= set(names)
    statuses = {r["number"]: r["status"] for r in record["requests"]}
    assert statuses == {1: "accepted", 2: "fulfilled"}

    # One changed byte in any file makes verify fail, naming the file.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == statement_files[0]:
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.writestr(item, data)
    report = verify_archive(tampered, expected_head=head)
    assert not report.ok and any(statement_files[0] in p for p in report.problems)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return found


async def test_index_html_renders_in_headless_chromium(harness: Harness, tmp_path: Path) -> None:
    browser = chromium()
    h = harness
    await play_the_month(h)
    path, _ = await archive_from_channel(h, tmp_path)
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(unpacked)
    result = await asyncio.to_thread(
        subprocess.run,
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            (unpacked / "index.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    text = re.sub(r"<[^>]+>", " ", dom)
    assert "November statement attached." in text and "Yes, line 14." in text
    assert "Turn 1" in text and "Proof of delivery" in text


async def test_history_and_download_archive_work_mid_month_for_either_side(harness: Harness, tmp_path: Path) -> None:
    h = harness
    await helpers.start(h)
    await helpers.pass_turn(h, h.alice, "November statement attached.")
    await h.bob.post(h.channel, "Looking at it now.")
    await h.settle()

    await h.bob.click("History", message=helpers.card(h))
    await h.emu.wait_for(lambda: h.bob.modal)
    history = h.bob.modal
    assert history is not None and "Looking at it now." in history.content and "Passed turn 1" in history.content

    await h.bob.click("Download archive", message=helpers.card(h))
    await h.settle()
    path, head = await archive_from_channel(h, tmp_path)
    assert verify_archive(path, expected_head=head).ok
    # Asking again with nothing new shares nothing new.
    await h.alice.slash("/turn", "archive", channel=h.channel)
    await h.settle()
    assert len([m for m in h.bob.messages(h.channel) if m.files and "Head hash" in m.content]) == 1


async def test_history_pages_through_a_long_record(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    for n in range(45):
        await h.bob.post(h.channel, f"note {n}")
    await h.settle()
    await h.alice.slash("/turn", "history", channel=h.channel)
    await h.emu.wait_for(lambda: h.alice.modal)
    assert "note 44" in h.alice.modal.content and "page 1 of 3" in h.alice.modal.content
    await h.alice.click("Older", in_modal=True)
    await h.settle()
    assert "page 2 of 3" in h.alice.modal.content and "note 44" not in h.alice.modal.content
