"""The supplier screen's reads of one supplier: its availability reads only its own state changes
and watch spans (not the landscape's), and its risk score is the one the ranking gives it, computed
without ranking every supplier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, text

from tests.watch.scenario import Recorder
from warroom.services import history, library
from warroom.services import risk as risk_service

T0 = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
EVERY = timedelta(seconds=30)  # the suppliers' interval: consecutive rounds are one watched span
M = timedelta(minutes=10)


def _sent(store, read) -> list[tuple[str, object]]:
    """Every statement `read(session)` sends, with its parameters, as the driver got them."""
    sent: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        with store.read() as session:
            read(session)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    return sent


def _selects(sent: list[tuple[str, object]], table: str) -> list[tuple[str, object]]:
    return [(st, p) for st, p in sent if st.lstrip().upper().startswith("SELECT") and f"FROM {table} " in st + " "]


def _rows_read(store, read) -> dict[str, int]:
    """table → how many rows the SELECTs of `read(session)` on it fetched, counted by running each
    statement again as it was sent."""
    sent = _sent(store, read)
    counts: dict[str, int] = {}
    with store.engine.connect() as connection:
        for table in ("event", "watch_span"):
            for statement, parameters in _selects(sent, table):
                raw = connection.connection.driver_connection.execute(statement, parameters)
                counts[table] = counts.get(table, 0) + len(raw.fetchall())
    return counts


def test_one_supplier_reads_its_own_events_and_spans_and_scores_as_the_ranking_does(home, clock):
    r = Recorder(home, clock)
    try:
        for supplier in ("nlcloud", "paybank", "mailco"):  # each: up, down for ten minutes, up again
            r.rounds(supplier, "up", T0, T0 + M, EVERY)
            r.rounds(supplier, "down", T0 + M, T0 + 2 * M, EVERY)
            r.rounds(supplier, "up", T0 + 2 * M, T0 + 3 * M, EVERY)
    finally:
        r.close()
    now = T0 + 3 * M
    config = library.config(home)
    store = home.open_store()
    try:
        with store.read() as session:
            own = session.execute(text("SELECT count(*) FROM event WHERE kind = 'supplier.state' AND object = 'supplier:paybank'")).scalar()
            every = session.execute(text("SELECT count(*) FROM event WHERE kind = 'supplier.state'")).scalar()
            assert own == 3 and every == 9
            alone = history.availability(session, config, now, only=["paybank"])
            together = history.availability(session, config, now)
            assert alone == {"paybank": together["paybank"]}
            assert alone["paybank"]["24h"].outages == 1
            one = risk_service.one(session, config, now, "paybank")
            ranked = next(x for x in risk_service.ranking(session, config, now) if x.id == "paybank")
            assert risk_service.one(session, config, now, "no-such-supplier") is None
        assert one is not None and one.rank is None and (one.score, one.factors) == (ranked.score, ranked.factors)
        assert _rows_read(store, lambda s: history.availability(s, config, now, only=["paybank"])) == {"event": own, "watch_span": 1}
        assert _rows_read(store, lambda s: risk_service.one(s, config, now, "paybank")) == {"event": own, "watch_span": 1}
        # The one-supplier read has its index (0008), not a walk of every supplier's changes: the plan
        # of the very statement history sends, captured as it went to the driver.
        (statement, parameters), = [(st, p) for st, p in _selects(_sent(store, lambda s: history.availability(s, config, now, only=["paybank"])), "event")
                                    if "supplier:paybank" in (p if isinstance(p, (list, tuple)) else list(dict(p).values()))]
        with store.engine.connect() as connection:
            plan = connection.connection.driver_connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
        assert "ix_event_object_kind_at" in " ".join(str(row[-1]) for row in plan)
    finally:
        store.dispose()
