"""The reference for ack latency: a bolt AsyncApp on aiohttp whose listeners only `ack()`.

    python -m tests.bench.bare_app --port PORT [--ack-polling]

Same stack as `baton serve`: aiohttp's server, bolt's AsyncApp with request verification and the
single-workspace authorization (one `auth.test`, cached), the same listener keys (`/turn`, the Pass turn
button, the pass modal, `app_home_opened`), `process_before_response=True` like Baton unless
`--ack-polling` asks for bolt's default (ack, then the listener as a task, polled every 10 ms).
Settings come from the same environment variables Baton reads; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.ids import ActionId, CallbackId


def build(process_before_response: bool) -> AsyncApp:
    token = os.environ["SLACK_BOT_TOKEN"]
    app = AsyncApp(
        client=AsyncWebClient(token=token, base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=process_before_response,
        logger=logging.getLogger("slack_bolt"),
    )

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    async def nothing() -> None:
        return None

    app.command("/turn")(only_ack)
    app.action(ActionId.PASS_TURN.value)(only_ack)
    app.view(CallbackId.PASS.value)(only_ack)
    app.event("app_home_opened")(nothing)
    return app


async def main(port: int, process_before_response: bool) -> None:
    app = build(process_before_response)
    web_app = app.web_app(path="/slack/events")

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ack-polling", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(args.port, not args.ack_polling))
