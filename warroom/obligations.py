"""Legal reporting obligations of an incident (the Cyberbeveiligingswet implementing NIS2, the
critical-entities law implementing CER, a sector's own rules): what must be reported, to whom, and
by when, counted from the moment the incident was judged significant.

Named by the home's warroom.toml (`[[reporting]]`, for every incident) and by a playbook
(`[[reporting]]`, for its own; the playbook's wins where both name the same id). Pure: the model
and the calendar arithmetic, no I/O."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import Field, StrictInt, model_validator

from warroom import durations
from warroom.fields import Model, PositiveDuration, Slug
from warroom.i18n import _


class Obligation(Model):
    id: Slug
    """Id that `warroom report` and `warroom export --obligation` name, like nis2-early-warning."""
    title: str
    """The report, as the law names it: "Early warning (Cyberbeveiligingswet art. 23 / NIS2)"."""
    recipient: str
    """Who receives it: the sector's CSIRT, the NCSC, the supervisory authority."""
    due: PositiveDuration | None = None
    """Due this long after the significance moment (24h, 72h). Give `due` or `months`."""
    months: StrictInt | None = Field(None, ge=1, le=120)  # strict: TOML's true is no 1
    """Due this many calendar months after the significance moment (a final report: 1)."""
    significance: Slug | None = None
    """The playbook decision whose logged decision marks the incident significant; the clock runs from
    when it was taken. Left out, or not a decision of the incident's playbook: from the opening. In a
    playbook it must be one of its decisions."""
    content: list[str] = []
    """What the report must contain; the drafted report (`export --format report`) has a section for each."""
    notify: list[Slug] = []
    """Notify targets told when it is missed (default: whoever the escalation ladder has reached)."""

    @model_validator(mode="after")
    def _one_due(self) -> Obligation:
        if (self.due is None) == (self.months is None):
            raise ValueError(_("give either due (like 24h) or months (like 1), not both or neither"))
        return self

    def due_at(self, moment: datetime, zone: str, speed: float = 1.0) -> datetime:
        """When the report is due, as a UTC instant; `months` count on the calendar of `zone` (the
        war-room's), so a month later is the same local day and time whatever the clocks did between.
        A drill run `speed` times faster runs the span that much faster, as it does its steps."""
        if self.months is not None:
            return moment + durations.scaled(add_months(moment, self.months, zone) - moment, speed)
        assert self.due is not None  # the validator says one is given
        return moment + durations.scaled(self.due, speed)


def add_months(when: datetime, months: int, zone: str) -> datetime:
    """The same local time of day `months` calendar months later in `zone`; the month's last day when
    it is shorter (31 January + 1 month = 28 or 29 February). Counted on the local calendar because a
    month in UTC is a different day or hour near midnight and across a change to or from summer time."""
    here = when.astimezone(ZoneInfo(zone))
    index = here.month - 1 + months
    year, month = here.year + index // 12, index % 12 + 1
    # A wall time that does not exist that day (skipped by summer time) reads with the earlier
    # offset (fold 0): an hour later than written, never earlier than the law allows.
    later = here.replace(year=year, month=month, day=min(here.day, calendar.monthrange(year, month)[1]), fold=0)
    return later.astimezone(UTC)


def merged(home: list[Obligation], playbook: list[Obligation]) -> list[Obligation]:
    """The incident's obligations: the home's, then the playbook's; a playbook entry replaces the home's of the same id."""
    own = {o.id for o in playbook}
    return [o for o in home if o.id not in own] + list(playbook)
