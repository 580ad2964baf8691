"""How a supplier's health is shown to a person (board, supplier screen, `warroom status`): the
uptime with how much of its window was watched (the arithmetic is availability.py's), and a
check's detail in the reader's language."""

from __future__ import annotations

import re
from collections.abc import Callable

from warroom import durations, i18n
from warroom.health.availability import Availability
from warroom.i18n import N_, _, ngettext

FULLY_WATCHED = 0.99  # below this share of its window watched, an uptime is shown with how much was watched


def uptime_text(a: Availability, *, short: bool = False) -> str:
    """The uptime as a person reads it, with how little was watched when that is not (nearly) all
    the window: `100.00 % (watched 3 min)`; `short`: `~100.00 %` (a narrow column's mark)."""
    if a.uptime is None:
        return "—"
    percent = i18n.number(a.uptime, decimals=2)  # `99,50` in Dutch
    if a.coverage >= FULLY_WATCHED:
        return f"{percent} %"
    return f"~{percent} %" if short else _("{percent} % (watched {span})").format(percent=percent, span=durations.readable(a.watched_seconds))


# A check's detail is stored as the checker wrote it (English, in events and samples); these are its
# shapes (health/checks.py), said in the reader's language. Anything else (a supplier's own status
# text, an error the checker quoted) is shown as stored.
_EXACT = {
    "connection refused": N_("connection refused"), "connection reset": N_("connection reset"),
    "DNS: host not found": N_("DNS: host not found"), "not a valid HTTP response": N_("not a valid HTTP response"),
    "server closed the connection without a response": N_("server closed the connection without a response"),
    "connection broken while reading": N_("connection broken while reading"), "certificate expired": N_("certificate expired"),
    "status page: unreadable (not Statuspage JSON)": N_("status page: unreadable (not Statuspage JSON)"),
}
_SHAPES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"slow: ([\d,]+) ms"), lambda m: _("slow: {ms} ms").format(ms=_count(m[1]))),
    (re.compile(r"slow connect: ([\d,]+) ms"), lambda m: _("slow connect: {ms} ms").format(ms=_count(m[1]))),
    (re.compile(r"timeout after (\d+\.\d) s"), lambda m: _("timeout after {seconds} s").format(seconds=i18n.number(float(m[1]), decimals=1))),
    (re.compile(r"redirect loop \(more than (\d+) redirects\)"), lambda m: _("redirect loop (more than {n} redirects)").format(n=m[1])),
    (re.compile(r"port (\d+) open"), lambda m: _("port {port} open").format(port=m[1])),
    (re.compile(r"certificate expired (\d{4}-\d\d-\d\d)"), lambda m: _("certificate expired {date}").format(date=m[1])),
    (re.compile(r"certificate expires in (\d+) days \((\d{4}-\d\d-\d\d)\)"),
     lambda m: ngettext("certificate expires in {n} day ({date})", "certificate expires in {n} days ({date})", int(m[1])).format(n=m[1], date=m[2])),
    (re.compile(r"certificate valid (\d+) more days"),
     lambda m: ngettext("certificate valid {n} more day", "certificate valid {n} more days", int(m[1])).format(n=m[1])),
    (re.compile(r"certificate is not valid for (.+)", re.S), lambda m: _("certificate is not valid for {host}").format(host=m[1])),
    (re.compile(r"certificate not trusted: (.+)", re.S), lambda m: _("certificate not trusted: {reason}").format(reason=m[1])),
    (re.compile(r"status page: HTTP (\d+)"), lambda m: _("status page: HTTP {status}").format(status=m[1])),
    (re.compile(r"status page: (.*)", re.S), lambda m: _("status page: {said}").format(said=m[1])),
    (re.compile(r"check failed: (.*)", re.S), lambda m: _("check failed: {detail}").format(detail=detail(m[1]))),
)


def _count(digits: str) -> str:
    return i18n.number(int(digits.replace(",", "")))


def detail(stored: str) -> str:
    """A check's stored detail (`slow: 1,240 ms`) as the reader reads it (`traag: 1.240 ms`); the
    same text under English, and any text of no known shape as stored."""
    if i18n.current() == i18n.DEFAULT or not stored:
        return stored
    if stored in _EXACT:
        return _(_EXACT[stored])
    for shape, said in _SHAPES:
        if (m := shape.fullmatch(stored)) is not None:
            return said(m)
    return stored
