"""What every case shares: the run's settings, result rows, percentiles, fresh databases, a `baton serve`
subprocess, the load generator, and a watch on who else is using the machine's cores."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BENCH_DATABASE_PREFIX = "baton_bench_"
POSTGRES_URL = os.environ.get("BATON_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


# --- the run -----------------------------------------------------------------------------------------


@dataclass
class Run:
    """One invocation of the suite: quick or full, which databases, where scratch files go."""

    quick: bool
    databases: tuple[str, ...]
    scratch: Path

    def say(self, message: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        line = f"[{stamp}] {message}"
        print(line, flush=True)

    def dir(self, name: str) -> Path:
        """A fresh scratch folder for one case."""
        path = self.scratch / f"{name}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return path


@dataclass
class Row:
    """One figure of results.json."""

    case: str
    metric: str
    value: float | int | None
    unit: str
    reference: float | int | None = None
    ratio: float | None = None
    target: str | None = None
    met: bool | None = None
    database: str | None = None
    notes: str | None = None
    date: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)


# --- the machine, and who shares it ------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """Cores, CPU model, memory, versions: what a figure was measured on."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_mb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mb = int(line.split()[1]) // 1024
    from importlib.metadata import version

    versions = {}
    for package in ("slack_bolt", "slack_sdk", "aiohttp", "SQLAlchemy", "aiosqlite", "asyncpg"):
        with contextlib.suppress(Exception):
            versions[package.lower()] = version(package)
    import sqlite3

    versions["sqlite"] = sqlite3.sqlite_version
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": memory_mb,
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "versions": versions,
    }


def _proc_stat(pid: int) -> tuple[int, int, str] | None:
    """(ppid, utime+stime in clock ticks, command) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    close = raw.rfind(")")
    fields = raw[close + 2 :].split()
    try:
        return int(fields[1]), int(fields[11]) + int(fields[12]), raw[raw.find("(") + 1 : close]
    except (IndexError, ValueError):
        return None


def _cmdline(pid: int) -> str:
    try:
        parts = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return ""
    words = [p.decode(errors="replace") for p in parts if p]
    if words and "python" in Path(words[0]).name:
        words = words[1:]
    words = [Path(w).name if w.startswith("/") else w for w in words]
    return " ".join(words)[:80]


class LoadMonitor:
    """Samples the load average and every process's CPU time once a second, in a thread.

    `section()` returns what happened between two marks: the load average, the share of the machine's
    CPU time this suite's own processes used, and the other processes that used the most.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.me = os.getpid()
        self.ticks = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._loads: list[tuple[float, float]] = []  # (monotonic, 1-minute load average)
        self._cpu: dict[int, tuple[int, str, bool]] = {}  # pid -> (ticks, name, ours)
        self._ours_gone = 0
        self._others_gone: dict[str, int] = {}
        self._thread = threading.Thread(target=self._run, name="bench-load-monitor", daemon=True)

    def start(self) -> None:
        self._sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        try:
            load = float(Path("/proc/loadavg").read_text().split()[0])
        except (OSError, ValueError):
            load = float("nan")
        seen: dict[int, tuple[int, int, str]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                stat = _proc_stat(int(entry))
                if stat is not None:
                    seen[int(entry)] = stat
        ours = {self.me}
        changed = True
        while changed:  # descendants of this process
            changed = False
            for pid, (ppid, _, _) in seen.items():
                if ppid in ours and pid not in ours:
                    ours.add(pid)
                    changed = True
        with self._lock:
            self._loads.append((time.monotonic(), load))
            for pid, (ticks, name, mine) in list(self._cpu.items()):
                if pid not in seen:  # finished: keep its last count
                    if mine:
                        self._ours_gone += ticks
                    else:
                        self._others_gone[name] = self._others_gone.get(name, 0) + ticks
                    del self._cpu[pid]
            for pid, (_, ticks, comm) in seen.items():
                known = self._cpu.get(pid)
                name = known[1] if known else (_cmdline(pid) or comm)
                # PostgreSQL's backends for the suite's own databases work for the suite.
                mine = pid in ours or BENCH_DATABASE_PREFIX in name or (known is not None and known[2])
                self._cpu[pid] = (ticks, name, mine)

    def mark(self) -> dict[str, Any]:
        """A point to measure a section from."""
        self._sample()
        with self._lock:
            return {
                "at": time.monotonic(),
                "loads": len(self._loads),
                "cpu": dict(self._cpu),
                "ours_gone": self._ours_gone,
                "others_gone": dict(self._others_gone),
            }

    def section(self, start: dict[str, Any]) -> dict[str, Any]:
        """What the machine did since `start`: load average, our CPU share, the other busiest processes."""
        end = self.mark()
        seconds = max(1e-9, end["at"] - start["at"])
        with self._lock:
            loads = [v for _, v in self._loads[start["loads"] :]]
        ours = (end["ours_gone"] - start["ours_gone"]) / self.ticks
        others: dict[str, float] = {}
        for name, ticks in end["others_gone"].items():
            others[name] = others.get(name, 0.0) + (ticks - start["others_gone"].get(name, 0)) / self.ticks
        for pid, (ticks, name, mine) in end["cpu"].items():
            before = start["cpu"].get(pid)
            used = (ticks - (before[0] if before else 0)) / self.ticks
            if mine:
                ours += used
            else:
                others[name] = others.get(name, 0.0) + used
        busiest = sorted(((n, s) for n, s in others.items() if s >= 0.5), key=lambda x: -x[1])[:6]
        cores = os.cpu_count() or 1
        return {
            "seconds": round(seconds, 1),
            "loadavg_1m": {
                "min": round(min(loads), 2) if loads else None,
                "mean": round(sum(loads) / len(loads), 2) if loads else None,
                "max": round(max(loads), 2) if loads else None,
            },
            "cpu_seconds_this_suite": round(ours, 1),  # its processes, and PostgreSQL's backends serving it
            "cpu_seconds_others": round(sum(others.values()), 1),
            "others_share_of_machine": round(sum(others.values()) / (seconds * cores), 3),
            "busiest_others": [{"process": n, "cpu_seconds": round(s, 1)} for n, s in busiest],
        }


# --- databases ---------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def fresh_database(kind: str, folder: Path) -> AsyncIterator[str]:
    """A new, empty database for one case: a SQLite file, or a Postgres database created and dropped."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'baton.db'}"
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"{BENCH_DATABASE_PREFIX}{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def postgres_available() -> str | None:
    """None when the benchmark's Postgres server answers; else why not."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(POSTGRES_URL)
    try:
        async with asyncio.timeout(5), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as e:
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    finally:
        await engine.dispose()
    return None


async def database_size(url: str) -> int:
    """Bytes on disk: the SQLite file with its WAL, or pg_database_size."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT pg_database_size(current_database())"))).scalar_one())
    finally:
        await engine.dispose()


def database_label(url: str) -> str:
    return "postgres" if url.startswith("postgresql") else "sqlite"


# --- processes ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a live process, in KiB."""
    found: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(rest.split()[0])
    return found


def baton_env(
    *,
    emulator: Any,
    database_url: str,
    data_dir: Path,
    port: int,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a `baton serve` pointed at the emulator (and nothing from the outer one)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "MS_", "BATON_", "DATABASE_URL", "PORT", "PYTHONASYNCIODEBUG"))
    }
    env.update(
        {
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": emulator.signing_secret,
            "SLACK_API_URL": emulator.api_url,
            "PORT": str(port),
            "DATABASE_URL": database_url,
            "BATON_DATA_DIR": str(data_dir),
            "BATON_LOG_FORMAT": "json",
            "PYTHONPATH": str(ROOT),
            **(extra or {}),
        }
    )
    return env


class Server:
    """A server subprocess (`baton serve`, or the bare bolt app) on a loopback port, with its log."""

    def __init__(self, args: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.args = args
        self.env = env
        self.port = port
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.peak_kib = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                self.args, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    async def start(self, *, health_path: str = "/healthz", timeout: float = 60.0) -> float:
        """Start it and wait until `health_path` answers 200; return the seconds that took."""
        self.started_at = time.perf_counter()
        self.proc = self._spawn()
        url = f"http://127.0.0.1:{self.port}{health_path}"
        deadline = time.perf_counter() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.args[2:4]} exited with {self.proc.returncode}; see {self.log_path}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                        if response.status == 200:
                            return time.perf_counter() - self.started_at
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"{url} did not answer 200 within {timeout}s; see {self.log_path}")
                await asyncio.sleep(0.005)

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (every thread: aiosqlite's included)."""
        stat = _proc_stat(self.pid) if self.proc is not None else None
        return 0.0 if stat is None else stat[1] / os.sysconf("SC_CLK_TCK")

    def memory(self) -> dict[str, int]:
        found = memory_of(self.pid) if self.proc is not None else {}
        self.peak_kib = max(self.peak_kib, found.get("VmHWM", 0))
        return found

    async def stop(self, timeout: float = 40.0) -> int | None:
        """SIGTERM, then wait (bounded); SIGKILL if it does not stop."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.memory()
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.proc.wait, timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            await asyncio.to_thread(self.proc.wait, 10)
        return self.proc.returncode

    def log_summary(self) -> dict[str, int]:
        """Counts of warning and error lines in the server's log."""
        counts = {"warning": 0, "error": 0}
        with contextlib.suppress(OSError):
            for line in self.log_path.read_text(errors="replace").splitlines():
                with contextlib.suppress(ValueError):
                    level = json.loads(line).get("level")
                    if level in counts:
                        counts[level] += 1
                        continue
                if "Traceback" in line:
                    counts["error"] += 1
        return counts

    def log_lines(self, level: str, limit: int = 5) -> list[str]:
        found = []
        with contextlib.suppress(OSError):
            for line in self.log_path.read_text(errors="replace").splitlines():
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    if entry.get("level") == level:
                        found.append(str(entry.get("message"))[:200])
                        if len(found) >= limit:
                            break
        return found


def baton_serve(
    emulator: Any, database_url: str, data_dir: Path, log: Path, *, extra: dict[str, str] | None = None
) -> Server:
    """`python -m bot.cli serve` on a free loopback port, the scheduler off (nothing runs but requests)."""
    port = free_port()
    env = baton_env(emulator=emulator, database_url=database_url, data_dir=data_dir, port=port, extra=extra)
    args = [PYTHON, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--no-scheduler"]
    return Server(args, env, port, log)


def bare_bolt(emulator: Any, log: Path, *, process_before_response: bool = True) -> Server:
    """The reference: a bolt AsyncApp on aiohttp whose listeners only ack() (tests/bench/bare_app.py)."""
    port = free_port()
    env = baton_env(emulator=emulator, database_url="", data_dir=log.parent, port=port)
    args = [PYTHON, "-m", "tests.bench.bare_app", "--port", str(port)]
    if not process_before_response:
        args.append("--ack-polling")
    return Server(args, env, port, log)


# --- the load generator ------------------------------------------------------------------------------


@dataclass
class Sent:
    """One request of a load: its kind, a tag, and what came back."""

    kind: str
    tag: str
    scheduled: float  # seconds after the load started
    lag: float  # how late the client sent it (s)
    latency: float  # send to full response (s), on the client's clock
    status: int  # 0: no answer (timeout or connection error)
    answer: str  # "empty", "errors" (response_action errors), "body", or the client error


@dataclass
class Load:
    results: list[Sent]
    seconds: float  # from the first send to the last answer

    def of(self, kind: str | None = None) -> list[Sent]:
        return [r for r in self.results if kind is None or r.kind == kind]

    def latencies(self, kind: str | None = None, *, ok_only: bool = False) -> list[float]:
        """Every request's time to its answer; one with no answer counts with the time it waited."""
        return [r.latency for r in self.of(kind) if not ok_only or 200 <= r.status < 300]

    def failures(self, kind: str | None = None) -> int:
        return sum(1 for r in self.of(kind) if not 200 <= r.status < 300)


async def run_load(
    requests: Iterable[dict[str, Any]],
    *,
    rate: float,
    secret: str,
    folder: Path,
    timeout: float = 10.0,
) -> Load:
    """Send `requests` ({url, body, content_type, kind, tag, headers?}) at a fixed rate from a separate
    process (tests/bench/loadgen.py), so the client's clock is not slowed by this process's emulator."""
    job = folder / f"load-{uuid.uuid4().hex[:6]}.json"
    out = job.with_suffix(".out.json")
    job.write_text(json.dumps({"secret": secret, "rate": rate, "timeout": timeout, "requests": list(requests)}))
    proc = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "tests.bench.loadgen", str(job), str(out), cwd=str(ROOT), stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the load generator failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    data = json.loads(out.read_text())
    job.unlink(missing_ok=True)
    out.unlink(missing_ok=True)
    return Load([Sent(**r) for r in data["results"]], data["seconds"])


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max in milliseconds."""
    return {
        "p50": ms(percentile(values, 50)),
        "p95": ms(percentile(values, 95)),
        "p99": ms(percentile(values, 99)),
        "max": ms(max(values)) if values else float("nan"),
    }
