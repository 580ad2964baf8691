"""Delivering one webhook message: a JSON POST under a hard deadline. Never raises; returns the
error in a few words, or None when the target accepted it (any 2xx). Whatever goes wrong is that
message's failure: a URL the client refuses (queued before warroom.toml was checked as strictly as
now) raises InvalidURL, a port out of range an ExceptionGroup, and neither may stop the others."""

from __future__ import annotations

import asyncio

import httpx

from warroom.health.checks import describe

DEADLINE = 5.0


async def post(client: httpx.AsyncClient, url: str, payload: str) -> str | None:
    try:
        async with asyncio.timeout(DEADLINE):
            response = await client.post(url, content=payload, headers={"Content-Type": "application/json"})
    except TimeoutError:
        return f"no answer within {DEADLINE:.0f} s"
    except Exception as exc:  # see the module docstring
        return describe(exc)[0]
    return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
