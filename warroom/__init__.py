"""warroom: a terminal war-room for crisis teams whose IT suppliers fail."""

__version__ = "0.1.0"
