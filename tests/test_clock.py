"""Times as people type them, read in the war-room's time zone against a clock the test sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


def test_a_host_without_a_time_zone_database_still_reads_the_war_room_s_zone(tmp_path) -> None:
    """A minimal container has no /usr/share/zoneinfo: the tzdata package stands in (zoneinfo's own
    fallback), so the default zone is known and a typed time is read in Amsterdam's, not an internal error."""
    import json
    import tomllib

    import tomli_w

    from tests.conftest import run_cli

    home = tmp_path / "home"
    bare = {"PYTHONTZPATH": str(tmp_path / "no-zoneinfo")}
    made = run_cli("init", home=home, env=bare)
    assert made.returncode == 0, made.stderr
    config = tomllib.loads((home / "warroom.toml").read_text())
    config.pop("people", None)  # every user may act
    (home / "warroom.toml").write_text(tomli_w.dumps(config))
    assert run_cli("incident", "start", "cloud-hosting-outage", "--drill", home=home, env=bare).returncode == 0
    earlier = (datetime.now(UTC) - timedelta(hours=1)).replace(second=0, microsecond=0)
    typed = earlier.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
    logged = run_cli("log", "1", "Hosting moved to the standby site", "--at", typed, home=home, env=bare)
    assert logged.returncode == 0, logged.stderr
    shown = json.loads(run_cli("incident", "show", "1", "--json", home=home, env=bare).stdout)
    occurred = [e["data"]["occurred_at"] for e in shown["events"] if e["kind"] == "decision.logged"]
    assert occurred == [earlier.strftime("%Y-%m-%dT%H:%M:%S.000000Z")]
