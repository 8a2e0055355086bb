"""`python -m tests.bench [--quick] [--only CASE] [--database sqlite|postgres|both] [--out FILE]`.

A full run writes tests/bench/results.json and the table in tests/bench/README.md. `--quick` is the CI
smoke run (small sizes, well under two minutes): it writes `$TMPDIR/baton-bench-quick.json` unless
`--out` is given, and never touches the committed results or README. `--only` (repeatable) runs some
cases; a full run with `--only` keeps the other cases' figures from the previous results.json.
Exit status 1 when a case failed to run (a target missed is a finding, not a failure).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.common import LoadMonitor, Row, Run, machine_info, postgres_available
from tests.bench.report import RESULTS, merge, write_readme_table, write_results

CASES = {
    "ack": "tests.bench.ack",
    "throughput": "tests.bench.throughput",
    "fanout": "tests.bench.fanout",
    "archive": "tests.bench.archive",
    "scale": "tests.bench.scale",
    "startup": "tests.bench.startup",
}
# Bounds on each case, so a hang ends the run instead of CI: (quick, full) seconds.
CASE_TIMEOUT = {"ack": (60, 2400), "throughput": (90, 1800), "fanout": (60, 3000), "archive": (60, 1200),
                "scale": (90, 3000), "startup": (60, 300)}  # fmt: skip


def save(out: Path, document: dict[str, Any], only: list[str] | None) -> None:
    """Write the results (merged with the previous file's other cases under --only), and the README
    table when they are the committed results."""
    previous = None
    if only and out.exists():
        with contextlib.suppress(ValueError, OSError):
            previous = json.loads(out.read_text())
    document = merge(previous, document, set(only or CASES))
    write_results(out, document)
    print(f"results: {out}")
    if out.resolve() == RESULTS.resolve():
        write_readme_table(document)
        print("table: tests/bench/README.md")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI (well under 2 minutes)")
    parser.add_argument("--only", action="append", choices=sorted(CASES), help="run only this case (repeatable)")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres", "both"),
        help="databases for the cases that run on several (default: both; --quick: sqlite)",
    )
    parser.add_argument("--out", type=Path, help="results file (default: tests/bench/results.json; quick: $TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (databases, logs)")
    return parser.parse_args(argv)


async def postgres_version() -> str | None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from tests.bench.common import POSTGRES_URL

    engine = create_async_engine(POSTGRES_URL)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SHOW server_version"))).scalar_one()).split()[0]
    except Exception:
        return None
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    choice = args.database or ("sqlite" if args.quick else "both")
    databases = ("sqlite", "postgres") if choice == "both" else (choice,)
    skipped_postgres = None
    if "postgres" in databases and (why := await postgres_available()) is not None:
        if choice == "postgres":
            print(f"PostgreSQL is not reachable: {why}", file=sys.stderr)
            return 2
        skipped_postgres = why
        databases = ("sqlite",)
    selected = args.only or list(CASES)
    out: Path = args.out or (
        Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "baton-bench-quick.json" if args.quick else RESULTS
    )
    scratch = Path(tempfile.mkdtemp(prefix="baton-bench-"))
    run = Run(quick=args.quick, databases=databases, scratch=scratch)
    machine = machine_info()
    if "postgres" in databases:
        machine["postgres"] = f"PostgreSQL {await postgres_version()} on 127.0.0.1 (same machine)"
    monitor = LoadMonitor()
    monitor.start()
    rows: list[Row] = []
    conditions: dict[str, Any] = {}
    failed: list[str] = []
    run.say(f"benchmark ({'quick' if args.quick else 'full'}), databases {', '.join(databases)}, scratch {scratch}")
    if skipped_postgres:
        run.say(f"PostgreSQL skipped: {skipped_postgres}")
    try:
        for name in CASES:
            if name not in selected:
                continue
            module = importlib.import_module(CASES[name])
            run.say(f"case {name}")
            mark = monitor.mark()
            case_started = time.perf_counter()
            try:
                async with asyncio.timeout(CASE_TIMEOUT[name][0 if args.quick else 1]):
                    rows += await module.run(run)
            except Exception as e:
                failed.append(name)
                traceback.print_exc()
                rows.append(Row(name, "case failed to run", None, "", notes=f"{type(e).__name__}: {e}"[:500]))
            conditions[name] = monitor.section(mark)
            run.say(f"case {name} done in {time.perf_counter() - case_started:.0f} s")
    finally:
        monitor.stop()
        if args.keep:
            print(f"scratch kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "command": "python -m tests.bench " + " ".join(sys.argv[1:]),
        "duration_seconds": round(time.perf_counter() - started, 1),
        "machine": {
            **machine,
            "shared": "the suite's processes (emulator and orchestration, the load generator, baton serve, "
            "the bare bolt app, PostgreSQL's backends) shared the cores with whatever else ran on the "
            "machine; `conditions` gives, per case, the load average and the CPU time other processes used",
        },
        "databases": list(databases) + ([f"postgres skipped: {skipped_postgres}"] if skipped_postgres else []),
        "case_order": list(CASES),
        "conditions": conditions,
        "results": [row.as_dict() for row in rows],
    }
    save(out, document, selected if args.only else None)
    for row in rows:
        flag = {True: "met", False: "MISSED", None: ""}[row.met]
        ref = f" (ref {row.reference}, x{row.ratio})" if row.reference is not None else ""
        db = f" [{row.database}]" if row.database else ""
        print(f"  {row.case:10} {row.metric}{db}: {row.value} {row.unit}{ref} {row.target or ''} {flag}")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(None))))
