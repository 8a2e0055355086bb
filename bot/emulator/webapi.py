"""The Web API edge: `/api/<method>` requests parsed, authenticated, checked, faulted, rate-limited, answered.

Everything Slack checks before a method runs happens here, and every call is recorded in `emu.calls`;
the methods themselves live in the `api_*` modules and `files.py`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import api_chat, api_conversations, api_views, api_workspace, files
from .activity import World
from .calls import ApiCall, Handler
from .errors import ApiError, Violation
from .faults import FaultPlan, RateLimiter, Stats
from .methods import METHODS, MethodSpec, TokenKind
from .socket_mode import SocketHub

__all__ = ["CallRecord", "WebApi"]

# Bolt builds each request's client with `team_id` (org-wide installs need it); Slack accepts it anywhere.
_ANY_METHOD = frozenset({"team_id"})

HANDLERS: dict[str, Handler] = {
    **api_workspace.HANDLERS,
    **api_conversations.HANDLERS,
    **api_chat.HANDLERS,
    **api_views.HANDLERS,
    **files.HANDLERS,
}


@dataclass
class CallRecord:
    """One Web API call as the emulator saw it (kept in `emu.calls`)."""

    method: str
    args: dict[str, Any]
    at: float
    ok: bool = False
    error: str | None = None
    status: int = 200
    retry_after: str | None = None  # the Retry-After header of a 429
    response: dict[str, Any] = field(default_factory=dict, repr=False)


class WebApi:
    """Serves `/api/<method>` like slack.com/api does."""

    def __init__(
        self,
        world: World,
        *,
        faults: FaultPlan,
        limiter: RateLimiter,
        stats: Stats,
        sockets: SocketHub,
        violations: list[Violation],
        ws_base: Callable[[], str],
        bot_scopes: set[str] | None = None,
    ) -> None:
        self.world = world
        self.faults = faults
        self.limiter = limiter
        self.stats = stats
        self.sockets = sockets
        self.violations = violations
        self.bot_scopes = bot_scopes
        self._ws_base = ws_base
        self.calls: list[CallRecord] = []
        self.last_call_at = 0.0  # time.monotonic() of the latest request, for emu.idle()

    def add_to(self, app: web.Application) -> None:
        """Register the route (GET and POST, as slack_sdk uses both)."""
        app.router.add_route("*", "/api/{method}", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one Web API request."""
        method = request.match_info["method"]
        self.last_call_at = time.monotonic()
        try:
            args = await _read_args(request)
        except ValueError as exc:
            return self._json(
                {"ok": False, "error": "invalid_json"}, violation=Violation("invalid_json", str(exc), method)
            )
        token = _bearer(request) or args.pop("token", None)
        record = CallRecord(method, dict(args), self.world.state.now())
        self.calls.append(record)
        self.stats.calls[method] += 1

        fault = self.faults.take(method)
        if fault is not None:
            self.stats.faults[method] += 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.reset:
                record.error, record.status = "connection_reset", 0
                if request.transport is not None:
                    request.transport.abort()
                # The client sees the connection close with no answer; this response is never written.
                return web.Response(status=500)
            if fault.status is not None:
                record.error, record.status = f"http_{fault.status}", fault.status
                return web.json_response({"ok": False, "error": "internal_error"}, status=fault.status)
            if fault.error is not None:
                return self._answer(record, {"ok": False, "error": fault.error})

        spec = METHODS.get(method)
        if spec is None:
            return self._answer(
                record,
                {"ok": False, "error": "unknown_method", "req_method": method},
                Violation("unknown_method", "the emulator serves no such method (nor, perhaps, does Slack)", method),
            )
        refusal = self._authenticate(spec, token)
        if refusal is not None:
            return self._answer(record, {"ok": False, "error": refusal})
        for name in sorted(set(args) - spec.args - _ANY_METHOD):
            self.violations.append(Violation("unknown_argument", f"`{name}` is not an argument of {method}", method))
        missing = sorted(n for n in spec.required if args.get(n) in (None, ""))
        if missing:
            return self._answer(
                record,
                {
                    "ok": False,
                    "error": "invalid_arguments",
                    "response_metadata": {"messages": [f"[ERROR] missing required field: {n}" for n in missing]},
                },
                Violation("invalid_arguments", f"missing required argument(s): {', '.join(missing)}", method),
            )
        if self.bot_scopes is not None and spec.scopes and not spec.scopes & self.bot_scopes:
            return self._answer(
                record,
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": ",".join(sorted(spec.scopes)),
                    "provided": ",".join(sorted(self.bot_scopes)),
                },
                Violation("missing_scope", f"needs one of {sorted(spec.scopes)}", method),
            )
        channel = args.get("channel") if isinstance(args.get("channel"), str) else None
        wait = self.limiter.check(method, spec.tier, self.world.state.now(), channel)
        if wait is not None:
            self.stats.ratelimited[method] += 1
            record.error, record.status = "ratelimited", 429
            record.retry_after = self.limiter.retry_after_header(wait)
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": record.retry_after}
            )
        return self._answer(record, self._run(spec, args))

    def _authenticate(self, spec: MethodSpec, token: str | None) -> str | None:
        app = self.world.app
        if not token:
            return "not_authed"
        if token == app.bot_token:
            return None if spec.token is TokenKind.BOT else "not_allowed_token_type"
        if token == app.app_token:
            return None if spec.token is TokenKind.APP else "not_allowed_token_type"
        return "invalid_auth"

    def _run(self, spec: MethodSpec, args: dict[str, Any]) -> dict[str, Any] | tuple[dict[str, Any], Violation]:
        if spec.name == "apps.connections.open":
            return {"ok": True, "url": self.sockets.issue_url(self._ws_base())}
        call = ApiCall(spec, args, self.world)
        try:
            return {"ok": True, **HANDLERS[spec.name](call)}
        except ApiError as exc:
            body = {"ok": False, "error": exc.code, **exc.extra}
            if exc.violation is not None:
                return body, Violation(exc.code, exc.violation, spec.name)
            return body

    def _answer(
        self,
        record: CallRecord,
        result: dict[str, Any] | tuple[dict[str, Any], Violation],
        violation: Violation | None = None,
    ) -> web.Response:
        if isinstance(result, tuple):
            result, violation = result
        record.ok = bool(result.get("ok"))
        record.error = None if record.ok else str(result.get("error"))
        record.response = result
        return self._json(result, violation=violation)

    def _json(self, body: dict[str, Any], *, violation: Violation | None = None) -> web.Response:
        if violation is not None:
            self.violations.append(violation)
        scopes = ",".join(sorted(self.bot_scopes or ()))
        return web.json_response(body, headers={"X-OAuth-Scopes": scopes, "X-Accepted-OAuth-Scopes": ""})


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


async def _read_args(request: web.Request) -> dict[str, Any]:
    """Merge the query string with a JSON or form body (slack_sdk sends each method one of these ways)."""
    args: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.body_exists:
        return args
    if request.content_type == "application/json":
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"request body is not valid JSON: {exc.msg}") from exc
            if not isinstance(body, dict):
                raise ValueError("a JSON request body must be an object")
            args.update(body)
    else:
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    return args
