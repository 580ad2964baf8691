"""Driving the supplier simulator through its control API (DESIGN §6): breaking and healing a
simulated supplier is the demo's `f` key, `warroom simulate set`, and what drill fault injects do.

The home names its simulator (`[settings] simulator`). The HTTP client is injected (the faces
pass none and get one with a short timeout): a simulator that does not answer is a clear error
within seconds, never a hung key or command. What the simulator answers is its text, shown as
written and cut short."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import httpx

from warroom import text
from warroom.config import Config
from warroom.errors import BadInput, WarroomError
from warroom.i18n import _
from warroom.vocabulary import SimulatorMode, words

TIMEOUT_SECONDS = 3.0


class Unconfirmed(WarroomError):
    """The request went out and no answer came: the simulator may have acted on it."""


def base_url(config: Config) -> str:
    if not config.settings.simulator:
        raise BadInput(_("this home names no simulator: set [settings] simulator in warroom.toml (warroom init --demo does)"))
    return config.settings.simulator.rstrip("/")


def _supplier(config: Config, supplier_id: str) -> str:
    known = [s.id for s in config.suppliers]
    if supplier_id not in known:
        shown = ", ".join(known[:12]) + (_(", … ({n} in all)").format(n=len(known)) if len(known) > 12 else "")
        raise BadInput(_("no supplier {supplier!r} in warroom.toml (suppliers: {known})").format(supplier=text.line(supplier_id, 60), known=shown or _("none")))
    return supplier_id


def _using(client: httpx.Client | None) -> AbstractContextManager[httpx.Client]:
    """The caller's client, left open; or one of our own with a short timeout, closed after."""
    return httpx.Client(timeout=TIMEOUT_SECONDS) if client is None else nullcontext(client)


def _call(client: httpx.Client, base: str, method: str, path: str, json: dict | None = None) -> object:
    """One request to the control API; its JSON answer, or a WarroomError that says what went wrong."""
    try:
        response = client.request(method, f"{base}{path}", json=json)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:  # nothing was sent
        raise WarroomError(_("the simulator at {url} did not answer: {error}").format(url=text.line(base), error=text.line(exc, 200) or type(exc).__name__)) from None
    except httpx.TimeoutException:
        raise Unconfirmed(_("the simulator at {url} did not answer within {seconds:g} s").format(url=text.line(base), seconds=TIMEOUT_SECONDS)) from None
    except httpx.HTTPError as exc:
        raise Unconfirmed(_("the simulator at {url} did not answer: {error}").format(url=text.line(base), error=text.line(exc, 200))) from None
    if response.status_code != 200:
        raise WarroomError(_("the simulator at {url} refused: HTTP {status} {body}").format(
            url=text.line(base), status=response.status_code, body=text.line(response.text, 200)))
    try:
        return response.json()
    except ValueError:
        raise WarroomError(_("the simulator at {url} answered something that is not its JSON: {body}").format(
            url=text.line(base), body=text.line(response.text, 80))) from None


def modes(config: Config, *, client: httpx.Client | None = None) -> dict[str, str]:
    """Every simulated supplier's mode, as the simulator says (unknown ids are up)."""
    base = base_url(config)
    with _using(client) as c:
        answer = _call(c, base, "GET", "/_control")
    if not isinstance(answer, dict):
        raise WarroomError(_("the simulator at {url} answered {answer} for its modes").format(url=text.line(base), answer=text.line(answer, 80)))
    return {str(k): str(v) for k, v in answer.items()}


def set_mode(config: Config, supplier_id: str, mode: SimulatorMode, *, client: httpx.Client | None = None) -> SimulatorMode:
    """Make a supplier of this home behave as `mode` in the simulator."""
    if mode not in words(SimulatorMode):
        raise BadInput(_("{mode!r} is not a simulator mode ({modes})").format(mode=text.line(mode, 40), modes=", ".join(words(SimulatorMode))))
    base = base_url(config)
    supplier = _supplier(config, supplier_id)
    with _using(client) as c:
        _call(c, base, "PUT", f"/_control/{supplier}", json={"mode": str(mode)})
    return SimulatorMode(mode)


def toggle(config: Config, supplier_id: str, *, client: httpx.Client | None = None) -> SimulatorMode:
    """Break a supplier that is up (down), heal one that is not (up); the mode it has now."""
    base_url(config)
    _supplier(config, supplier_id)
    with _using(client) as c:
        current = modes(config, client=c).get(supplier_id, SimulatorMode.UP)
        new = SimulatorMode.UP if current != SimulatorMode.UP else SimulatorMode.DOWN
        return set_mode(config, supplier_id, new, client=c)

