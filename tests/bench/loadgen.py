"""The load generator, run in its own process: signed requests at a fixed rate, timed on its own clock.

    python -m tests.bench.loadgen JOB.json OUT.json

JOB: {"secret", "rate", "timeout", "requests": [{"url", "body", "content_type", "kind", "tag",
"headers"?}]}. Bodies may hold `__TRIGGER__`… placeholders already replaced by the caller; each request
is signed (Slack's v0 HMAC) when it is sent, so the timestamp is fresh. The load is open-loop: request
i leaves at start + i/rate whether or not earlier ones were answered (a slow server is not given time
to catch up). Latency is measured from the moment a request is handed to the HTTP client to the moment
its whole answer is read; `lag` is how late the client itself was against the schedule.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.emulator.signing import signed_headers

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


def classify(status: int, body: bytes) -> str:
    if not body.strip():
        return "empty"
    if b'"response_action"' in body and b'"errors"' in body:
        return "errors"
    return "body"


async def send(
    session: aiohttp.ClientSession, request: dict[str, Any], secret: str, timeout: float, t0: float, target: float
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    body = request["body"].encode()
    headers = {
        "Content-Type": request["content_type"],
        "User-Agent": USER_AGENT,
        **signed_headers(secret, body),
        **request.get("headers", {}),
    }
    lag = loop.time() - target
    started = time.perf_counter()
    status, answer = 0, ""
    try:
        async with session.post(
            request["url"], data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            data = await response.read()
            status, answer = response.status, classify(response.status, data)
    except TimeoutError:
        answer = "timeout"
    except aiohttp.ClientError as e:
        answer = f"client_error: {type(e).__name__}"
    return {
        "kind": request["kind"],
        "tag": request["tag"],
        "scheduled": round(target - t0, 6),
        "lag": round(lag, 6),
        "latency": time.perf_counter() - started,
        "ended": time.perf_counter(),
        "status": status,
        "answer": answer,
    }


async def main(job: dict[str, Any]) -> dict[str, Any]:
    requests: list[dict[str, Any]] = job["requests"]
    rate = float(job["rate"])
    timeout = float(job.get("timeout", 10.0))
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    async with aiohttp.ClientSession(connector=connector) as session:
        t0 = loop.time() + 0.05
        first = time.perf_counter() + 0.05
        tasks = []
        for i, request in enumerate(requests):
            target = t0 + i / rate
            delay = target - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(session, request, job["secret"], timeout, t0, target)))
        results = await asyncio.gather(*tasks)
    seconds = max((r.pop("ended") for r in results), default=first) - first
    return {"results": results, "seconds": seconds}


if __name__ == "__main__":
    job_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    result = asyncio.run(main(json.loads(job_path.read_text())))
    out_path.write_text(json.dumps(result))
