"""Verifying an archive: any changed byte, file or event is caught and named, the posted head hash
catches a chain rebuilt from scratch, and hostile zips are refused without being read."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.archive import ArchiveUnreadable, build_archive, verify_archive
from bot.blobs import LocalBlobStore
from bot.db import Sessions
from models.history import GENESIS_HASH, content_hash_of, event_hash
from tests.archive.support import make_month, read_zip, rewrite_zip
from tests.models.support import T0


@pytest.fixture
async def archive(sessions: Sessions, store: LocalBlobStore, tmp_path: Path) -> tuple[Path, str]:
    """A month's archive, and its head hash (as posted in Slack)."""
    month = await make_month(sessions, store)
    out = tmp_path / "november.zip"
    result = await build_archive(sessions, store, month.c.id, out, now=T0)
    assert verify_archive(out, expected_head=result.head_hash).ok
    return out, result.head_hash


def flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def edit_record(members: dict[str, bytes], change: Any) -> dict[str, bytes]:
    record = json.loads(members["collaboration.json"])
    change(record)
    members["collaboration.json"] = json.dumps(record, ensure_ascii=False, indent=1).encode()
    return members


async def test_one_changed_byte_in_any_file_is_caught_and_the_file_named(archive: tuple[Path, str]) -> None:
    original, _ = archive
    names = list(read_zip(original))
    assert len(names) == 8
    for name in names:
        if name == "MANIFEST.sha256":
            continue
        copy = original.with_name(f"changed-{names.index(name)}.zip")
        shutil.copy(original, copy)
        rewrite_zip(copy, lambda m, n=name: {**m, n: flip_one_byte(m[n])})  # type: ignore[misc]
        report = verify_archive(copy)
        assert not report.ok
        assert f"{name}: SHA-256 does not match the manifest" in report.problems, (name, report.problems)


async def test_a_changed_manifest_line_names_the_file_it_lists(archive: tuple[Path, str]) -> None:
    path, _ = archive

    def forge(members: dict[str, bytes]) -> dict[str, bytes]:
        lines = members["MANIFEST.sha256"].decode().splitlines()
        name = lines[1].split("  ", 1)[1]
        lines[1] = f"{'0' * 64}  {name}"
        members["MANIFEST.sha256"] = ("\n".join(lines) + "\n").encode()
        return members

    rewrite_zip(path, forge)
    assert verify_archive(path).problems == ["index.html: SHA-256 does not match the manifest"]


async def test_a_changed_event_is_caught_by_the_chain_even_when_the_manifest_was_rewritten(
    archive: tuple[Path, str],
) -> None:
    path, _ = archive
    record = json.loads(read_zip(path)["collaboration.json"])
    target = next(e for e in record["events"] if e["kind"] == "message_posted" and "text" in e["data"])

    def reword(r: dict[str, Any]) -> None:
        event = next(e for e in r["events"] if e["seq"] == target["seq"])
        event["data"]["text"] = "We owe you nothing."

    rewrite_zip(path, lambda m: edit_record(m, reword), fix_manifest=True)
    report = verify_archive(path)
    assert report.problems == [
        f"event {target['seq']} (message_posted): its data does not match its content hash (the event was changed)"
    ]


async def test_a_removed_event_breaks_the_chain_at_that_point(archive: tuple[Path, str]) -> None:
    path, _ = archive
    rewrite_zip(path, lambda m: edit_record(m, lambda r: r["events"].pop(9)), fix_manifest=True)
    problems = verify_archive(path).problems
    assert problems[0].startswith("event 11 (") and "expected seq 10" in problems[0]


async def test_a_whole_chain_rebuilt_to_match_is_caught_by_the_head_hash_posted_in_slack(
    archive: tuple[Path, str],
) -> None:
    """A forger who rewrites an event and recomputes every hash after it passes the manifest and the
    chain; the head hash both organisations hold outside the zip is what tells."""
    path, posted_head = archive

    def forge(r: dict[str, Any]) -> None:
        prev = GENESIS_HASH
        for e in r["events"]:
            if e["kind"] == "request_filed" and e["data"]["label"] == "#1":
                e["data"]["amount"] = "12.50"
            e["content_hash"] = content_hash_of(e["data"]) if e["data"] != {"redacted": True} else e["content_hash"]
            e["prev_hash"] = prev
            e["hash"] = event_hash(
                collaboration_id=e["collaboration_id"],
                seq=e["seq"],
                kind=e["kind"],
                at=datetime.fromisoformat(e["at"]),
                actor_user_id=e["actor_user_id"],
                side=e["side"],
                content_hash=e["content_hash"],
                prev_hash=prev,
            )
            prev = e["hash"]
        r["head_hash"] = prev

    rewrite_zip(path, lambda m: edit_record(m, forge), fix_manifest=True)
    alone = verify_archive(path)
    assert alone.ok, "consistent in itself"
    assert alone.head_hash != posted_head
    report = verify_archive(path, expected_head=posted_head)
    assert report.problems == [f"head hash {alone.head_hash} differs from the one posted in Slack {posted_head}"]


async def test_a_wrong_head_fails_and_the_right_one_passes(archive: tuple[Path, str]) -> None:
    path, head = archive
    assert verify_archive(path, expected_head=head.upper()).ok
    wrong = "f" * 64
    report = verify_archive(path, expected_head=wrong)
    assert (report.ok, report.head_hash) == (False, head)
    assert report.problems == [f"head hash {head} differs from the one posted in Slack {wrong}"]


async def test_a_swapped_document_is_caught_by_its_event_even_with_the_manifest_rewritten(
    archive: tuple[Path, str],
) -> None:
    path, _ = archive
    name = "documents/host/POD-1001.pdf/v1-POD-1001.pdf"
    record = json.loads(read_zip(path)["collaboration.json"])
    published = next(
        e["seq"]
        for e in record["events"]
        if e["kind"] == "document_version_published" and e["data"]["name"] == "POD-1001.pdf"
    )
    rewrite_zip(path, lambda m: {**m, name: b"%PDF-1.7\n% a different POD\n"}, fix_manifest=True)
    assert verify_archive(path).problems == [
        f"{name}: its content does not match the SHA-256 recorded in event {published}"
    ]


async def test_missing_and_extra_files_are_named(archive: tuple[Path, str]) -> None:
    path, _ = archive
    gone = "documents/host/Statement.pdf/v1-Statement.pdf"

    def change(members: dict[str, bytes]) -> dict[str, bytes]:
        del members[gone]
        members["documents/host/extra.pdf"] = b"%PDF-1.4 slipped in\n"
        return members

    rewrite_zip(path, change)
    assert verify_archive(path).problems == [
        "documents/host/extra.pdf: not listed in the manifest",
        f"{gone}: listed in the manifest but missing from the archive",
    ]


async def test_an_archive_without_its_manifest_or_record_says_so(archive: tuple[Path, str]) -> None:
    path, _ = archive
    rewrite_zip(path, lambda m: {k: v for k, v in m.items() if k not in ("MANIFEST.sha256", "collaboration.json")})
    assert verify_archive(path).problems == [
        "MANIFEST.sha256 is missing: the files cannot be checked",
        "collaboration.json is missing: the event chain cannot be checked",
    ]


async def test_a_damaged_member_is_named_without_a_traceback(archive: tuple[Path, str]) -> None:
    """Bytes changed inside the zip itself (the CRC no longer matches), not a rewritten member."""
    path, _ = archive
    with zipfile.ZipFile(path) as zf:
        offset = zf.getinfo("documents/host/POD-1001.pdf/v1-POD-1001.pdf").header_offset
    data = bytearray(path.read_bytes())
    name_length = int.from_bytes(data[offset + 26 : offset + 28], "little")
    extra_length = int.from_bytes(data[offset + 28 : offset + 30], "little")
    data[offset + 30 + name_length + extra_length + 3] ^= 0x20  # inside the stored PDF's bytes
    path.write_bytes(bytes(data))
    problems = verify_archive(path).problems
    assert len(problems) == 1
    assert problems[0].startswith("documents/host/POD-1001.pdf/v1-POD-1001.pdf: damaged, cannot be read")


def write_zip(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)


def test_hostile_names_are_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "hostile.zip"
    write_zip(
        path,
        {
            "../../x": b"escape",
            "/etc/passwd": b"root",
            "C:/Windows/evil.dll": b"dll",
            "documents\\..\\up.txt": b"back",
            "ok.txt": b"fine",
        },
    )
    problems = verify_archive(path).problems
    for name in ("../../x", "/etc/passwd", "C:/Windows/evil.dll", "documents\\..\\up.txt"):
        assert f"unsafe name in the archive, not read: {name!r}" in problems
    assert "MANIFEST.sha256 is missing: the files cannot be checked" in problems


def test_a_zip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    write_zip(path, {"collaboration.json": b"\0" * (40 * 1024 * 1024)})
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("collaboration.json")
    report = verify_archive(path)
    assert report.problems[0] == (
        f"collaboration.json: declares {info.file_size} bytes from {info.compress_size} compressed "
        "(a zip bomb?): not read"
    )
    assert not report.ok


def test_a_manifest_that_lies_about_a_member_size_is_stopped_at_the_declared_size(tmp_path: Path) -> None:
    """zipfile reads a member no further than its declared size and checks its CRC, so a header that
    understates a member cannot make verify read more than it says."""
    path = tmp_path / "liar.zip"
    write_zip(path, {"a.txt": b"x" * 1000}, compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    # Shrink the central directory's uncompressed size of a.txt to 10 bytes.
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    problems = verify_archive(path).problems
    assert any(p.startswith("a.txt: damaged, cannot be read") for p in problems), problems


def test_not_a_zip_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "notes.zip"
    path.write_text("not a zip")
    with pytest.raises(ArchiveUnreadable, match="not a readable zip archive"):
        verify_archive(path)
    with pytest.raises(ArchiveUnreadable):
        verify_archive(tmp_path / "missing.zip")


def test_malformed_json_and_events_are_reported_not_raised(tmp_path: Path) -> None:
    def archive_with(record: bytes) -> Path:
        members = {"collaboration.json": record}
        manifest = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in members.items())
        path = tmp_path / f"r{len(list(tmp_path.iterdir()))}.zip"
        write_zip(path, {**members, "MANIFEST.sha256": manifest.encode()})
        return path

    assert verify_archive(archive_with(b"{not json")).problems[0].startswith("collaboration.json is not valid JSON")
    assert verify_archive(archive_with(b"[]")).problems == ["collaboration.json has no list of events"]
    bad = {"collaboration": {"id": 1}, "events": [{"seq": 1, "kind": "x"}], "head_hash": GENESIS_HASH}
    assert verify_archive(archive_with(json.dumps(bad).encode())).problems == [
        "collaboration.json: event #1 is malformed (at missing or not text)"
    ]
    naive = {
        "collaboration": {"id": 1},
        "events": [
            {
                "seq": 1,
                "kind": "x",
                "at": "2026-12-01T09:00:00",
                "actor_user_id": None,
                "side": None,
                "data": {},
                "content_hash": content_hash_of({}),
                "prev_hash": GENESIS_HASH,
                "hash": "0" * 64,
            }
        ],
        "head_hash": "0" * 64,
    }
    problems = verify_archive(archive_with(json.dumps(naive).encode())).problems
    assert problems == ["event 1 (x): naive datetime in the event chain; use an aware datetime"]
