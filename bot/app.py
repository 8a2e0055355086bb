"""The composition root: settings in, a wired Baton out (engine, Slack client, outbox, bolt app, routes)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

import handlers
from bot import __version__
from bot.blobs import LocalBlobStore
from bot.db import Sessions, create_engine, database_reachable, session_factory
from bot.deliveries import KeepArchive, build_deliverers
from bot.deps import Deps
from bot.directory import Directory
from bot.heartbeat import Heartbeat
from bot.metrics import CONTENT_TYPE_LATEST, Metrics
from bot.outbox import Deliverer, OutboxWorker, RetryPolicy
from bot.scheduled_deliveries import build_scheduled_deliverers
from bot.settings import Settings
from bot.slack_client import BatonWebClient, build_web_client
from bot.tasks import BackgroundTasks
from models.base import utcnow
from models.flows.problems import report_set_aside
from models.outbox import OutboxEntry

if TYPE_CHECKING:
    from bot.graph import GraphClient, TokenProvider
    from bot.sharepoint import StatementPickup

__all__ = ["Baton", "build_baton", "request_kind"]

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"


@dataclass
class Baton:
    """A wired Baton: the bolt app, its dependencies and the aiohttp application serving it."""

    deps: Deps
    bolt: AsyncApp
    web: web.Application
    heartbeat: Heartbeat
    # Statements from SharePoint (Microsoft 365 only): run with the scheduler (`Scheduler(after_run=…)`).
    pickup: StatementPickup | None = None
    _started: bool = field(default=False, init=False)

    async def start_workers(self) -> None:
        """Start what runs beside the request handlers: the heartbeat (recording any downtime) and the outbox;
        with Microsoft 365, a first token request in the background (its outcome shows on /healthz)."""
        if not self._started:
            await self.heartbeat.start()
            self.deps.outbox.start()
            if self.deps.microsoft_tokens is not None:
                self.deps.tasks.spawn(self.deps.microsoft_tokens.check(), name="microsoft 365 token check")
            self._started = True

    async def close(self) -> None:
        """Finish in-flight work, stop the workers, release the database."""
        await self.deps.tasks.drain()
        if self._started:
            await self.deps.outbox.stop()
            await self.heartbeat.stop()
            self._started = False
        await self.deps.slack.aclose()
        if self.deps.graph is not None:
            await self.deps.graph.aclose()
        if self.deps.microsoft_tokens is not None:
            await self.deps.microsoft_tokens.aclose()
        await self.deps.engine.dispose()


def build_baton(
    settings: Settings, *, outbox_policy: RetryPolicy | None = None, outbox_poll_interval: float = 1.0
) -> Baton:
    """Wire Baton from its settings. Nothing is started and no network is touched."""
    metrics = Metrics()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    token = settings.SLACK_BOT_TOKEN.get_secret_value() if settings.SLACK_BOT_TOKEN else None
    slack = build_web_client(token, settings.SLACK_API_URL, metrics=metrics)
    blobs = LocalBlobStore(settings.BATON_DATA_DIR / "blobs")

    async def tell_host_leaders(entry: OutboxEntry) -> None:
        async with sessions.begin() as session:
            await report_set_aside(session, entry_id=entry.id)

    archives_dir = settings.BATON_DATA_DIR / "archives"
    microsoft = _microsoft365(settings, sessions, slack, archives_dir)
    outbox = OutboxWorker(
        sessions=sessions,
        deliverers={
            **build_deliverers(
                slack, sessions, blobs, archives_dir, keep_archive=microsoft.keep_archive if microsoft else None
            ),
            **build_scheduled_deliverers(slack, sessions),
            **(microsoft.deliverers if microsoft else {}),
        },
        metrics=metrics,
        policy=outbox_policy or RetryPolicy(),
        poll_interval=outbox_poll_interval,
        on_set_aside=tell_host_leaders,
    )
    deps = Deps(
        settings=settings,
        engine=engine,
        sessions=sessions,
        slack=slack,
        directory=Directory(slack),
        blobs=blobs,
        metrics=metrics,
        outbox=outbox,
        tasks=BackgroundTasks(),
        clock=utcnow,
        microsoft_tokens=microsoft.tokens if microsoft else None,
        graph=microsoft.graph if microsoft else None,
    )
    pickup = None
    if microsoft is not None:
        from bot.sharepoint import StatementPickup

        pickup = StatementPickup(
            sessions=sessions, graph=microsoft.graph, blobs=blobs, settings=settings, outbox=outbox
        )
    bolt = build_bolt_app(deps)
    return Baton(
        deps=deps,
        bolt=bolt,
        web=build_web_app(bolt, deps),
        heartbeat=Heartbeat(sessions, deps.clock),
        pickup=pickup,
    )


@dataclass(frozen=True)
class _Microsoft365:
    tokens: TokenProvider
    graph: GraphClient
    keep_archive: KeepArchive
    deliverers: Mapping[str, Deliverer]


def _microsoft365(
    settings: Settings, sessions: Sessions, slack: BatonWebClient, archives_dir: Path
) -> _Microsoft365 | None:
    """The token provider, Graph client and their deliverers, when Microsoft 365 is configured (else None:
    nothing of it is loaded)."""
    if not settings.microsoft_configured:
        return None
    from bot.graph import GraphClient, TokenProvider
    from bot.sharepoint import ArchiveFiler, build_sharepoint_deliverers

    tokens = TokenProvider.from_settings(settings)
    graph = GraphClient.from_settings(settings, tokens)
    return _Microsoft365(
        tokens=tokens,
        graph=graph,
        keep_archive=ArchiveFiler(sessions, archives_dir).keep,
        deliverers=build_sharepoint_deliverers(slack, sessions, graph),
    )


class _EnvTokenNotice(logging.Filter):
    """Drops bolt's notice that an env SLACK_BOT_TOKEN is unused: bolt reads the variable even when a
    client is given (ours always is, built from the settings), so every start would log it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "token` will be unused" not in record.getMessage()


def build_bolt_app(deps: Deps) -> AsyncApp:
    """The bolt app: acks leave when the listener returns (no 10 ms polling); work after it is a task."""
    secret = deps.settings.SLACK_SIGNING_SECRET
    bolt_logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _EnvTokenNotice) for f in bolt_logger.filters):
        bolt_logger.addFilter(_EnvTokenNotice())
    app = AsyncApp(
        client=deps.slack,
        signing_secret=secret.get_secret_value() if secret else "",  # never let bolt read the env
        process_before_response=True,
        logger=bolt_logger,
    )

    async def inject_deps(context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        context["deps"] = deps
        await next()

    app.middleware(inject_deps)
    handlers.register_all(app)
    return app


def request_kind(body: dict[str, Any]) -> str:
    """command, block_actions, view_submission, event:<type>… — the label metrics count by.

    `body` is the request as bolt parsed it (a form's `payload` already decoded), so it is parsed once.
    """
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        return f"event:{event.get('type', 'unknown') if isinstance(event, dict) else 'unknown'}"
    return str(kind) if kind else "unknown"


def build_web_app(bolt: AsyncApp, deps: Deps) -> web.Application:
    """POST /slack/events, GET /healthz, GET /metrics."""

    async def slack_events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        bolt_request = await to_bolt_request(request)
        kind = request_kind(bolt_request.body)
        bolt_response = await bolt.async_dispatch(bolt_request)
        response = await to_aiohttp_response(bolt_response)
        outcome = "ok" if response.status < 400 else str(response.status)
        deps.metrics.requests.labels(kind=kind, outcome=outcome).inc()
        deps.metrics.ack_latency.labels(kind=kind).observe(time.perf_counter() - started)
        return response

    async def healthz(_request: web.Request) -> web.Response:
        reachable, detail = await database_reachable(deps.engine)
        body: dict[str, Any] = {
            "status": "ok" if reachable else "unavailable",
            "version": __version__,
            "database": {"reachable": reachable, "detail": detail},
        }
        if deps.microsoft_tokens is not None:  # its last outcome, no request; never a 503 of its own
            from bot.graph import microsoft365_status

            body["microsoft365"] = microsoft365_status(deps.microsoft_tokens).as_dict()
        return web.json_response(body, status=200 if reachable else 503)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=deps.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_post(SLACK_EVENTS_PATH, slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
