"""The incidents still being worked (open or stabilised: vocabulary.ONGOING), as a refusal names them
when a command is given an incident id that does not exist. SQLAlchemy Core only, so that
`warroom log` reaches it without the ORM (issue 16)."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam
from sqlalchemy import text as sql

from warroom.errors import BadInput
from warroom.i18n import _
from warroom.vocabulary import ONGOING

_LIVE = sql("SELECT id FROM incident WHERE status IN :live ORDER BY id").bindparams(bindparam("live", expanding=True))


def no_incident(connection: Connection, incident_id: int) -> BadInput:
    """The refusal of an unknown incident id, naming the incidents still being worked."""
    named = ", ".join(f"#{i}" for (i,) in connection.execute(_LIVE, {"live": list(ONGOING)}))
    return BadInput(_("no incident #{id} (open or stabilised incidents: {named})").format(id=incident_id, named=named or _("none")))
