"""Times on the pages are Shanghai's (UTC+8), whatever the server's zone."""

from gateway.web import clock


def test_utc_instants_are_shown_in_shanghai():
    assert clock.shown_time("2026-12-01T17:30:00Z") == "2026-12-02 01:30"
    assert clock.shown_date("2026-12-01T17:30:00+00:00") == "2026-12-02"  # already the next day in Shanghai
    assert clock.shown_time("2026-12-02T10:31:05+08:00") == "2026-12-02 10:31"
    assert clock.shown_time("2026-12-01T17:30:00") == "2026-12-02 01:30"  # naive: the services' UTC


def test_missing_or_unreadable_times_show_nothing():
    assert clock.shown_time(None) == ""
    assert clock.shown_date("not a time") == ""


def test_today_is_shanghais_date():
    assert clock.today() == clock.now().date()
    assert clock.now().utcoffset().total_seconds() == 8 * 3600
