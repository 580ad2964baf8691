"""The risk view's queries (`warroom risks`, the risk screen): the facts of every supplier from the
config, the fallback register, the current health and the 30-day history, scored by warroom.risk."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from warroom import risk
from warroom.config import Config
from warroom.services import fallbacks, history
from warroom.store.models import SupplierState

_CERTIFICATE = re.compile(r"certificate (expired|expires)")


def facts(session: Session, config: Config, now: datetime) -> list[risk.Facts]:
    register = fallbacks.register(session, config, now)
    by_supplier: dict[str, list[risk.FallbackFacts]] = {}
    for entry in register:
        by_supplier.setdefault(entry.supplier, []).append(risk.FallbackFacts(
            id=entry.id, exercised=not entry.never_exercised,
            last_result=entry.last_exercised.result if entry.last_exercised else None))
    states = {r.supplier_id: r for r in session.exec(select(SupplierState)).all()}
    month = history.availability(session, config, now, windows={"30d": timedelta(days=30)})
    carried = risk.carried_services(config)
    out = []
    for s in config.suppliers:
        row = states.get(s.id)
        # Known only while the TLS check is what decides the supplier's state: then its detail says when.
        certificate = row.detail if row is not None and _CERTIFICATE.search(row.detail) else None
        plan = s.sourcing.exit_plan
        out.append(risk.Facts(
            id=s.id, name=s.name, criticality=s.criticality, services=carried.get(s.id, ()),
            fallbacks=tuple(by_supplier.get(s.id, ())), contract_end=s.sourcing.contract_end,
            exit_plan=plan is not None, exit_plan_reviewed=plan.reviewed if plan else None,
            outside_eu=tuple(s.sourcing.outside_eu()), certificate=certificate,
            uptime_30d=month[s.id]["30d"].uptime,
        ))
    return out


def ranking(session: Session, config: Config, now: datetime) -> tuple[risk.Ranked, ...]:
    """Every supplier, highest risk first, each with the factors that make its score."""
    today = now.astimezone(ZoneInfo(config.settings.timezone)).date()  # a contract ends on the war-room's calendar
    return risk.rank(facts(session, config, now), config.risk, today)
