"""Times as people type them, read in the war-room's time zone against a clock the test sets."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from warroom.clock import parse_when

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(text: str, now_local: datetime) -> datetime:
    return parse_when(text, "Europe/Amsterdam", now_local.replace(tzinfo=AMSTERDAM).astimezone(UTC)).astimezone(AMSTERDAM)


def test_a_bare_time_after_midnight_is_last_night_not_tomorrow() -> None:
    assert at("23:50", datetime(2026, 11, 30, 0, 30)) == datetime(2026, 11, 29, 23, 50, tzinfo=AMSTERDAM)


def test_a_bare_time_earlier_today_is_today_and_a_minute_ahead_is_allowed() -> None:
    assert at("10:05", datetime(2026, 11, 29, 14, 0)) == datetime(2026, 11, 29, 10, 5, tzinfo=AMSTERDAM)
    assert at("14:01", datetime(2026, 11, 29, 14, 0)) == datetime(2026, 11, 29, 14, 1, tzinfo=AMSTERDAM)


def test_a_bare_time_is_read_in_the_war_rooms_zone_across_a_clock_change() -> None:
    # 29 March 2026: clocks go from 02:00 CET to 03:00 CEST; 09:00 that morning is 07:00 UTC.
    assert parse_when("09:00", "Europe/Amsterdam", datetime(2026, 3, 29, 8, 0, tzinfo=UTC)) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["", "25:00", "ten", "0001-01-01T00:00"])
def test_bad_times_say_how_to_write_one(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_when(bad, "Europe/Amsterdam", datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
