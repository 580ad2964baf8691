"""What an event says, in the language the war-room speaks (issue 14).

An event is stored with an English `summary`, hashed and never changed. Its `kind` and `data` are
language-neutral, so one log reads in either language: `summary(event)` is the stored summary,
byte for byte, under English, and under Dutch a sentence built from the kind and the data.

Some words a summary carries are not in the data (a step's or fallback's title, a supplier's or a
person's name, how late something was). They are read back out of the stored summary by the one
shape each kind's summary has always had: `compose` takes the summary apart against that shape and
gives up (None) when it does not fit, so an event of an older shape, or a kind this module does not
know, is shown as it was stored. Under English `compose` gives back the stored summary itself,
which tests/test_eventtext.py checks for every kind: the shapes below are those the services write.

Text people typed (log entries, notes, reasons, rationales, observations) and text of suppliers
or the playbook's author (titles, questions, messages, check details, errors) is shown as it was
typed, never translated; ids stay ids."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from warroom import durations, i18n, symbols, words
from warroom.clock import parse_iso
from warroom.health.shown import detail as shown_detail
from warroom.i18n import _
from warroom.vocabulary import says_drill

_DRILL = "[DRILL] "



class _Misfit(Exception):
    """The stored summary is not of the shape its kind's summaries have: show it as stored."""


def summary(event: Mapping[str, Any]) -> str:
    """The event's summary in the chosen language: the stored one under English (and for any event
    whose kind or shape this module does not know), a Dutch sentence under Dutch."""
    stored = stored_text(event.get("summary"))
    if not composes():
        return stored
    built = compose(event)
    return stored if built is None else built


def composes() -> bool:
    """Whether `summary` builds its sentences from an event's kind and data (a language other than
    English); under English it is the stored summary as text (`stored_text`), which a reader of
    100,000 events can take from the summary column alone."""
    return i18n.current() != i18n.DEFAULT


def stored_text(stored: object) -> str:
    """A stored summary as `summary` shows it under English."""
    return "" if stored is None else str(stored)


def compose(event: Mapping[str, Any]) -> str | None:
    """The event's sentence built from its kind and data in the chosen language, or None when its
    kind is unknown or its stored summary is not of its kind's shape."""
    kind, stored, data = event.get("kind"), event.get("summary"), event.get("data")
    if not isinstance(kind, str) or not isinstance(stored, str) or not isinstance(data, Mapping):
        return None
    build = _BUILDERS.get(kind) or (_BUILDERS.get("step.*") if kind in _STEP_KINDS else None) \
        or (_BUILDERS.get("incident.*") if kind in _STATUS_KINDS else None)
    if build is None:
        return None
    try:
        return build(kind, stored, data, event)
    except (_Misfit, KeyError, TypeError, ValueError, AttributeError, ArithmeticError):  # ArithmeticError: an altered 1e308
        return None


def decision_text(data: Mapping[str, Any], fallback: str) -> Any:
    """What a logged decision says (the decisions table of a report): what the person typed (as
    stored, whatever it is; `fallback` when there is none), or for the decision a fallback's
    activation records, the war-room's own words in the chosen language."""
    text = data.get("text", fallback)
    if not isinstance(text, str):
        return text
    ident = data.get("fallback")
    if isinstance(ident, str) and text == f"Activate fallback {ident}":
        return _("Activate fallback {fallback}").format(fallback=ident)
    return text


def drill_marked(text: str) -> str:
    """A drill's summary as a reader outside warroom must see it, saying DRILL once, in the chosen
    language (vocabulary.drill_said's rule)."""
    if i18n.current() == i18n.DEFAULT or says_drill(text):
        return text if says_drill(text) else f"{_DRILL}{text}"
    tag = _("[DRILL]")
    return text if text.startswith((tag + " ", tag[:-1] + " #")) else f"{tag} {text}"


# ── taking a stored summary apart ──────────────────────────────────────────────────────────────


def _after(text: str, prefix: str) -> str:
    if not text.startswith(prefix):
        raise _Misfit(prefix)
    return text[len(prefix):]


def _before(text: str, suffix: str) -> str:
    if not suffix:
        return text
    if not text.endswith(suffix):
        raise _Misfit(suffix)
    return text[:-len(suffix)]


def _match(pattern: str, text: str) -> re.Match[str]:
    found = re.fullmatch(pattern, text, re.DOTALL)
    if found is None:
        raise _Misfit(pattern)
    return found


def _drill(text: str) -> tuple[bool, str]:
    """Whether the summary starts with the drill tag, and the rest."""
    return (True, text[len(_DRILL):]) if text.startswith(_DRILL) else (False, text)


def _tagged(drill: bool, sentence: str) -> str:
    return f"{_('[DRILL]')} {sentence}" if drill else sentence


def _clause(text: str, value: Any) -> str:
    """A sentence and the text a person typed after a dash, as the summaries join them."""
    return f"{text} — {value}" if value else text


def _number(value: float) -> str:
    """A drill's speed: `60`, `2.5` (`2,5` in Dutch)."""
    return i18n.figure(value)


def _late(seconds: Any) -> str:
    """A span the data holds (seconds, as the summary rounds them), as the summary spells it."""
    return _spoken(durations.span(timedelta(seconds=round(float(seconds)))))


def _spoken(compact: str) -> str:
    """A span in the summaries' compact spelling (`1h5m`, language-neutral) as a person reads it
    (`1 u 5 min` in Dutch); a spelling that does not parse is shown as stored."""
    if i18n.current() == i18n.DEFAULT:
        return compact
    try:
        return durations.shown_span(durations.parse(compact))
    except ValueError:
        return compact


# ── one builder a kind ─────────────────────────────────────────────────────────────────────────
# Each takes the stored summary apart by its kind's shape (the services' f-strings), then says it.

Builder = Callable[[str, str, Mapping[str, Any], Mapping[str, Any]], str]
_BUILDERS: dict[str, Builder] = {}
_STEP_KINDS = ("step.started", "step.done", "step.skipped")
_STATUS_KINDS = ("incident.stabilised", "incident.resolved", "incident.closed")


def _builds(kind: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        _BUILDERS[kind] = build
        return build
    return register


@_builds("incident.opened")
def _opened(kind, stored, data, event) -> str:
    mode = data["mode"]
    speed = data.get("speed", 1)
    prefix = f"{'DRILL' if mode == 'drill' else 'LIVE'}: opened incident #{int(event['incident_id'])} from playbook {data['playbook']} (v{data['version']}"
    rest = _after(stored, prefix)
    if rest != (f", {speed:g}× faster)" if speed != 1 else ")"):
        raise _Misfit(rest)
    values = {"mode": words.shown(mode, words.MODE).upper(), "id": int(event["incident_id"]), "playbook": data["playbook"],
              "version": data["version"]}
    if speed != 1:
        return _("{mode}: opened incident #{id} from playbook {playbook} (v{version}, {speed}× faster)").format(speed=_number(speed), **values)
    return _("{mode}: opened incident #{id} from playbook {playbook} (v{version})").format(**values)


@_builds("step.*")
def _step(kind, stored, data, event) -> str:
    status = kind.removeprefix("step.")
    rest = _before(_after(stored, f"step {data['step']} {status}"), f" — {data['note']}" if data.get("note") else "")
    values = {"step": data["step"], "status": words.shown(status, words.STEP_STATUS)}
    late = re.fullmatch(r" \((.+?) after its due time\): (.*)", rest, re.DOTALL) if status == "done" else None
    if late:
        text = _("step {step} {status} ({late} after its due time): {title}").format(late=_spoken(late[1]), title=late[2], **values)
    else:
        text = _("step {step} {status}: {title}").format(title=_after(rest, ": "), **values)
    return _clause(text, data.get("note"))


@_builds("incident.*")
def _status(kind, stored, data, event) -> str:
    to, before = data["to"], data["from"]
    if kind != f"incident.{to}":
        raise _Misfit(kind)
    shape = f"incident #{int(event['incident_id'])} {to} (was {before})" + (f" — {data['note']}" if data.get("note") else "")
    if stored != shape:
        raise _Misfit(stored)
    text = _("incident #{id} {status} (was {before})").format(id=int(event["incident_id"]), status=words.shown(to, words.INCIDENT_STATUS),
                                                              before=words.shown(before, words.INCIDENT_STATUS))
    return _clause(text, data.get("note"))


_SPAN = re.compile(r"[0-9dhms.]{1,40}")  # a span in the summaries' compact spelling: `5m`, `1h30m`, `18s`


def _lateness(rest: str, data: Mapping[str, Any]) -> tuple[str, str]:
    """A deadline's summary without its ` (fired 5m late)`, and that clause in the chosen language."""
    # Split at the last clause by hand, not by a pattern: titles are as long as a playbook makes them,
    # and `(.*) \(fired (.+?) late\)` backtracks quadratically on one full of " (fired ".
    head, sep, span = rest.rpartition(" (fired ")
    if not sep or not span.endswith(" late)") or _SPAN.fullmatch(span[:-6]) is None:
        return rest, ""
    late = _late(data["late_seconds"]) if data.get("late_seconds") is not None else _spoken(span[:-6])
    return head, " " + _("(fired {late} late)").format(late=late)


@_builds("escalation.due")
def _escalation_due(kind, stored, data, event) -> str:
    drill, rest = _drill(stored)
    message = data.get("message")
    rest, late = _lateness(_before(_after(rest, f"L{int(data['level'])} due: "), f" — {message}" if message else ""), data)
    level = int(data["level"])
    if rest.startswith("notify "):
        text = _("L{level} due: notify {names}").format(level=level, names=rest.removeprefix("notify "))
    elif rest == "no drill targets to notify":
        text = _("L{level} due: no drill targets to notify").format(level=level)
    elif rest == "— to notify":
        text = _("L{level} due: — to notify").format(level=level)
    else:
        raise _Misfit(rest)
    return _tagged(drill, _clause(text + late, message))


@_builds("escalation.acknowledged")
def _acknowledged(kind, stored, data, event) -> str:
    found = _match(rf"L{int(data['level'])} acknowledged by (.*) \((.+?) after it fired\)", stored)
    return _("L{level} acknowledged by {name} ({span} after it fired)").format(level=int(data["level"]), name=found[1], span=_spoken(found[2]))


@_builds("step.overdue")
def _step_overdue(kind, stored, data, event) -> str:
    drill, rest = _drill(stored)
    title, late = _lateness(_after(rest, f"step {data['step']} overdue: "), data)
    return _tagged(drill, _("step {step} overdue: {title}").format(step=data["step"], title=title) + late)


@_builds("decision.overdue")
def _decision_overdue(kind, stored, data, event) -> str:
    drill, rest = _drill(stored)
    question, late = _lateness(_after(rest, f"decision {data['decision']} overdue: "), data)
    return _tagged(drill, _("decision {decision} overdue: {question}").format(decision=data["decision"], question=question) + late)


@_builds("report.overdue")
def _report_overdue(kind, stored, data, event) -> str:
    drill, rest = _drill(stored)
    rest, late = _lateness(_after(rest, f"report {data['obligation']} overdue: "), data)
    title, separator, due = rest.rpartition(f" to {data['recipient']} was due ")
    if not separator:
        raise _Misfit(rest)
    return _tagged(drill, _("report {obligation} overdue: {title} to {recipient} was due {due}").format(
        obligation=data["obligation"], title=title, recipient=data["recipient"], due=due) + late)


@_builds("report.sent")
def _report_sent(kind, stored, data, event) -> str:
    drill, rest = _drill(stored)
    note = data.get("note")
    recipient = _before(_after(rest, f"report {data['obligation']} sent to "), f": {note}" if note else "")
    text = _("report {obligation} sent to {recipient}").format(obligation=data["obligation"], recipient=recipient)
    return _tagged(drill, f"{text}: {note}" if note else text)


@_builds("fallback.activated")
def _activated(kind, stored, data, event) -> str:
    rest = _before(_after(stored, f"fallback {data['fallback']} activated: "), ")")
    title, separator, supplier = rest.rpartition(" (covers ")
    if not separator:
        raise _Misfit(rest)
    return _("fallback {fallback} activated: {title} (covers {supplier})").format(fallback=data["fallback"], title=title, supplier=supplier)


@_builds("fallback.deactivated")
def _deactivated(kind, stored, data, event) -> str:
    result, reason = data.get("result"), data.get("reason")
    shape = f"fallback {data['fallback']} stood down" + (f" ({result})" if result else "") + (f": {reason}" if reason else "")
    if stored != shape:
        raise _Misfit(stored)
    if result:
        text = _("fallback {fallback} stood down ({result})").format(fallback=data["fallback"], result=words.shown(result, words.FALLBACK_RESULT))
    else:
        text = _("fallback {fallback} stood down").format(fallback=data["fallback"])
    return f"{text}: {reason}" if reason else text


@_builds("decision.logged")
def _logged(kind, stored, data, event) -> str:
    text, rationale, corrects = data["text"], data.get("rationale"), data.get("corrects")
    said = _("— rationale: {rationale}").format(rationale=rationale) if rationale else ""
    if isinstance(data.get("fallback"), str) and text == f"Activate fallback {data['fallback']}":
        title = _before(_after(stored, f"{text}: "), f" — rationale: {rationale}" if rationale else "")
        sentence = _("Activate fallback {fallback}: {title}").format(fallback=data["fallback"], title=title)
    else:
        shape = (f"correction of #{corrects}: " if corrects is not None else "") + text + (f" — rationale: {rationale}" if rationale else "")
        if stored != shape:
            raise _Misfit(stored)
        sentence = _("correction of #{seq}: {text}").format(seq=corrects, text=text) if corrects is not None else text
    return f"{sentence} {said}" if said else sentence


@_builds("supplier.state")
def _supplier_state(kind, stored, data, event) -> str:
    to, via, drill = data["to"], data.get("via"), data.get("drill")
    marker = f"[DRILL #{drill}] " if drill is not None else ""
    how = f"down via {via}" if via else to
    name = _before(_after(stored, f"{marker}{symbols.SUPPLIER[to]} "), f" {how} ({data['detail']})")
    values = {"symbol": symbols.SUPPLIER[to], "name": name, "detail": shown_detail(data["detail"])}
    if via:
        text = _("{symbol} {name} down via {via} ({detail})").format(via=via, **values)
    else:
        text = _("{symbol} {name} {state} ({detail})").format(state=words.shown(to, words.SUPPLIER_STATE), **values)
    return f"{_('[DRILL #{drill}]').format(drill=drill)} {text}" if drill is not None else text


@_builds("playbook.suggested")
def _suggested(kind, stored, data, event) -> str:
    found = _match(rf"(.*) {re.escape(data['state'])} for (\S+): playbook \"{re.escape(data['playbook'])}\" suggested", stored)
    lasted = durations.format(parse_iso(event["at"]) - parse_iso(data["since"]))
    if lasted != found[2]:
        raise _Misfit(found[2])
    return _('{name} {state} for {duration}: playbook "{playbook}" suggested').format(
        name=found[1], state=words.shown(data["state"], words.SUPPLIER_STATE), duration=_spoken(lasted), playbook=data["playbook"])


@_builds("playbook.dismissed")
def _dismissed(kind, stored, data, event) -> str:
    name = _after(stored, f"suggestion to start {data['playbook']} dismissed by ")
    return _("suggestion to start {playbook} dismissed by {name}").format(playbook=data["playbook"], name=name)


@_builds("drill.inject")
def _inject(kind, stored, data, event) -> str:
    fault = data.get("fault")
    parts = [p for p in (data.get("message"),) if p]
    said = list(parts)
    if fault:
        parts.append(f"sets simulated {fault['supplier']} {fault['mode']}")
        said.append(_("sets simulated {supplier} {mode}").format(supplier=fault["supplier"], mode=fault["mode"]))
    what = _before(_after(stored, _DRILL), ": " + " — ".join(parts))
    n, late = data.get("inject"), data.get("late_seconds")
    if n is None:
        text = _("ad-hoc inject by {name}").format(name=_after(what, "ad-hoc inject by "))
    else:
        rest = _after(what, f"inject {n}")
        if not rest:
            text = _("inject {n}").format(n=n)
        elif found := re.fullmatch(r" \(fired (.+?) late\)", rest):
            text = _("inject {n} (fired {late} late)").format(n=n, late=_late(late) if late is not None else _spoken(found[1]))
        elif rest.startswith(" (fired by ") and rest.endswith(" early)") and ", " in rest:
            name, _comma, early = rest[len(" (fired by "):-len(" early)")].rpartition(", ")
            text = _("inject {n} (fired by {name}, {early} early)").format(n=n, name=name, early=_late(-late) if late is not None else _spoken(early))
        else:
            text = _("inject {n} (fired by {name})").format(n=n, name=_before(_after(rest, " (fired by "), ")"))
    return f"{_('[DRILL]')} {text}: " + " — ".join(said)


@_builds("drill.inject_failed")
def _inject_failed(kind, stored, data, event) -> str:
    fault, n, error = data["fault"], data.get("inject"), data["error"]
    what = f"inject {n}" if n is not None else "ad-hoc inject"
    shown_what = _("inject {n}").format(n=n) if n is not None else _("ad-hoc inject")
    values = {"what": shown_what, "seq": data["inject_seq"], "supplier": fault["supplier"], "mode": fault["mode"], "error": error}
    if data.get("maybe_set"):
        shape = (f"[DRILL] {what} (#{data['inject_seq']}): simulated {fault['supplier']} perhaps set {fault['mode']}, no answer came "
                 f"(held as the drill's until it ends): {error}")
        text = _("{what} (#{seq}): simulated {supplier} perhaps set {mode}, no answer came (held as the drill's until it ends): {error}")
    else:
        shape = f"[DRILL] {what} (#{data['inject_seq']}): simulated {fault['supplier']} NOT set {fault['mode']}: {error}"
        text = _("{what} (#{seq}): simulated {supplier} NOT set {mode}: {error}")
    if stored != shape:
        raise _Misfit(stored)
    return f"{_('[DRILL]')} {text.format(**values)}"


@_builds("drill.held")
def _held(kind, stored, data, event) -> str:
    name = _before(_after(stored, "[DRILL] facilitator "), " held a scripted inject")
    return f"{_('[DRILL]')} {_('facilitator {name} held a scripted inject').format(name=name)}"


@_builds("drill.skipped")
def _skipped(kind, stored, data, event) -> str:
    name = _before(_after(stored, "[DRILL] facilitator "), " skipped a scripted inject")
    return f"{_('[DRILL]')} {_('facilitator {name} skipped a scripted inject').format(name=name)}"


@_builds("drill.healed")
def _healed(kind, stored, data, event) -> str:
    if stored != f"[DRILL] drill over: simulated {data['supplier']} healed (up)":
        raise _Misfit(stored)
    return f"{_('[DRILL]')} {_('drill over: simulated {supplier} healed ({state})').format(supplier=data['supplier'], state=words.shown('up', words.SUPPLIER_STATE))}"


@_builds("drill.heal_failed")
def _heal_failed(kind, stored, data, event) -> str:
    if stored != f"[DRILL] drill over, but simulated {data['supplier']} could NOT be healed: {data['error']} (trying again every second)":
        raise _Misfit(stored)
    return f"{_('[DRILL]')} " + _("drill over, but simulated {supplier} could NOT be healed: {error} (trying again every second)").format(
        supplier=data["supplier"], error=data["error"])


@_builds("review.observation")
def _observation(kind, stored, data, event) -> str:
    target, step = data.get("target"), data.get("step")
    about = f"target {target}" if target else f"step {step}"
    if stored != f"review: {data['kind']} ({about}): {data['text']}":
        raise _Misfit(stored)
    observed = words.shown(data["kind"], words.OBSERVATION_KIND)
    if target:
        return _("review: {kind} (target {target}): {text}").format(kind=observed, target=target, text=data["text"])
    return _("review: {kind} (step {step}): {text}").format(kind=observed, step=step, text=data["text"])


@_builds("review.action")
def _action(kind, stored, data, event) -> str:
    if stored != f"corrective action for {data['owner']}, due {data['due']}: {data['text']}":
        raise _Misfit(stored)
    return _("corrective action for {owner}, due {due}: {text}").format(owner=data["owner"], due=data["due"], text=data["text"])


@_builds("review.action.status")
def _action_status(kind, stored, data, event) -> str:
    status = data["status"]
    if stored != f"corrective action #{data['action']}: {status}":
        raise _Misfit(stored)
    return _("corrective action #{action}: {status}").format(action=data["action"], status=words.shown(status, words.ACTION_STATUS))


@_builds("home.created")
def _home_created(kind, stored, data, event) -> str:
    return _("war-room home created at {path}").format(path=_after(stored, "war-room home created at "))


@_builds("home.restored")
def _home_restored(kind, stored, data, event) -> str:
    name, head, first, last = PurePath(data["backup"]).name, data["backup_head"], data.get("lost_from"), data.get("lost_to")
    lost = first is not None
    if stored != f"restored from backup {name}: events 1 to {head}" + (f"; seq {first} to {last}, recorded after it, are lost" if lost else ""):
        raise _Misfit(stored)
    if lost:
        return _("restored from backup {name}: events 1 to {head}; seq {first} to {last}, recorded after it, are lost").format(
            name=name, head=head, first=first, last=last)
    return _("restored from backup {name}: events 1 to {head}").format(name=name, head=head)


@_builds("monitor.gap")
def _gap(kind, stored, data, event) -> str:
    lasted = _before(_after(stored, "no monitor ran for "), ": supplier states were not watched")
    return _("no monitor ran for {span}: supplier states were not watched").format(span=lasted)


@_builds("monitor.started")
def _started(kind, stored, data, event) -> str:
    holder, previous = data["holder"], data.get("previous")
    took_over = bool(previous) and previous != holder
    if stored != f"monitor {holder} holds the lease" + (f" (took over from {previous})" if took_over else ""):
        raise _Misfit(stored)
    if took_over:
        return _("monitor {holder} holds the lease (took over from {previous})").format(holder=holder, previous=previous)
    return _("monitor {holder} holds the lease").format(holder=holder)


@_builds("notify.delivered")
def _delivered(kind, stored, data, event) -> str:
    if stored != f"webhook {data['target']} notified (attempt {data['attempts']})":
        raise _Misfit(stored)
    return _("webhook {target} notified (attempt {n})").format(target=data["target"], n=data["attempts"])


@_builds("notify.failed")
def _failed(kind, stored, data, event) -> str:
    target, attempts, error = data["target"], data["attempts"], data["error"]
    if data.get("final"):
        if stored != f"webhook {target} gave up after {attempts} attempts: {error}":
            raise _Misfit(stored)
        return _("webhook {target} gave up after {n} attempts: {error}").format(target=target, n=attempts, error=error)
    until = _after(stored, f"webhook {target} failed: {error}; retrying until ")
    return _("webhook {target} failed: {error}; retrying until {until}").format(target=target, error=error, until=until)


KINDS = frozenset((*_BUILDERS, *_STEP_KINDS, *_STATUS_KINDS)) - {"step.*", "incident.*"}
"""Every kind the war-room writes that this module says in the chosen language."""
