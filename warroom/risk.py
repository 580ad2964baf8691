"""Which suppliers are the biggest risk, and why: a transparent score, pure arithmetic.

Every point of a supplier's score comes from one named factor, shown with its weight (from the
config's [risk.weights]), how many times it applies, and the facts behind it, so a sourcing
officer can read "why is this supplier on top" without the code. The services gather the facts
(services/risk.py); nothing here reads a database or a clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from warroom import durations
from warroom.config import Config, Risk
from warroom.i18n import _, ngettext, number

CRITICALITY_ORDER = {"vital": 0, "important": 1, "normal": 2}
AVAILABILITY_CAP = 10.0  # percentage points of shortfall counted at most: one bad month must not drown the rest


@dataclass(frozen=True, slots=True)
class FallbackFacts:
    id: str
    exercised: bool
    last_result: str | None  # worked | partial | failed, of the latest exercise


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about one supplier that bears on its risk."""

    id: str
    name: str
    criticality: str
    services: tuple[tuple[str, str | None], ...]  # (crucial service, the supplier it reaches us through or None)
    fallbacks: tuple[FallbackFacts, ...]
    contract_end: date | None
    exit_plan: bool
    exit_plan_reviewed: date | None
    outside_eu: tuple[str, ...]  # country codes outside the EU among its jurisdictions and data locations
    certificate_not_after: datetime | None  # when its TLS certificate ends, as its tls check last read it
    uptime_30d: float | None
    watched_30d: float | None = None  # seconds of the 30 days a monitor watched it (None: not known, scored as is)


@dataclass(frozen=True, slots=True)
class Factor:
    factor: str  # the [risk.weights] key
    weight: float
    count: float  # how many times the weight applies
    points: float  # weight × count
    why: str  # the facts behind it, in words (in the language the process speaks)


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int | None  # None: scored alone, not ranked against the others (the supplier screen)
    id: str
    name: str
    criticality: str
    score: float
    factors: tuple[Factor, ...]  # only those that apply, biggest first


def review_ahead(reviewed: date | None, today: date) -> bool:
    """An exit-plan review dated after today is no review (a typo, or this host's clock behind): the
    risk view does not count it, and `warroom doctor` warns of it."""
    return reviewed is not None and reviewed > today


def carried_services(config: Config) -> dict[str, tuple[tuple[str, str | None], ...]]:
    """supplier → the crucial services that depend on it, directly (None) or through a supplier that
    runs on it (depends_on, at any depth; named is the service's own supplier that leads to it)."""
    parents = {s.id: list(s.depends_on) for s in config.suppliers}
    out: dict[str, dict[str, str | None]] = {s.id: {} for s in config.suppliers}
    for service in config.services:
        for direct in service.depends_on:
            if direct in out:
                out[direct][service.id] = None
            seen, todo = {direct}, [(p, direct) for p in parents.get(direct, [])]
            while todo:
                supplier, through = todo.pop()
                if supplier in seen or supplier not in out:
                    continue
                seen.add(supplier)
                if out[supplier].get(service.id, "") is not None:  # a direct dependency wins over a path
                    out[supplier].setdefault(service.id, through)
                todo.extend((p, through) for p in parents.get(supplier, []))
    return {k: tuple(sorted(v.items())) for k, v in out.items()}


def factors(facts: Facts, risk: Risk, today: date, now: datetime) -> list[Factor]:
    """Each factor that applies to the supplier, with its points. `today` is the war-room's calendar
    day (contracts end on it); `now` the instant a certificate's end is counted against."""
    w = risk.weights
    out: list[Factor] = []

    def add(name: str, weight: float, count: float, why: str) -> None:
        if weight and count:
            out.append(Factor(name, weight, count, round(weight * count, 2), why))

    if facts.services:
        named = ", ".join(s if via is None else _("{service} (via {supplier})").format(service=s, supplier=via) for s, via in facts.services)
        n = len(facts.services)
        add("service", w.service, n, ngettext("{n} crucial service depends on it: {named}", "{n} crucial services depend on it: {named}", n).format(n=n, named=named))
    if facts.criticality == "vital":
        add("vital", w.vital, 1, _("criticality vital"))
    elif facts.criticality == "important":
        add("important", w.important, 1, _("criticality important"))
    if not facts.fallbacks:
        add("no_fallback", w.no_fallback, 1, _("no fallback in the register"))
    never = [f.id for f in facts.fallbacks if not f.exercised]
    if never:
        add("fallback_never_exercised", w.fallback_never_exercised, len(never), _("never exercised: {fallbacks}").format(fallbacks=", ".join(never)))
    failed = [f.id for f in facts.fallbacks if f.last_result == "failed"]
    if failed:
        add("fallback_failed", w.fallback_failed, len(failed), _("last exercise failed: {fallbacks}").format(fallbacks=", ".join(failed)))
    if facts.contract_end is not None and facts.contract_end - today <= risk.contract_horizon:
        reviewed = facts.exit_plan_reviewed
        ahead = review_ahead(reviewed, today)
        plan_fresh = reviewed is not None and not ahead and today - reviewed <= risk.exit_plan_valid
        if not plan_fresh:
            left = (facts.contract_end - today).days
            ends = (ngettext("contract ended {day} ({n} day ago)", "contract ended {day} ({n} days ago)", -left) if left < 0
                    else ngettext("contract ends {day} (in {n} day)", "contract ends {day} (in {n} days)", left)).format(day=facts.contract_end, n=abs(left))
            plan = (_("no exit plan") if not facts.exit_plan else _("exit plan never reviewed") if reviewed is None
                    else _("exit plan review dated {day}, after today: not counted").format(day=reviewed) if ahead
                    else _("exit plan last reviewed {day}").format(day=reviewed))
            add("contract_ending", w.contract_ending, 1, f"{ends}; {plan}")
    if facts.outside_eu:
        add("outside_eu", w.outside_eu, 1, _("outside the EU: {countries}").format(countries=", ".join(facts.outside_eu)))
    expiry = facts.certificate_not_after
    if expiry is not None and expiry <= now:
        days = (now - expiry).days
        add("certificate_expired", w.certificate_expired, 1,
            ngettext("TLS certificate expired {at} UTC ({n} day ago)", "TLS certificate expired {at} UTC ({n} days ago)", days).format(at=f"{expiry:%Y-%m-%d %H:%M}", n=days))
    elif expiry is not None and expiry - now <= risk.certificate_horizon:
        days, horizon = (expiry - now).days, risk.certificate_horizon.days
        add("certificate", w.certificate, 1,
            ngettext("TLS certificate expires {at} UTC (in {n} day, within {horizon} days)", "TLS certificate expires {at} UTC (in {n} days, within {horizon} days)",
                     days).format(at=f"{expiry:%Y-%m-%d %H:%M}", n=days, horizon=horizon))
    month = 30 * 86400
    thin = facts.watched_30d is not None and facts.watched_30d < month * risk.availability_watched / 100
    if facts.uptime_30d is not None and facts.uptime_30d < risk.availability_target and thin and w.availability:
        # An uptime over a few watched minutes is no 30-day uptime: said, not scored.
        out.append(Factor("availability", w.availability, 0, 0.0,
                          _("not enough history (watched {span} of 30 d, under {watched} %): uptime {uptime} % not scored").format(
                              span=durations.readable(facts.watched_30d or 0), watched=_g(risk.availability_watched), uptime=number(facts.uptime_30d, decimals=3))))
    elif facts.uptime_30d is not None and facts.uptime_30d < risk.availability_target:
        short = min(round(risk.availability_target - facts.uptime_30d, 3), AVAILABILITY_CAP)
        said = (_("30-day uptime {uptime} % is {below} points below the {target} % target (at most {cap} counted)") if short == AVAILABILITY_CAP
                else _("30-day uptime {uptime} % is {below} points below the {target} % target"))
        add("availability", w.availability, short,
            said.format(uptime=number(facts.uptime_30d, decimals=3), below=number(risk.availability_target - facts.uptime_30d, decimals=3),
                        target=_g(risk.availability_target, plain=False), cap=_g(AVAILABILITY_CAP)))
    return sorted(out, key=lambda f: -f.points)


def _g(value: float, *, plain: bool = True) -> str:
    """A setting's number as written (`99.9`, `10`): `:g` (or plain `str` when not `plain`), with a Dutch decimal comma under nl."""
    from warroom import i18n

    said = f"{value:g}" if plain else str(value)
    return said.replace(".", ",") if i18n.current() == "nl" else said


def score(facts: Facts, risk: Risk, today: date, now: datetime) -> tuple[float, tuple[Factor, ...]]:
    """One supplier's score and the factors that make it."""
    found = factors(facts, risk, today, now)
    return round(sum(f.points for f in found), 2), tuple(found)


def rank(all_facts: Iterable[Facts], risk: Risk, today: date, now: datetime) -> tuple[Ranked, ...]:
    """Every supplier, highest score first; ties by criticality, then id (so the order is stable)."""
    scored = [(*score(facts, risk, today, now), facts) for facts in all_facts]
    scored.sort(key=lambda t: (-t[0], CRITICALITY_ORDER.get(t[2].criticality, 9), t[2].id))
    return tuple(Ranked(i + 1, f.id, f.name, f.criticality, points, found) for i, (points, found, f) in enumerate(scored))
