"""Availability history from real recorded rounds and state events: uptime over 24 h / 30 d / 90 d,
outages, MTTR, longest outage, against figures this test works out by hand, with a monitor gap
(unknown, never up) and a configured maintenance window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import run_cli
from tests.watch.scenario import Recorder
from warroom.clock import SystemClock
from warroom.services import history, library

T0 = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
END = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
TEN = timedelta(minutes=10)
H = timedelta(hours=1)


def day(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, d, hh, mm, tzinfo=UTC)


def _ten_minute_nlcloud(home) -> None:
    """nlcloud checked every 10 minutes; its example maintenance window stays (6 Dec 21:00 – 7 Dec 01:00 UTC)."""
    text = home.config_path.read_text(encoding="utf-8")
    home.config_path.write_text(text.replace('id = "nlcloud"\n', 'id = "nlcloud"\ninterval = "10m"\n', 1), encoding="utf-8")


@pytest.fixture
def recorded(home, clock):
    """Three days of nlcloud, rounds every 10 minutes (confirm = 2: a new state counts from its second round)."""
    _ten_minute_nlcloud(home)
    r = Recorder(home, clock)
    n = "nlcloud"
    r.rounds(n, "up", T0, day(5, 6), TEN)
    r.rounds(n, "down", day(5, 6), day(5, 8), TEN)                  # down confirmed 06:10
    r.rounds(n, "up", day(5, 8), day(5, 12, 10), TEN)               # up confirmed 08:10; last round 12:00
    r.rounds(n, "up", day(5, 18), day(6, 3), TEN)                   # no monitor 12:00–18:00
    r.rounds(n, "degraded", day(6, 3), day(6, 4), TEN)              # degraded confirmed 03:10
    r.rounds(n, "up", day(6, 4), day(6, 21), TEN)                   # up confirmed 04:10
    r.rounds(n, "maintenance", day(6, 21), day(7, 1), TEN)          # inside the window, as the monitor sees it
    r.rounds(n, "up", day(7, 1), day(7, 10), TEN)                   # up confirmed 01:10
    r.rounds(n, "down", day(7, 10), day(7, 11, 10), TEN)            # down confirmed 10:10; last round 11:00
    r.rounds(n, "down", day(7, 15), day(7, 16), TEN)                # no monitor 11:00–15:00, still down after
    r.rounds(n, "up", day(7, 16), END, TEN)                         # up confirmed 16:10; last round 23:50
    r.close()
    clock.set(END)
    return home


def _expected(since: datetime) -> dict[str, float]:
    """The timeline as this test scripted it, summed by hand from `since` to END."""
    segments = [
        (T0, day(5, 6, 10), "up"), (day(5, 6, 10), day(5, 8, 10), "down"), (day(5, 8, 10), day(5, 12), "up"),
        (day(5, 12), day(5, 18), "unknown"), (day(5, 18), day(6, 3, 10), "up"), (day(6, 3, 10), day(6, 4, 10), "degraded"),
        (day(6, 4, 10), day(6, 21), "up"), (day(6, 21), day(7, 1, 10), "maintenance"),  # the window, then the confirmed state
        (day(7, 1, 10), day(7, 10, 10), "up"), (day(7, 10, 10), day(7, 11), "down"), (day(7, 11), day(7, 15), "unknown"),
        (day(7, 15), day(7, 16, 10), "down"), (day(7, 16, 10), END, "up"),
    ]
    totals = {"up": 0.0, "degraded": 0.0, "down": 0.0, "maintenance": 0.0, "unknown": max(0.0, (T0 - since).total_seconds())}
    for a, b, what in segments:
        a, b = max(a, since), b
        if b > a:
            totals[what] += (b - a).total_seconds()
    return totals


@pytest.mark.parametrize("window", ["24h", "30d", "90d"])
def test_uptime_and_outages_match_the_timeline_worked_out_by_hand(recorded, clock, window):
    config = library.config(recorded)
    store = recorded.open_store()
    with store.read() as session:
        found = history.availability(session, config, END)["nlcloud"][window]
    store.dispose()
    since = END - history.WINDOWS[window]
    want = _expected(since)
    assert found.window_seconds == history.WINDOWS[window].total_seconds()
    assert (found.up_seconds, found.degraded_seconds, found.down_seconds, found.maintenance_seconds, found.unknown_seconds) == (
        want["up"], want["degraded"], want["down"], want["maintenance"], want["unknown"])
    assert sum(want.values()) == found.window_seconds
    # Unknown time is never counted as up: uptime is over the watched, unplanned time only.
    known = want["up"] + want["degraded"] + want["down"]
    assert found.uptime == pytest.approx(100 * (want["up"] + want["degraded"]) / known)
    # The outage on the 7th ran 10:10–16:10 in the log, but nobody watched 11:00–15:00: it is 50 min +
    # 70 min = 2 h long, and the 4 h unwatched inside it are said apart, never added to it.
    if window == "24h":
        assert (found.outages, found.mttr_seconds, found.longest_outage_seconds) == (1, 2 * 3600, 2 * 3600)
        assert found.uptime == pytest.approx(100 * (9 * 60 + 7 * 60 + 50) / (9 * 60 + 7 * 60 + 50 + 50 + 70))  # up 01:10–10:10, 16:10–24:00
    else:  # 2 h on the 5th (06:10–08:10); 2 h known on the 7th, across the monitor gap (the log never said it recovered)
        assert (found.outages, found.mttr_seconds, found.longest_outage_seconds) == (2, 2 * 3600, 2 * 3600)
    assert found.outage_unknown_seconds == 4 * 3600
    assert found.ongoing_outage is False


def test_an_outage_under_way_counts_to_now_and_a_stopped_monitor_turns_to_unknown(recorded, clock):
    config = library.config(recorded)
    r = Recorder(recorded, clock)
    r.rounds("nlcloud", "down", END, END + 30 * TEN, TEN)  # down confirmed 00:10, last round 04:50
    r.close()
    store = recorded.open_store()
    with store.read() as session:
        fresh = history.availability(session, config, END + 30 * TEN)["nlcloud"]  # 05:00
        later = history.availability(session, config, END + 30 * TEN + 4 * H)["nlcloud"]  # 09:00, no monitor since 04:50
    store.dispose()
    assert fresh["24h"].ongoing_outage and fresh["24h"].outages == 2
    assert fresh["24h"].longest_outage_seconds == (4 * H + 5 * TEN).total_seconds()  # 00:10 → 05:00, watched throughout
    assert fresh["24h"].mttr_seconds == 2 * 3600  # only outages that ended: the 7th's, 2 h watched
    # At 09:00 the outage still runs in the log, but it was watched only to 04:50: 4 h 40 min long,
    # and 4 h 10 min of it unknown (plus the 4 h gap inside the 7th's).
    assert later["24h"].ongoing_outage and later["24h"].longest_outage_seconds == (4 * H + 4 * TEN).total_seconds()
    assert later["24h"].outage_unknown_seconds == (4 * H + TEN + 4 * H).total_seconds()
    # Nobody watched since the round at 04:50: unknown, not down (and certainly not up). The 30-day window
    # moved 4 h on (4 h less of the unknown before the first round) and gained 4 h 10 min unwatched.
    assert later["30d"].unknown_seconds == fresh["30d"].unknown_seconds - 4 * 3600 + (4 * H + TEN).total_seconds()
    assert later["30d"].down_seconds == fresh["30d"].down_seconds - 600 and later["30d"].up_seconds == fresh["30d"].up_seconds


def test_status_json_gives_each_supplier_its_availability_without_dropping_a_contract_field(home, clock):
    now = SystemClock().now().replace(microsecond=0)
    _ten_minute_nlcloud(home)
    r = Recorder(home, clock)
    r.rounds("nlcloud", "up", now - 2 * H, now, TEN)
    r.close()
    result = run_cli("status", "--json", home=home.root)
    assert result.returncode == 0, result.stderr
    suppliers = {s["id"]: s for s in json.loads(result.stdout)["suppliers"]}
    nlcloud = suppliers["nlcloud"]
    assert {"id", "state", "since", "via", "maintenance"} <= nlcloud.keys()  # DESIGN §6: only added to
    assert set(nlcloud["availability"]) == {"24h", "30d", "90d"}
    day_ = nlcloud["availability"]["24h"]
    assert day_["uptime"] == 100.0 and day_["outages"] == 0 and day_["mttr_seconds"] is None and day_["outage_unknown_seconds"] == 0
    assert day_["unknown_seconds"] == pytest.approx(22 * 3600, abs=120)  # the 22 hours before the first round
    assert suppliers["paybank"]["availability"]["30d"]["uptime"] is None  # never watched: no figure, not 100 %
    text = run_cli("status", home=home.root)
    # 2 hours watched of 30 days: the figure says how little it rests on, never a bare 100 %
    assert "30 d 100.00 % (watched 2 h 00 min)" in text.stdout, text.stdout


def test_an_outage_wholly_inside_a_maintenance_window_is_no_outage(home, clock):
    """nlcloud goes down for an hour inside its maintenance window (6 Dec 21:00 – 7 Dec 01:00 UTC):
    the time counts as maintenance, so neither the down time nor an outage nor an MTTR shows."""
    _ten_minute_nlcloud(home)
    r = Recorder(home, clock)
    r.rounds("nlcloud", "up", day(6, 18), day(6, 22), TEN)
    r.rounds("nlcloud", "down", day(6, 22), day(6, 23), TEN)      # down confirmed 22:10, inside the window
    r.rounds("nlcloud", "up", day(6, 23), day(7, 3), TEN)         # up confirmed 23:10
    r.close()
    config = library.config(home)
    store = home.open_store()
    with store.read() as session:
        found = history.availability(session, config, day(7, 3))["nlcloud"]["24h"]
    store.dispose()
    assert (found.down_seconds, found.maintenance_seconds, found.up_seconds) == (0, 4 * 3600, 5 * 3600)  # up 18:00–21:00, 01:00–03:00
    assert (found.outages, found.mttr_seconds, found.longest_outage_seconds, found.ongoing_outage) == (0, None, None, False)
    assert found.uptime == 100.0


def test_an_uptime_over_two_watched_hours_is_not_scored_as_a_30_day_uptime(home, clock):
    """nlcloud watched for 2 hours, down for one of them: its 30-day uptime (50 %) rests on 2 h of
    30 d, under [risk] availability_watched (50 % by default): the risk view says so and scores
    nothing for it; with availability_watched = 0 the same uptime is scored."""
    now = SystemClock().now().replace(microsecond=0)
    _ten_minute_nlcloud(home)
    r = Recorder(home, clock)
    r.rounds("nlcloud", "up", now - 2 * H, now - H, TEN)
    r.rounds("nlcloud", "down", now - H, now, TEN)
    r.close()

    def availability() -> dict | None:
        found = json.loads(run_cli("risks", "--json", home=home.root).stdout)
        nlcloud = next(s for s in found["suppliers"] if s["id"] == "nlcloud")
        return next((f for f in nlcloud["factors"] if f["factor"] == "availability"), None)

    thin = availability()
    assert thin is not None and thin["points"] == 0 and thin["why"].startswith("not enough history (watched 2 h "), thin
    text = home.config_path.read_text(encoding="utf-8")
    assert "\n[risk]\n" not in text
    home.config_path.write_text(text + "\n[risk]\navailability_watched = 0\n", encoding="utf-8")
    scored = availability()
    assert scored is not None and scored["points"] > 0 and scored["why"].startswith("30-day uptime "), scored
