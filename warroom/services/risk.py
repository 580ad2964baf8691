"""The risk view's queries (`warroom risks`, the risk screen, the supplier screen): the facts of
suppliers from the config, the fallback register, the current health (its certificate's stored
end) and the 30-day history, scored by warroom.risk."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from warroom import clock, risk
from warroom.config import Config
from warroom.services import fallbacks, history
from warroom.store.models import SupplierState


def facts(session: Session, config: Config, now: datetime, *, only: str | None = None) -> list[risk.Facts]:
    """Every supplier's facts; with `only`, that supplier's alone, read without the others'."""
    suppliers = [s for s in config.suppliers if only is None or s.id == only]
    ids = [s.id for s in suppliers]
    by_supplier: dict[str, list[risk.FallbackFacts]] = {}
    for entry in fallbacks.register(session, config, now, supplier=only):
        by_supplier.setdefault(entry.supplier, []).append(risk.FallbackFacts(
            id=entry.id, exercised=not entry.never_exercised,
            last_result=entry.last_exercised.result if entry.last_exercised else None))
    rows = select(SupplierState.supplier_id, SupplierState.certificate_not_after)
    ends = dict(session.exec(rows if only is None else rows.where(col(SupplierState.supplier_id).in_(ids))).all())
    month = history.availability(session, config, now, windows={"30d": timedelta(days=30)}, only=None if only is None else ids)
    carried = risk.carried_services(config)
    out = []
    for s in suppliers:
        plan = s.sourcing.exit_plan
        # What its tls check last read; a supplier no longer checked over TLS has no certificate to count.
        certificate = ends.get(s.id) if any(c.kind == "tls" for c in s.checks) else None
        out.append(risk.Facts(
            id=s.id, name=s.name, criticality=s.criticality, services=carried.get(s.id, ()),
            fallbacks=tuple(by_supplier.get(s.id, ())), contract_end=s.sourcing.contract_end,
            exit_plan=plan is not None, exit_plan_reviewed=plan.reviewed if plan else None,
            outside_eu=tuple(s.sourcing.outside_eu()), certificate_not_after=certificate,
            uptime_30d=month[s.id]["30d"].uptime, watched_30d=month[s.id]["30d"].watched_seconds,
        ))
    return out


def _today(config: Config, now: datetime):
    return clock.today(now, config.settings.timezone)  # a contract ends on the war-room's calendar


def ranking(session: Session, config: Config, now: datetime) -> tuple[risk.Ranked, ...]:
    """Every supplier, highest risk first, each with the factors that make its score."""
    return risk.rank(facts(session, config, now), config.risk, _today(config, now), now)


def one(session: Session, config: Config, now: datetime, supplier_id: str) -> risk.Ranked | None:
    """One supplier's score and factors, read without the rest of the landscape (the supplier
    screen). Its rank is left out (None): a rank needs every supplier's 30-day history, the one
    read that grows with the landscape."""
    found = facts(session, config, now, only=supplier_id)
    if not found:
        return None
    f = found[0]
    points, factors = risk.score(f, config.risk, _today(config, now), now)
    return risk.Ranked(None, f.id, f.name, f.criticality, points, factors)
