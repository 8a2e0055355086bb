"""Check an archive: every file against the manifest, the event chain against itself, and the head hash
against the one posted in Slack.

What each check proves: the manifest catches a changed, missing or extra file; the chain catches a
changed, missing or reordered event even when the manifest was rewritten to match, and each document
file is also compared with the SHA-256 its event recorded; the head hash posted in Slack (held by both
organisations outside the zip) catches a chain rebuilt from scratch.

The zip is read, never extracted, and treated as hostile: names that would escape a folder are
refused, every entry is read in chunks no further than its declared size (zipfile stops there and
checks the CRC), and archives that declare absurd sizes or compression ratios are refused unread.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.archive.builder import JSON_RECORD, MANIFEST
from models.history import GENESIS_HASH, verify_chain

__all__ = ["ArchiveUnreadable", "ArchivedEvent", "VerifyReport", "verify_archive"]

MAX_ENTRIES = 200_000
MAX_ENTRY_BYTES = 64 * 1024**3  # declared, per file
MAX_TOTAL_BYTES = 256 * 1024**3  # declared, all files together
MAX_RATIO = 200  # uncompressed : compressed, for entries over RATIO_FLOOR
RATIO_FLOOR = 16 * 1024**2
MAX_MANIFEST_BYTES = 64 * 1024**2
MAX_JSON_BYTES = 2 * 1024**3
MAX_CHAIN_PROBLEMS = 20
_CHUNK = 1024 * 1024

_SHA256 = re.compile(r"[0-9a-f]{64}")
_MANIFEST_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")
_CHAIN_PROBLEM = re.compile(r"seq (-?\d+): (.*)")
_CHAIN_WORDS = {
    "data does not match its content_hash": "its data does not match its content hash (the event was changed)",
    "hash does not match the event": "hash does not match its content",
    "prev_hash does not match the previous event's hash": "does not link to the event before it (prev_hash differs)",
}


class ArchiveUnreadable(Exception):
    """The file is not a zip that can be read at all (missing, not a zip, truncated)."""


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    head_hash: str | None  # the chain's head as the archive holds it; None when it could not be read
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ArchivedEvent:
    """An event read back from collaboration.json: what `models.history.verify_chain` recomputes."""

    collaboration_id: int
    seq: int
    kind: str
    at: datetime
    actor_user_id: str | None
    side: str | None
    data: Mapping[str, Any]
    content_hash: str
    prev_hash: str
    hash: str


def verify_archive(path: Path | str, *, expected_head: str | None = None) -> VerifyReport:
    """Check the archive at `path`; `expected_head` is the head hash posted in Slack, when known.

    ArchiveUnreadable when the file cannot be opened as a zip at all.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as e:
        raise ArchiveUnreadable(f"{path}: not a readable zip archive ({e})") from e
    with zf:
        return _Verifier(zf).run(expected_head)


class _Verifier:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.problems: list[str] = []
        self.entries: dict[str, zipfile.ZipInfo] = {}  # safe file entries by name
        self.hashes: dict[str, str] = {}  # name → the SHA-256 of its content, as read
        self.manifest: dict[str, str] = {}  # name → the SHA-256 the manifest lists

    def run(self, expected_head: str | None) -> VerifyReport:
        if not self._screen():
            return VerifyReport(ok=False, head_hash=None, problems=self.problems)
        self.manifest = self._manifest()
        self._files(self.manifest)
        record = self._record()
        head: str | None = None
        if record is not None:
            head = self._chain(record)
        if head is not None and expected_head is not None:
            wanted = expected_head.strip().lower()
            if wanted != head:
                self.problems.append(f"head hash {head} differs from the one posted in Slack {wanted}")
        return VerifyReport(ok=not self.problems, head_hash=head, problems=self.problems)

    # --- the zip as a whole ---

    def _screen(self) -> bool:
        """Refuse hostile names and sizes before reading anything; False when nothing should be read."""
        infos = self.zf.infolist()
        if len(infos) > MAX_ENTRIES:
            self.problems.append(f"the archive has {len(infos)} entries, more than {MAX_ENTRIES}: refused unread")
            return False
        total = 0
        for info in infos:
            name = info.filename
            if _unsafe(name):
                self.problems.append(f"unsafe name in the archive, not read: {name!r}")
                continue
            if info.is_dir():
                continue
            if name in self.entries:
                self.problems.append(f"{name}: appears twice in the archive")
                continue
            total += info.file_size
            if info.file_size > MAX_ENTRY_BYTES:
                self.problems.append(f"{name}: declares {info.file_size} bytes, more than an archive holds: not read")
                continue
            ratio_suspicious = (
                info.compress_type != zipfile.ZIP_STORED
                and info.file_size > RATIO_FLOOR
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            )
            if ratio_suspicious:
                self.problems.append(
                    f"{name}: declares {info.file_size} bytes from {info.compress_size} compressed "
                    "(a zip bomb?): not read"
                )
                continue
            self.entries[name] = info
        if total > MAX_TOTAL_BYTES:
            self.problems.append(f"the archive declares {total} bytes in all, more than an archive holds: refused")
            return False
        return True

    def _read_hash(self, name: str) -> str | None:
        """The SHA-256 of an entry's content, read in chunks (zipfile stops at the declared size and checks
        the CRC); None, with the problem noted, when it cannot be read whole."""
        info = self.entries[name]
        digest = hashlib.sha256()
        try:
            with self.zf.open(info) as member:
                while chunk := member.read(_CHUNK):
                    digest.update(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as e:
            self.problems.append(f"{name}: damaged, cannot be read ({e})")
            return None
        return digest.hexdigest()

    # --- the manifest and the files ---

    def _manifest(self) -> dict[str, str]:
        info = self.entries.get(MANIFEST)
        if info is None:
            self.problems.append(f"{MANIFEST} is missing: the files cannot be checked")
            return {}
        if info.file_size > MAX_MANIFEST_BYTES:
            self.problems.append(f"{MANIFEST} is {info.file_size} bytes, too large to be a manifest")
            return {}
        try:
            with self.zf.open(info) as member:
                text = member.read(MAX_MANIFEST_BYTES + 1).decode("utf-8")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, UnicodeDecodeError) as e:
            self.problems.append(f"{MANIFEST}: damaged, cannot be read ({e})")
            return {}
        listed: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            match = _MANIFEST_LINE.fullmatch(line)
            if match is None:
                self.problems.append(f"{MANIFEST} line {number} is not “<sha256>  <path>”")
                continue
            sha, name = match.group(1).lower(), match.group(2)
            if _unsafe(name):
                self.problems.append(f"{MANIFEST} line {number} names an unsafe path: {name!r}")
            elif name in listed:
                self.problems.append(f"{MANIFEST} lists {name} twice")
            elif name == MANIFEST:
                self.problems.append(f"{MANIFEST} lists itself")
            else:
                listed[name] = sha
        return listed

    def _files(self, manifest: Mapping[str, str]) -> None:
        for name in self.entries:
            if name == MANIFEST:
                continue
            sha = self._read_hash(name)
            if sha is None:
                continue
            self.hashes[name] = sha
            if name not in manifest:
                if manifest or MANIFEST in self.entries:
                    self.problems.append(f"{name}: not listed in the manifest")
            elif manifest[name] != sha:
                self.problems.append(f"{name}: SHA-256 does not match the manifest")
        for name in manifest:
            if name not in self.entries:
                self.problems.append(f"{name}: listed in the manifest but missing from the archive")

    # --- collaboration.json and the chain ---

    def _record(self) -> dict[str, Any] | None:
        info = self.entries.get(JSON_RECORD)
        if info is None:
            self.problems.append(f"{JSON_RECORD} is missing: the event chain cannot be checked")
            return None
        if info.file_size > MAX_JSON_BYTES:
            self.problems.append(f"{JSON_RECORD} is {info.file_size} bytes, too large to check")
            return None
        try:
            with self.zf.open(info) as member:
                record = json.load(member)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            self.problems.append(f"{JSON_RECORD}: damaged, cannot be read ({e})")
            return None
        except (ValueError, RecursionError) as e:  # JSONDecodeError and bad UTF-8 are ValueErrors
            self.problems.append(f"{JSON_RECORD} is not valid JSON: {e}")
            return None
        if not isinstance(record, dict) or not isinstance(record.get("events"), list):
            self.problems.append(f"{JSON_RECORD} has no list of events")
            return None
        return record

    def _chain(self, record: Mapping[str, Any]) -> str | None:
        collaboration = record.get("collaboration")
        collaboration_id = collaboration.get("id") if isinstance(collaboration, dict) else None
        events: list[ArchivedEvent] = []
        for index, raw in enumerate(record["events"], start=1):
            event = _event(raw, collaboration_id)
            if isinstance(event, str):
                self.problems.append(f"{JSON_RECORD}: event #{index} is malformed ({event})")
                return None
            events.append(event)
        kinds = {e.seq: e.kind for e in events}
        chain_problems = verify_chain(events)
        if isinstance(collaboration_id, int) and any(e.collaboration_id != collaboration_id for e in events):
            chain_problems.insert(0, f"events of another collaboration than {collaboration_id}")
        for problem in chain_problems[:MAX_CHAIN_PROBLEMS]:
            self.problems.append(_chain_words(problem, kinds))
        if len(chain_problems) > MAX_CHAIN_PROBLEMS:
            self.problems.append(f"… and {len(chain_problems) - MAX_CHAIN_PROBLEMS} more problems in the chain")

        head = events[-1].hash if events else GENESIS_HASH
        named = record.get("head_hash")
        if named != head:
            self.problems.append(f"{JSON_RECORD} names head hash {named}, but its last event's hash is {head}")
        self._documents_against_chain(record, events)
        return head

    def _documents_against_chain(self, record: Mapping[str, Any], events: Sequence[ArchivedEvent]) -> None:
        """Each document file must have the SHA-256 its event recorded: a rewritten manifest cannot hide a
        swapped file."""
        recorded: dict[int, tuple[str, int]] = {}  # version id → (sha256, the event's seq)
        for e in events:
            version_id, sha = e.data.get("version_id"), e.data.get("sha256")
            if isinstance(version_id, int) and isinstance(sha, str):
                recorded.setdefault(version_id, (sha, e.seq))
        documents = record.get("documents")
        for document in documents if isinstance(documents, list) else []:
            versions = document.get("versions") if isinstance(document, dict) else None
            for version in versions if isinstance(versions, list) else []:
                if not isinstance(version, dict) or not isinstance(version.get("path"), str):
                    continue
                path = version["path"]
                if path not in self.entries:
                    if path not in self.manifest:  # else reported as missing already
                        self.problems.append(f"{path}: named in {JSON_RECORD} but missing from the archive")
                    continue
                actual = self.hashes.get(path)
                version_id = version.get("id")
                chain = recorded.get(version_id) if isinstance(version_id, int) else None
                if actual is None:
                    continue
                if chain is not None and actual != chain[0]:
                    self.problems.append(f"{path}: its content does not match the SHA-256 recorded in event {chain[1]}")
                elif chain is None and actual != version.get("sha256"):
                    self.problems.append(f"{path}: its content does not match its SHA-256 in {JSON_RECORD}")


def _event(raw: Any, collaboration_id: Any) -> ArchivedEvent | str:
    """An archived event, or what is wrong with it."""
    if not isinstance(raw, dict):
        return "not an object"
    cid = raw.get("collaboration_id", collaboration_id)
    strings = ("kind", "at", "content_hash", "prev_hash", "hash")
    for key in strings:
        if not isinstance(raw.get(key), str):
            return f"{key} missing or not text"
    if not isinstance(cid, int) or isinstance(cid, bool):
        return "collaboration_id missing or not a number"
    seq = raw.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        return "seq missing or not a number"
    for key in ("actor_user_id", "side"):
        if raw.get(key) is not None and not isinstance(raw.get(key), str):
            return f"{key} not text"
    if not isinstance(raw.get("data"), dict):
        return "data missing or not an object"
    try:
        at = datetime.fromisoformat(raw["at"])
    except ValueError:
        return f"at is not an ISO time: {raw['at']!r}"
    return ArchivedEvent(
        collaboration_id=cid,
        seq=seq,
        kind=raw["kind"],
        at=at,
        actor_user_id=raw.get("actor_user_id"),
        side=raw.get("side"),
        data=raw["data"],
        content_hash=raw["content_hash"],
        prev_hash=raw["prev_hash"],
        hash=raw["hash"],
    )


def _chain_words(problem: str, kinds: Mapping[int, str]) -> str:
    match = _CHAIN_PROBLEM.fullmatch(problem)
    if match is None:
        return f"event chain: {problem}"
    seq, rest = int(match.group(1)), match.group(2)
    kind = kinds.get(seq, "?")
    return f"event {seq} ({kind}): {_CHAIN_WORDS.get(rest, rest)}"


def _unsafe(name: str) -> bool:
    """A name that could land outside the folder it is unpacked in, or hide what it is."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    if re.match(r"[A-Za-z]:", name):  # a Windows drive
        return True
    parts = name.rstrip("/").split("/")
    return any(part in ("", ".", "..") for part in parts) or any(ord(ch) < 32 for ch in name)
