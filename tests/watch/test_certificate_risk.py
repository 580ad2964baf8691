"""The risk view's certificate factor comes from the certificate's end (not-after) that the real
tls check read and the monitor stored, counted against the clock: also while another check (an
http probe that is down) decides the supplier's state, and while the certificate is still valid
beyond the check's warn_days. No words of a detail are read."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from tests import hostile
from tests.conftest import run_cli
from warroom.clock import MovableClock
from warroom.health import checks
from warroom.monitor.service import observe_supplier
from warroom.services import health, lease, library
from warroom.services import risk as risk_service
from warroom.store.models import SupplierState

CONFIG = '''
[[suppliers]]
id = "certified"
name = "Certified"

[[suppliers.checks]]
kind = "tls"
url = "tls://127.0.0.1:{tls}"
ca_file = "{ca}"
timeout = "3s"

[[suppliers.checks]]
kind = "http"
url = "http://127.0.0.1:{refused}/health"
timeout = "3s"
'''


def _round(home, config, clock) -> None:
    """One round of the supplier's checks, observed and recorded as the monitor does it."""
    supplier = config.supplier("certified")

    async def observe():
        clients = checks.Clients(10)
        try:
            return await observe_supplier(supplier, clients, asyncio.Semaphore(1), clock)
        finally:
            await clients.aclose()

    observation, now = asyncio.run(observe())
    store = home.open_store()
    try:
        with store.write() as session:
            lease.take(session, holder="t", now=now, ttl=timedelta(days=2), gap_after=timedelta(days=400), origin={})
            health.record(session, supplier=supplier, observation=observation, now=now, config=config, playbooks=[], holder="t", origin={})
    finally:
        store.dispose()


def _certificate(home, config, now) -> dict[str, object]:
    store = home.open_store()
    try:
        with store.read() as session:
            ranked = risk_service.ranking(session, config, now)
            row = session.get(SupplierState, "certified")
            return {"stored": row.certificate_not_after, "detail": row.detail,
                    "factors": {f.factor: f.why for f in ranked[0].factors if f.factor.startswith("certificate")}}
    finally:
        store.dispose()


def test_the_certificate_factor_is_the_stored_end_against_the_clock(home, tmp_path):
    ca = hostile.make_ca(tmp_path)
    # 20 days left: beyond warn_days (14), so the tls check says "valid", and the http probe decides anyway.
    tls = hostile.Server(hostile.never_answers, hostile.server_context(tmp_path, ca, days_left=20, name="certified"))
    try:
        home.config_path.write_text(CONFIG.format(tls=tls.port, ca=ca[2], refused=hostile.free_port()), encoding="utf-8")
        config = library.config(home)
        clock = MovableClock(datetime.now(UTC))
        _round(home, config, clock)
    finally:
        tls.close()
    seen = _certificate(home, config, clock.now())
    ends = seen["stored"]
    assert isinstance(ends, datetime) and timedelta(days=19) < ends - clock.now() <= timedelta(days=20)
    assert "certificate" not in seen["detail"]  # the state is the refused probe's: the words say nothing of the certificate
    assert seen["factors"] == {"certificate": f"TLS certificate expires {ends:%Y-%m-%d %H:%M} UTC (in 19 days, within 30 days)"}

    # The host gone: a round that reads no certificate keeps the end the last one read.
    clock.advance(timedelta(minutes=1))
    _round(home, config, clock)
    assert _certificate(home, config, clock.now())["stored"] == ends

    # The clock past the end: expired, its own weight; the horizon in the config decides "expiring".
    clock.set(ends + timedelta(days=2))
    assert set(_certificate(home, config, clock.now())["factors"]) == {"certificate_expired"}
    clock.set(ends - timedelta(days=40))
    assert _certificate(home, config, clock.now())["factors"] == {}
    home.config_path.write_text(home.config_path.read_text(encoding="utf-8") + '\n[risk]\ncertificate_horizon = "60d"\n', encoding="utf-8")
    assert set(_certificate(home, library.config(home), clock.now())["factors"]) == {"certificate"}

    # The stored end is a per-round field: verify still finds the state tables as the log says.
    result = run_cli("verify", home=home.root)
    assert result.returncode == 0, result.stderr
    assert json.loads(run_cli("risks", "--json", home=home.root).stdout)["weights"]["certificate_expired"] == 25
