"""One webhook can break only its own message (issue 9, adversarial finding A): a URL no request
can use is refused in warroom.toml at its line, and a message that still carries one (queued before
the check was this strict) fails alone, with its back-off, while the others are delivered once."""

from __future__ import annotations

import sqlite3

import pytest
from sqlmodel import select

from tests.conftest import Process, assert_clean_failure, run_cli, wait_for
from tests.helpers import record_fault
from tests.test_hostile_suppliers import toml_string
from tests.test_incidents import ME, Hook, cli_ok, configure, event_rows
from warroom.clock import SystemClock
from warroom.config import NotifyTarget
from warroom.services import library, outbox
from warroom.store.models import Incident

BAD = {"bidi-host": "http://\u202e.example/hook", "port-99999": "http://127.0.0.1:99999/hook"}


@pytest.mark.parametrize("url,expected", [
    (BAD["bidi-host"], "U+202E"),
    (BAD["port-99999"], "port must be a number from 1 to 65535"),
    ("http://hooks.example:0/hook", "port must be a number from 1 to 65535"),
    ("http://hooks\u0000.example/hook", "U+0000"),
    ("http://hooks.\U0001f600/hook", "is not a host name that can be looked up"),
    ("ftp://hooks.example/hook", "is not an http(s) URL"),
], ids=["bidi", "port-99999", "port-0", "nul", "emoji", "ftp"])
def test_a_webhook_no_request_could_use_is_a_file_line_problem(home, url, expected):
    text = home.config_path.read_text()
    home.config_path.write_text(text + f"\n[notify.hooked]\nname = \"Hooked\"\nwebhook = {toml_string(url)}\n")
    line = len(text.splitlines()) + 4
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert f"warroom.toml:{line}: notify.hooked.webhook: " in result.stderr and expected in result.stderr, result.stderr


def outbox_rows(home) -> dict[str, tuple[int, str | None, str | None]]:
    connection = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT target, attempts, delivered_at, last_error FROM outbox").fetchall()
    finally:
        connection.close()
    return {target: (attempts, delivered, error) for target, attempts, delivered, error in rows}


def test_a_message_to_an_unusable_url_fails_alone_and_the_others_are_delivered_once(home):
    hook = Hook()
    configure(home)
    incident_id = int(cli_ok(home, "incident", "start", "quick-drill"))
    # Messages queued by an older warroom, whose config check let these URLs through.
    cfg = library.config(home)
    targets = {"good": hook.url, **BAD}
    cfg = cfg.model_copy(update={"notify": {t: NotifyTarget.model_construct(name=t, webhook=url) for t, url in targets.items()}})
    opened = event_rows(home, "incident.opened")[0]
    store = home.open_store()
    try:
        with store.write() as session:
            queued = outbox.enqueue(session, config=cfg, incident=session.get(Incident, incident_id), event=opened,
                                    targets=list(targets), now=SystemClock().now())
    finally:
        store.dispose()
    assert queued == 3
    monitor = Process("--home", str(home.root), "monitor")
    try:
        wait_for(lambda: event_rows(home, "notify.delivered"), timeout=30, what="the good message to be delivered")
        # Each bad message failed on its own and is retried after its back-off (2 s), not every second.
        wait_for(lambda: all(outbox_rows(home)[t][0] >= 2 for t in BAD), timeout=30, what="a second attempt of each bad message")
    finally:
        monitor.stop()
        hook.server.close()
    rows = outbox_rows(home)
    assert rows["good"][0] == 1 and rows["good"][1] is not None
    assert len([b for b in hook.bodies if b["notify"]["id"] == "good"]) == 1, "the good message was sent again"
    failed = {e["data"]["target"]: e for e in event_rows(home, "notify.failed")}
    assert set(failed) == set(BAD)
    for target in BAD:
        assert failed[target]["data"]["attempts"] == 1 and failed[target]["data"]["final"] is False
        assert rows[target][2], rows[target]
    assert "Traceback" not in "\n".join(monitor.lines), monitor.lines


def test_a_drill_marked_state_change_says_drill_once_in_its_webhook_message(home, clock):
    """A change a drill's fault caused begins "[DRILL #N] "; the webhook text says DRILL once, as the
    CSV export does (one rule: vocabulary.says_drill)."""
    import json
    from datetime import timedelta

    from warroom.health.states import Observation
    from warroom.services import actors, health, incidents, lease
    from warroom.store.models import Outbox

    configure(home)
    cfg = library.config(home)
    cfg = cfg.model_copy(update={"notify": {**cfg.notify, "hooked": NotifyTarget.model_construct(name="Hooked", webhook="http://127.0.0.1:9/hook",
                                                                                       drills=True)}})
    origin = {"host": "test", "terminal": None, "ssh_client": None}
    me = actors.resolve(cfg, ME, origin)
    store = home.open_store()
    try:
        with store.write() as session:
            drill = incidents.start(session, playbook=library.find(home, cfg, "quick-drill"), mode="drill", now=clock.now(), actor=me).id
            record_fault(session, drill, "nlcloud", "down", now=clock.now(), actor=me)
        for _ in range(3):
            with store.write() as session:
                lease.take(session, holder="t", now=clock.now(), ttl=timedelta(days=1), gap_after=timedelta(days=1), origin=origin)
                health.record(session, supplier=cfg.supplier("nlcloud"), observation=Observation("down", None, "test down", "test"),
                              now=clock.now(), config=cfg, playbooks=[], holder="t", origin=origin)
            clock.advance(timedelta(minutes=1))
        change = [e for e in event_rows(home, "supplier.state") if e["data"].get("drill") == drill][-1]
        assert change["summary"].startswith(f"[DRILL #{drill}] ")
        with store.write() as session:
            assert outbox.enqueue(session, config=cfg, incident=session.get(Incident, drill), event=change, targets=["hooked"], now=clock.now()) == 1
        with store.read() as session:
            payload = json.loads(session.exec(select(Outbox.payload)).one())
    finally:
        store.dispose()
    assert payload["summary"] == change["summary"], payload["summary"]  # not "[DRILL] [DRILL #N] …"
