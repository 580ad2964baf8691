"""warroom.toml: settings, suppliers and their checks, services, people and roles, notify targets.

The models are the format: the JSON Schema (`warroom schema config`) and the README's reference are
generated from them, so they cannot drift from what the loader accepts."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, StrictFloat, WithJsonSchema, field_validator, model_validator
from pydantic_core import PydanticCustomError

from warroom import clock, countries, defaults, tomlsource
from warroom.errors import InvalidFile
from warroom.fields import AwareDatetime, Model, PositiveDuration, Slug
from warroom.i18n import N_, _
from warroom.obligations import Obligation

Role = Literal["commander", "coordinator", "scribe", "facilitator", "observer"]
State = Literal["up", "degraded", "down", "maintenance", "unknown"]

_SCHEMES = {"http": ("http", "https"), "statuspage": ("http", "https"), "tcp": ("tcp",), "tls": ("tls",)}
_IPV4_STYLE = re.compile(r"^[0-9]+(\.[0-9]+){3}$")


def usable_url(value: str) -> str:
    """`value`, or ValueError saying why no request could ever be made to it.

    Checked here, not found out at run time: a URL that the HTTP client or the socket layer refuses
    (a port of 99999, a bidi override or a control character, a host no DNS name can be made of)
    would otherwise fail every round of the monitor instead of once, in the file, at its line."""
    bad = next((i for i, c in enumerate(value) if not c.isprintable() or c.isspace()), None)
    if bad is not None:
        raise ValueError(_("{value} holds an invisible, space or control character ({code} at character {position}); "
                           "type the address again").format(value=repr(value), code=f"U+{ord(value[bad]):04X}", position=bad + 1))
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError(_("{value} is not a usable URL ({reason})").format(value=repr(value), reason=exc)) from None
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(_("{value} is not a usable URL: its port must be a number from 1 to 65535").format(value=repr(value)))
    host = parts.hostname
    if host:
        _usable_host(value, host)
    return value


def _usable_host(value: str, host: str) -> None:
    if _IPV4_STYLE.match(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise ValueError(_("{value}: {host} is not an IPv4 address").format(value=repr(value), host=repr(host))) from None
        return
    if ":" in host:  # an IPv6 literal, which urlsplit has checked
        return
    try:
        host.encode("idna")  # what the socket layer does to a host name before looking it up
        if not host.isascii():
            import idna  # the HTTP client's IDNA 2008 encoder (httpx depends on it)

            idna.encode(host)
    except (UnicodeError, ValueError) as exc:
        raise ValueError(_("{value}: {host} is not a host name that can be looked up ({reason})")
                         .format(value=repr(value), host=repr(host), reason=exc)) from None


class Settings(Model):
    title: str = "war-room"
    """The war-room's name, shown at the top of every screen."""
    timezone: str = defaults.TIMEZONE
    """IANA time zone in which times are shown (they are stored in UTC)."""
    interval: PositiveDuration = defaults.INTERVAL  # type: ignore[assignment]
    """Default time between two checks of one supplier."""
    confirm: int = Field(2, ge=1, le=20)
    """Consecutive agreeing check rounds before a supplier's state changes (no flapping)."""
    history: PositiveDuration = "7d"  # type: ignore[assignment]
    """How long latency samples are kept for trends and sparklines."""
    simulator: str | None = None
    """Base URL of the supplier simulator (`warroom simulate`) that drill fault injects drive."""
    group: str | None = None
    """OS group that shares the home with its owner; without it the home is the owner's alone."""
    language: Literal["en", "nl"] | None = None
    """The war-room's language for every screen, message and report (`nl` Dutch, `en` English); without it each user's LANG decides. `--lang` overrides it for one command."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("{value} is not a known time zone (like Europe/Amsterdam)").format(value=repr(value))) from None
        return value


class Check(Model):
    kind: Literal["http", "tcp", "tls", "statuspage"]
    """`http` status and latency; `tcp` connect; `tls` certificate validity and days left; `statuspage` an Atlassian Statuspage `/api/v2/status.json`."""
    url: str
    """`http(s)://…` for http and statuspage, `tcp://host:port`, `tls://host:port`."""
    expect_status: int | None = Field(None, ge=100, le=599)
    """HTTP status that counts as up (default: any 2xx). http only."""
    degraded_ms: int | None = Field(None, ge=1)
    """Slower than this many milliseconds counts as degraded."""
    timeout: PositiveDuration = "5s"  # type: ignore[assignment]
    """Hard deadline for the whole check; no server can stretch it."""
    warn_days: int = Field(14, ge=0)
    """A certificate with fewer days left than this counts as degraded. tls only."""
    ca_file: str | None = None
    """PEM file of a private certificate authority to trust for this check (suppliers on a private PKI)."""

    @field_validator("url")
    @classmethod
    def _usable(cls, value: str) -> str:
        return usable_url(value)

    @model_validator(mode="after")
    def _url_fits_kind(self) -> Check:
        parts = urlsplit(self.url)
        if parts.scheme not in _SCHEMES[self.kind] or not parts.hostname:
            spelled = {"http": "http(s)://host/path", "statuspage": "https://host/api/v2/status.json", "tcp": "tcp://host:port", "tls": "tls://host:port"}
            raise ValueError(_("a {kind} check needs a url like {example}, not {url}").format(kind=self.kind, example=spelled[self.kind], url=repr(self.url)))
        if self.kind in ("tcp", "tls"):
            try:
                port = parts.port
            except ValueError:
                port = None
            if port is None:
                raise ValueError(_("{url} needs a port, like {example}").format(url=repr(self.url), example=f"{self.kind}://host:443"))
        return self


class Fallback(Model):
    id: Slug
    """Id that playbooks name in their `fallbacks` list; unique across all suppliers."""
    title: str
    """What the fallback is, in a few words."""
    kind: Literal["secondary-supplier", "manual-procedure", "standby-site", "other"] = "other"
    """What sort of arrangement it is."""
    owner: str
    """Who is responsible for it (a user name from [people] when people are configured)."""
    needs_decision: bool = False
    """Activation must carry a reason, logged as a decision."""
    test_every: PositiveDuration | None = "180d"  # type: ignore[assignment]
    """The board flags it when no drill has exercised it for this long."""
    steps: list[str] = []
    """Activation checklist."""


class Maintenance(Model):
    start: AwareDatetime
    """Start of the planned unavailability, with its UTC offset."""
    end: AwareDatetime
    """End of the planned unavailability, with its UTC offset."""
    note: str = ""
    """Why: the supplier's change number or announcement."""

    @model_validator(mode="after")
    def _ends_after_start(self) -> Maintenance:
        if self.end <= self.start:
            raise ValueError(_("end must come after start"))
        return self


def _country(value: str) -> str:
    problem = countries.problem(value)
    if problem:
        raise PydanticCustomError("country", "{problem}", {"problem": problem})
    return value


Country = Annotated[str, AfterValidator(_country), WithJsonSchema({"type": "string", "pattern": countries.PATTERN, "examples": ["NL", "DE", "US"]})]
"""An ISO 3166-1 alpha-2 country code; whether it is in the EU is derived (warroom.countries)."""


def _day(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return clock.parse_day(value)
        except ValueError:
            pass
    raise PydanticCustomError("day", _("{value} is not a date: write it like 2027-06-30 (no quotes, no time)"), {"value": repr(value)})


Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date", "examples": ["2027-06-30"]})]
"""A calendar day, as TOML writes one: 2027-06-30."""


class ExitPlan(Model):
    location: str
    """Where the exit plan is kept (a document number, a path, a link), so it can be found in a crisis."""
    reviewed: Day | None = None
    """When it was last reviewed (a date, like 2026-03-01); never reviewed when left out."""
    owner: str | None = None
    """Who keeps it up to date."""


class Sourcing(Model):
    country: Country | None = None
    """Jurisdiction: the country whose law governs the supplier (where its contracting entity is established)."""
    parent_country: Country | None = None
    """Jurisdiction of its parent company, when that differs (a foreign cloud behind a Dutch reseller)."""
    data_locations: list[Country] = []
    """Countries where it stores or processes our data."""
    contract_end: Day | None = None
    """When the current contract ends (a date, like 2027-06-30)."""
    notice: PositiveDuration | None = None
    """Notice period of the contract: how long before contract_end a decision must be taken."""
    exit_plan: ExitPlan | None = None
    """The exit plan: how we would leave this supplier, and when that plan was last reviewed."""
    contract_owner: str | None = None
    """Who in the organisation owns the contract."""
    certifications: list[str] = []
    """Certifications it holds, as the contract states them (ISO 27001, BIO, SOC 2)."""
    notes: str = ""
    """Anything else a sourcing officer must know (a takeover, financial trouble, a pending tender)."""

    def outside_eu(self) -> list[str]:
        """The jurisdictions and data locations of this supplier that are outside the EU, in order, once each."""
        named = [c for c in (self.country, self.parent_country, *self.data_locations) if c]
        return list(dict.fromkeys(c for c in named if not countries.in_eu(c)))


class Supplier(Model):
    id: Slug
    """Short id used everywhere else (`depends_on`, playbook triggers, faults)."""
    name: str
    """The supplier's name as the crisis team knows it."""
    criticality: defaults.Criticality = defaults.CRITICALITY
    """How much the crucial services lean on it."""
    contacts: list[str] = []
    """Service desk, account manager: whoever the team must call."""
    depends_on: list[Slug] = []
    """Suppliers this one runs on: when a parent is down, this one shows "down via PARENT"."""
    interval: PositiveDuration | None = None
    """Time between checks of this supplier (default: settings.interval)."""
    checks: list[Check] = []
    """Health checks; the supplier's state is the worst of them."""
    fallbacks: list[Fallback] = []
    """The fallback register: what we switch to when this supplier fails."""
    maintenance: list[Maintenance] = []
    """Planned unavailability: failures inside a window show as maintenance."""
    sourcing: Sourcing = Sourcing()
    """What a sourcing officer needs to judge the supplier: jurisdiction, contract, exit plan, data location."""


class Service(Model):
    id: Slug
    """Short id of the crucial service."""
    name: str
    """The service as citizens know it."""
    sector: Literal["care", "safety", "justice", "income", "other"]
    """The public sector it belongs to; the board groups services by sector."""
    depends_on: list[Slug] = Field(min_length=1)
    """Suppliers it cannot run without."""


class Person(Model):
    name: str
    """Full name, shown beside what this person did."""
    role: Role
    """commander, coordinator, scribe or facilitator may act (a facilitator also runs drills: their script and injects); an observer reads only."""


class NotifyTarget(Model):
    name: str
    """Who is notified, as shown to the coordinator who must make the call."""
    phone: str | None = None
    """Phone number to call."""
    email: str | None = None
    """E-mail address."""
    webhook: str | None = None
    """URL that is POSTed a JSON message when an escalation level fires."""
    drills: bool = False
    """Also notified during drills (every message then says DRILL); otherwise a drill never reaches this target."""

    @field_validator("webhook")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        usable_url(value)
        if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname:
            raise ValueError(_("{value} is not an http(s) URL").format(value=repr(value)))
        return value


MAX_WEIGHT = 1000


class RiskWeights(Model):
    """Points each risk factor adds to a supplier's score (`warroom risks`). Zero switches a factor off;
    at most MAX_WEIGHT, so scores stay finite and comparable (1e308 made every score inf, a tie)."""

    service: StrictFloat = Field(10, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """Per crucial service that depends on the supplier, directly or through a supplier it carries (depends_on)."""
    vital: StrictFloat = Field(20, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """A supplier whose criticality is vital."""
    important: StrictFloat = Field(10, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """A supplier whose criticality is important."""
    no_fallback: StrictFloat = Field(25, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """No fallback in the register at all."""
    fallback_never_exercised: StrictFloat = Field(15, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """Per fallback that no drill or incident has ever exercised."""
    fallback_failed: StrictFloat = Field(20, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """Per fallback whose last exercise failed."""
    contract_ending: StrictFloat = Field(20, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """The contract ends within the horizon and there is no exit plan reviewed within `exit_plan_valid`."""
    outside_eu: StrictFloat = Field(15, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """Its jurisdiction, its parent's, or a data location is outside the EU."""
    certificate: StrictFloat = Field(10, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """Its TLS certificate (as its tls check last read it) expires within [risk] certificate_horizon."""
    certificate_expired: StrictFloat = Field(25, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """Its TLS certificate (as its tls check last read it) has expired."""
    availability: StrictFloat = Field(5, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    """Per percentage point that its 30-day uptime falls short of the target (at most 10 points counted)."""


class Risk(Model):
    weights: RiskWeights = RiskWeights()
    """What each factor weighs."""
    contract_horizon: PositiveDuration = "180d"  # type: ignore[assignment]
    """A contract ending within this long counts as ending soon."""
    exit_plan_valid: PositiveDuration = "365d"  # type: ignore[assignment]
    """An exit plan reviewed longer ago than this counts as not reviewed."""
    certificate_horizon: PositiveDuration = "30d"  # type: ignore[assignment]
    """A TLS certificate ending within this long counts as expiring (weight `certificate`)."""
    availability_target: StrictFloat = Field(99.9, gt=0, le=100, allow_inf_nan=False)
    """The 30-day uptime (percent) a supplier is expected to reach."""
    availability_watched: StrictFloat = Field(50, ge=0, le=100, allow_inf_nan=False)
    """The share (percent) of the 30 days a monitor must have watched a supplier before its uptime is scored."""


class Config(Model):
    settings: Settings = Settings()
    """General settings."""
    suppliers: list[Supplier] = []
    """The external IT suppliers to watch."""
    services: list[Service] = []
    """The crucial public services and the suppliers they depend on."""
    people: dict[str, Person] = {}
    """OS user name → name and role. Empty: every user may act; otherwise unknown users are observers."""
    notify: dict[Slug, NotifyTarget] = {}
    """Targets that playbook escalation levels name in `notify`."""
    risk: Risk = Risk()
    """How `warroom risks` weighs each supplier's risk factors."""
    reporting: list[Obligation] = []
    """Legal reporting obligations of every incident (live, and drills marked DRILL): NIS2, CER."""

    def supplier(self, supplier_id: str) -> Supplier | None:
        return next((s for s in self.suppliers if s.id == supplier_id), None)

    def reached(self, targets: Iterable[str], *, drill: bool) -> list[str]:
        """The notify targets an incident's message names and reaches: every one for a live
        incident; for a drill only those marked `drills = true` (a drill never names or pages anyone
        who is not playing). The one rule for the log, the webhooks, the room, the board and the exports."""
        return [t for t in targets if not drill or (t in self.notify and self.notify[t].drills)]

    def fallbacks(self) -> dict[str, tuple[Supplier, Fallback]]:
        """Every fallback of the register by id, with the supplier it covers."""
        return {f.id: (s, f) for s in self.suppliers for f in s.fallbacks}


_NO_DRILL_TARGETS = N_("no drill targets")


def notified(reached: Iterable[str], *, drill: bool, shown: bool = False) -> str:
    """The targets a level reaches (`Config.reached`), or what a level that reaches no one says:
    a drill's ladder names only targets marked for drills, so its empty level says so; a live one says "—".
    English as event summaries store it; `shown`: in the reader's language (a screen, an export)."""
    empty = (_(_NO_DRILL_TARGETS) if shown else _NO_DRILL_TARGETS) if drill else "—"
    return ", ".join(reached) or empty


def cross_check(config: Config, shown: str, locator: tomlsource.Locator) -> list[str]:
    """Problems no single field shows: duplicate ids, unknown or circular dependencies, unknown owners.
    (An exit plan reviewed after today is no config error: a host clock behind would stop the
    war-room. The risk view does not count such a review, and says so; doctor warns.)"""
    problems: list[str] = []

    def at(path: tuple, message: str) -> None:
        problems.append(tomlsource.problem(shown, locator, path, message))

    supplier_ids: set[str] = set()
    fallback_ids: set[str] = set()
    for i, supplier in enumerate(config.suppliers):
        if supplier.id in supplier_ids:
            at(("suppliers", i, "id"), _("duplicate supplier id {id}").format(id=repr(supplier.id)))
        supplier_ids.add(supplier.id)
        for j, fallback in enumerate(supplier.fallbacks):
            if fallback.id in fallback_ids:
                at(("suppliers", i, "fallbacks", j, "id"), _("duplicate fallback id {id}").format(id=repr(fallback.id)))
            fallback_ids.add(fallback.id)
            if config.people and fallback.owner not in config.people:
                at(("suppliers", i, "fallbacks", j, "owner"), _("{owner} is not in [people]").format(owner=repr(fallback.owner)))
    for i, supplier in enumerate(config.suppliers):
        for parent in supplier.depends_on:
            if parent not in supplier_ids:
                at(("suppliers", i, "depends_on"), _("unknown supplier {id}").format(id=repr(parent)))
            elif parent == supplier.id:
                at(("suppliers", i, "depends_on"), _("a supplier cannot depend on itself"))
    parents = {s.id: [p for p in s.depends_on if p in supplier_ids] for s in config.suppliers}
    for i, supplier in enumerate(config.suppliers):
        if _in_cycle(supplier.id, parents):
            at(("suppliers", i, "depends_on"), _("circular dependency through {id}").format(id=repr(supplier.id)))
    service_ids: set[str] = set()
    for i, service in enumerate(config.services):
        if service.id in service_ids:
            at(("services", i, "id"), _("duplicate service id {id}").format(id=repr(service.id)))
        service_ids.add(service.id)
        for supplier_id in service.depends_on:
            if supplier_id not in supplier_ids:
                at(("services", i, "depends_on"), _("unknown supplier {id}").format(id=repr(supplier_id)))
    obligation_ids: set[str] = set()
    for i, obligation in enumerate(config.reporting):
        if obligation.id in obligation_ids:
            at(("reporting", i, "id"), _("duplicate obligation id {id}").format(id=repr(obligation.id)))
        obligation_ids.add(obligation.id)
        for j, target in enumerate(obligation.notify):
            if target not in config.notify:
                at(("reporting", i, "notify", j), _("unknown notify target {target} (define [notify.{name}])").format(target=repr(target), name=target))
    return problems


def _in_cycle(start: str, parents: dict[str, list[str]]) -> bool:
    seen: set[str] = set()
    todo = [p for p in parents.get(start, []) if p != start]
    while todo:
        node = todo.pop()
        if node == start:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(parents.get(node, []))
    return False


def load_config(path: Path, shown: str | None = None) -> Config:
    """The home's warroom.toml, validated; InvalidFile lists every problem with its line."""
    shown = shown or path.name
    return config_of(tomlsource.read_text(path, shown), shown)


def config_of(text: str, shown: str) -> Config:
    """warroom.toml's text, validated (load_config, once the file is read)."""
    config, locator = tomlsource.load_text(text, shown, Config)
    problems = cross_check(config, shown, locator)
    if problems:
        raise InvalidFile(problems)
    return config
