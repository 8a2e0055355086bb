"""Case 4 — the archive of a large collaboration: 2,000 chat messages and 300 document versions (about
200 MB), made through the use cases and `append_event` with the real blob store; then `baton archive`
builds its zip in a subprocess, timed, with that process's peak RSS (VmHWM; see measured.py).

The reference: Python's zipfile packing the same files (the document versions' bytes and the archive's
generated files, extracted beforehand) with ZIP_STORED, in a subprocess of its own
(tests/bench/zip_reference.py). Baton deflates its text files (and CSV documents) and hashes every
entry; the reference does neither.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import subprocess
import time
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.blobs import LocalBlobStore
from bot.db import create_engine, session_factory
from bot.filecheck import file_type_of, safe_name
from bot.migrate import upgrade
from models.history import append_event
from models.sides import Actor, Member, Side
from models.use_cases import pass_turn, stage_upload, start_collaboration
from tests.bench.common import PYTHON, ROOT, Row, Run, fresh_database, rounded

CASE = "archive"
HOST = Actor("U0ALICE", "T0NORTHWIND", "Alice Moreau")
GUEST = Actor("U0BOB", "T0RETAIL", "Bob Tran")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def document_bytes(rng: random.Random, kind: str, size: int) -> bytes:
    """Incompressible bytes behind a PDF or XLSX signature, or CSV text (which deflates)."""
    if kind == "csv":
        line = "INV-{:06d},2026-11-{:02d},{:.2f},USD,shipped,warehouse {}\n"
        out, n = [], 0
        while n < size:
            row = line.format(rng.randrange(10**6), rng.randrange(1, 29), rng.random() * 10**4, rng.randrange(9))
            out.append(row)
            n += len(row)
        return "".join(out).encode()[:size]
    head = b"%PDF-1.7\n" if kind == "pdf" else b"PK\x03\x04"
    return head + rng.randbytes(size - len(head))


async def make_collaboration(
    url: str, data_dir: Path, *, messages: int, versions: int, total_bytes: int
) -> dict[str, Any]:
    """The collaboration, through the use cases; returns its id and what went in."""
    rng = random.Random(7)
    store = LocalBlobStore(data_dir / "blobs")
    engine = create_engine(url)
    sessions = session_factory(engine)
    at = T0
    try:
        await upgrade(engine)
        async with sessions.begin() as session:
            c = await start_collaboration(
                session,
                actor=HOST,
                channel_id="C0RETAIL",
                host_team_key=HOST.team_key,
                host_name="Northwind Distribution",
                title="Retail Co — November 2026 statement",
                period="2026-11",
                note="November statement attached.",
                account_name="Retail Co",
                guest_name="Retail Co",
                guest_team_key=GUEST.team_key,
                guest_contact_user_id=GUEST.user_id,
                channel_members=[
                    Member(HOST.user_id, HOST.team_key, HOST.display_name),
                    Member(GUEST.user_id, GUEST.team_key, GUEST.display_name),
                ],
                now=at,
            )
        turns = max(2, versions // 10)
        per_turn = [versions // turns + (1 if i < versions % turns else 0) for i in range(turns)]
        chat_per_turn = [messages // turns + (1 if i < messages % turns else 0) for i in range(turns)]
        mean = total_bytes / versions
        stored = 0
        ts = 1764579600
        parents: list[str] = []
        for turn in range(turns):
            actor = HOST if turn % 2 == 0 else GUEST
            side = Side.HOST if actor is HOST else Side.GUEST
            for k in range(per_turn[turn]):  # uploads: new versions of the side's documents, some new ones
                kind = "csv" if k % 10 == 9 else "xlsx" if k % 10 == 8 else "pdf"
                size = max(4096, int(rng.uniform(0.3, 1.7) * mean))
                data = document_bytes(rng, kind, size)
                name = f"{'Statement' if side is Side.HOST else 'Remittance'}-{k:02d}.{kind}"
                blob = await store.put_bytes(data, max_bytes=64 * 1024 * 1024)
                stored += len(data)
                at += timedelta(seconds=30)
                async with sessions.begin() as session:
                    await stage_upload(
                        session,
                        actor=actor,
                        collaboration_id=c.id,
                        name=safe_name(name),
                        original_name=name,
                        size=len(data),
                        file_type=file_type_of(name),
                        blob=blob,
                        slack_file_id=f"F{turn:04d}{k:04d}",
                        now=at,
                    )
            batch = chat_per_turn[turn]
            for start in range(0, batch, 50):  # the chat, as the message recorder appends it
                async with sessions.begin() as session:
                    for _ in range(min(50, batch - start)):
                        ts += 37
                        at += timedelta(seconds=37)
                        author = HOST if rng.random() < 0.5 else GUEST
                        reply = parents and rng.random() < 0.3
                        thread_ts = rng.choice(parents[-20:]) if reply else None
                        other = GUEST.user_id if author is HOST else HOST.user_id
                        words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 40)))
                        text = f"<@{other}> about INV-{rng.randrange(10**6):06d}: {words}"
                        await append_event(
                            session,
                            c.id,
                            "message_posted",
                            actor=author.user_id,
                            side=Side.HOST if author is HOST else Side.GUEST,
                            data={
                                "user": author.user_id,
                                "text": text,
                                "ts": f"{ts}.000100",
                                "thread_ts": thread_ts,
                                "files": [],
                            },
                            at=at,
                        )
                        if not reply:
                            parents.append(f"{ts}.000100")
            at += timedelta(minutes=5)
            async with sessions.begin() as session:
                await pass_turn(
                    session,
                    actor=actor,
                    collaboration_id=c.id,
                    message=f"Turn {turn + 1}: {per_turn[turn]} documents for you to check.",
                    now=at,
                )
        return {"collaboration_id": c.id, "messages": messages, "versions": versions, "bytes": stored}
    finally:
        await engine.dispose()


WORDS = tuple(
    [
        "invoice",
        "credit",
        "memo",
        "shipment",
        "short",
        "pallet",
        "received",
        "signed",
        "proof",
        "delivery",
        "tracking",
        "carrier",
        "dispute",
        "statement",
        "balance",
        "remittance",
        "paid",
        "open",
        "overdue",
        "check",
        "warehouse",
        "return",
        "damaged",
        "price",
        "agreed",
        "rebate",
    ]
)


def timed_child(
    module: list[str], folder: Path, env: dict[str, str] | None = None
) -> tuple[float, int, dict[str, Any], str]:
    """Run `python -m MODULE…` to completion under tests/bench/measured.py: wall seconds, exit code,
    its own measurements (peak RSS, time after imports), and its output."""
    report = folder / f"measured-{module[0]}.json"
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "-m", "tests.bench.measured", str(report), *module],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    seconds = time.perf_counter() - started
    measured = json.loads(report.read_text()) if report.exists() else {}
    return seconds, proc.returncode, measured, proc.stdout.decode(errors="replace")


def extra_work(files: list[tuple[str, str]]) -> tuple[float, float, float]:
    """What Baton does to these files that the reference does not, timed alone in this process: deflating
    the entries it compresses (text files, CSV documents) and SHA-256 of every entry (the manifest)."""
    deflate = sha = 0.0
    deflated = 0
    for name, path in files:
        data = Path(path).read_bytes()
        started = time.perf_counter()
        hashlib.sha256(data).hexdigest()
        sha += time.perf_counter() - started
        if not name.startswith("documents/") or name.endswith(".csv"):
            started = time.perf_counter()
            packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            packer.compress(data)
            packer.flush()
            deflate += time.perf_counter() - started
            deflated += len(data)
    return deflate, sha, deflated / 2**20


def extract_generated(archive: Path, folder: Path, store: Path) -> list[tuple[str, str]]:
    """The (name in the zip, file on disk) of every entry: documents from the blob store, the generated
    files (index.html, collaboration.json, CSVs, manifest) extracted from Baton's archive."""
    manifest = {}
    with zipfile.ZipFile(archive) as zf:
        lines = zf.read("MANIFEST.sha256").decode().splitlines()
        for line in lines:
            sha, name = line.split("  ", 1)
            manifest[name] = sha
        files = []
        for info in zf.infolist():
            if info.filename.startswith("documents/"):
                sha = manifest[info.filename]
                files.append((info.filename, str(store / sha[:2] / sha[2:4] / sha)))
            else:
                target = folder / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(info))
                files.append((info.filename, str(target)))
    return files


async def run(r: Run) -> list[Row]:
    messages, versions, total = (200, 30, 20 * 1024 * 1024) if r.quick else (2000, 300, 200 * 1024 * 1024)
    database = r.databases[0]
    folder = r.dir(CASE)
    data_dir = folder / "data"
    async with fresh_database(database, folder) as url:
        r.say(f"  making a collaboration: {messages} messages, {versions} versions, {total / 2**20:.0f} MB")
        made = await make_collaboration(url, data_dir, messages=messages, versions=versions, total_bytes=total)
        out = folder / "archive.zip"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_", "DATABASE_URL", "MS_"))}
        env.update({"DATABASE_URL": url, "BATON_DATA_DIR": str(data_dir), "BATON_LOG_FORMAT": "json",
                    "PYTHONPATH": str(ROOT)})  # fmt: skip
        r.say("  baton archive")
        seconds, code, measured, output = await asyncio.to_thread(
            timed_child, ["bot.cli", "archive", str(made["collaboration_id"]), "-o", str(out)], folder, env
        )
        if code != 0:
            raise RuntimeError(f"baton archive exited {code}: {output[-1500:]}")
        size = out.stat().st_size
    files = await asyncio.to_thread(extract_generated, out, folder / "generated", data_dir / "blobs")
    deflate_s, sha_s, deflated_mb = await asyncio.to_thread(extra_work, files)
    listing = folder / "reference-files.json"
    listing.write_text(json.dumps(files))
    r.say("  zipfile reference")
    ref_seconds, ref_code, ref_measured, ref_output = await asyncio.to_thread(
        timed_child, ["tests.bench.zip_reference", str(listing), str(folder / "reference.zip")], folder
    )
    if ref_code != 0:
        raise RuntimeError(f"the zipfile reference failed: {ref_output[-1500:]}")
    ref_size = (folder / "reference.zip").stat().st_size
    ratio = seconds / ref_seconds
    peak_kib, ref_peak = measured.get("peak_kib", 0), ref_measured.get("peak_kib", 0)
    work, ref_work = measured.get("work_seconds"), ref_measured.get("work_seconds")
    what = (
        f"{made['messages']} messages, {made['versions']} document versions ({made['bytes'] / 2**20:.0f} MB: "
        f"80 % PDF and 10 % XLSX stored, 10 % CSV deflated), {len(files)} entries; Baton's zip "
        f"{size / 2**20:.0f} MB, the reference's {ref_size / 2**20:.0f} MB; both timed from process start to "
        f"exit; after imports: Baton {work:.2f} s, zipfile {ref_work:.2f} s; work the reference does not do, "
        f"timed alone: deflating {deflated_mb:.0f} MB (text files and CSV documents) {deflate_s:.2f} s, SHA-256 of "
        f"every entry {sha_s:.2f} s"
    )
    return [
        Row(
            CASE,
            "baton archive: time",
            round(seconds, 2),
            "s",
            reference=round(ref_seconds, 2),
            ratio=rounded(ratio),
            target="<= 3x zipfile ZIP_STORED",
            met=ratio <= 3.0,
            database=database,
            notes=what,
        ),
        Row(
            CASE,
            "baton archive: peak RSS",
            round(peak_kib / 1024, 1),
            "MB",
            reference=round(ref_peak / 1024, 1),
            ratio=rounded(peak_kib / ref_peak) if ref_peak else None,
            target="< 150 MB",
            met=0 < peak_kib / 1024 < 150,
            database=database,
            notes=(
                f"VmHWM of the `python -m bot.cli archive` process; "
                f"{measured.get('after_imports_kib', 0) / 1024:.0f} MB of it after importing Baton, before any work; "
                "reference: the zipfile process"
            ),
        ),
    ]
