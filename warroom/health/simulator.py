"""The supplier simulator (DESIGN §6): simulated suppliers on loopback for demos, drills and tests.

    GET  /s/{id}/health                 the supplier's health endpoint
    GET  /s/{id}/api/v2/status.json     its Atlassian Statuspage JSON
    PUT  /_control/{id}                 {"mode": "up"|"degraded"|"down"|"hang"|"flap"|"minor"|"major"}
    GET  /_control                      every supplier's mode

Unknown ids start healthy. A supplier may depend on others (`depends_on`, as a home's suppliers
do): while one of its parents is down or hangs, its health endpoint fails too (503, naming the
parent), as a SaaS hosted on a failed cloud does; its own mode is kept for when the parent heals.
Modes: `degraded` answers slowly; `down` answers 503; `hang` never
answers; `flap` alternates between up and down; `minor`/`major` leave the health endpoint up
but report an incident on the status page. Like real status pages, theirs lag: in `down`,
`hang` and `flap` it still says "All Systems Operational"."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from itertools import count

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from warroom.vocabulary import SimulatorMode, words

MODES = tuple(words(SimulatorMode))
SLOW_SECONDS = 1.5  # "degraded": slower than any sensible degraded_ms
_PAGES = {
    "minor": ("minor", "Minor Service Outage"),
    "major": ("major", "Partial System Outage"),
}
_OPERATIONAL = ("none", "All Systems Operational")


BREAKING = ("down", "hang")  # a parent in these modes takes its children down with it


def build_app(suppliers: int = 0, depends_on: Mapping[str, Sequence[str]] | None = None) -> Starlette:
    modes: dict[str, str] = {f"sim-{n:04d}": "up" for n in range(1, suppliers + 1)}
    flips: dict[str, count] = {}
    parents = {child: tuple(p for p in given if p != child) for child, given in (depends_on or {}).items()}

    def mode_of(supplier: str) -> str:
        return modes.setdefault(supplier, "up")

    def broken_parent(supplier: str, seen: frozenset[str] = frozenset()) -> str | None:
        """The first parent, or parent's parent, that is down or hangs (a cycle ends the walk)."""
        for parent in parents.get(supplier, ()):
            if parent in seen:
                continue
            if modes.get(parent, "up") in BREAKING or broken_parent(parent, seen | {supplier}):
                return parent
        return None

    async def health(request: Request) -> Response:
        supplier = request.path_params["id"]
        mode = mode_of(supplier)
        via = broken_parent(supplier)
        if via is not None:
            return JSONResponse({"status": "error", "supplier": supplier, "via": via}, status_code=503)
        if mode == "flap":
            mode = "up" if next(flips.setdefault(supplier, count())) % 2 == 0 else "down"
        if mode == "hang":
            while not await request.is_disconnected():  # silent until the client gives up
                await asyncio.sleep(0.25)
            return Response(status_code=499)
        if mode == "degraded":
            await asyncio.sleep(SLOW_SECONDS)
        if mode == "down":
            return JSONResponse({"status": "error", "supplier": supplier}, status_code=503)
        return JSONResponse({"status": "ok", "supplier": supplier})

    async def status_page(request: Request) -> Response:
        supplier = request.path_params["id"]
        indicator, description = _PAGES.get(mode_of(supplier), _OPERATIONAL)
        return JSONResponse({
            "page": {"id": supplier, "name": supplier, "url": f"/s/{supplier}"},
            "status": {"indicator": indicator, "description": description},
        })

    async def set_mode(request: Request) -> Response:
        supplier = request.path_params["id"]
        try:
            mode = json.loads(await request.body())["mode"]
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'send {"mode": MODE}'}, status_code=400)
        if mode not in MODES:
            return JSONResponse({"error": f"unknown mode {mode!r}; one of {', '.join(MODES)}"}, status_code=400)
        modes[supplier] = mode
        flips.pop(supplier, None)
        return JSONResponse({"id": supplier, "mode": mode})

    async def all_modes(request: Request) -> Response:
        return JSONResponse(dict(sorted(modes.items())))

    return Starlette(routes=[
        Route("/s/{id}/health", health),
        Route("/s/{id}/api/v2/status.json", status_page),
        Route("/_control/{id}", set_mode, methods=["PUT"]),
        Route("/_control", all_modes),
    ])


def serve(port: int, suppliers: int = 0, ready=None, depends_on: Mapping[str, Sequence[str]] | None = None) -> None:
    """Run until interrupted. `ready(port)` is called once the socket listens (port 0 picks one)."""
    import socket

    import uvicorn

    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every response waited ~40 ms for a delayed ACK (23 requests/s instead of ~2,000).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    config = uvicorn.Config(build_app(suppliers, depends_on), log_level="warning", access_log=False, timeout_keep_alive=30,
                            backlog=2048, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    if ready:
        ready(sock.getsockname()[1])
    server.run(sockets=[sock])
