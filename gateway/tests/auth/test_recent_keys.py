"""Remembered keys are forgotten the moment any process changes the keys."""

import time

from sqlalchemy import event

from gateway.auth import keys
from gateway.change_signals import signal_for


def test_a_key_revoked_elsewhere_is_refused_at_once(db, database_url):
    recent = keys.RecentKeys(signal_for(database_url), ttl_seconds=60)
    try:
        deadline = time.monotonic() + 10
        while recent.signal.current() != recent.signal.current() and time.monotonic() < deadline:
            time.sleep(0.05)  # PostgreSQL: the listener is connecting
        created = keys.create_key(db, "acme", ["entities:write"])
        assert recent.authenticate(db, created["key"]).name == "acme"
        assert recent.authenticate(db, created["key"]).name == "acme"  # remembered
        # Revoked through the database, as another gateway process would.
        keys.revoke_key(db, created["id"], keys.Partner(key_id=0, name="ops", scopes=frozenset({"admin"})))
        deadline = time.monotonic() + 5
        refused = recent.authenticate(db, created["key"]) is None
        while not refused and time.monotonic() < deadline:  # a NOTIFY takes a moment to arrive
            time.sleep(0.01)
            refused = recent.authenticate(db, created["key"]) is None
        assert refused
    finally:
        recent.close()


def test_remembered_keys_cost_no_database_read(db, database_url):
    recent = keys.RecentKeys(signal_for(database_url), ttl_seconds=60)
    try:
        deadline = time.monotonic() + 10
        while recent.signal.current() != recent.signal.current() and time.monotonic() < deadline:
            time.sleep(0.05)
        created = keys.create_key(db, "acme", ["entities:write"])
        time.sleep(0.2)  # let the creation's NOTIFY arrive before remembering
        recent.authenticate(db, created["key"])
        reads = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: reads.append(args[2]))
        for _ in range(5):
            assert recent.authenticate(db, created["key"]) is not None
        assert reads == []
    finally:
        recent.close()


def _listening(recent) -> None:
    deadline = time.monotonic() + 10
    while recent.signal.current() != recent.signal.current() and time.monotonic() < deadline:
        time.sleep(0.05)  # PostgreSQL: the listener is connecting


def test_an_unknown_key_costs_one_database_read_until_a_key_is_created(db, database_url):
    recent = keys.RecentKeys(signal_for(database_url), ttl_seconds=60, unknown_ttl_seconds=60)
    try:
        _listening(recent)
        made_up = "eco_made-up-" + "x" * 30
        recent.authenticate(db, "eco_warm-up")  # SQLite: the first read creates the -wal file, which is the signal
        reads = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: reads.append(args[2]))
        for _ in range(5):
            assert recent.authenticate(db, made_up) is None
        assert len([statement for statement in reads if "FROM api_keys" in statement]) == 1
        # Created with exactly that value (as GATEWAY_ADMIN_KEY is): the signal makes every process forget.
        keys.create_key(db, "acme", ["entities:write"], key=made_up)
        deadline = time.monotonic() + 5
        found = recent.authenticate(db, made_up)
        while found is None and time.monotonic() < deadline:  # a NOTIFY takes a moment to arrive
            time.sleep(0.01)
            found = recent.authenticate(db, made_up)
        assert found is not None
        assert found.name == "acme"
    finally:
        recent.close()


def test_forget_and_the_bounds_of_unknown_keys(db, database_url):
    recent = keys.RecentKeys(signal_for(database_url), ttl_seconds=60, unknown_ttl_seconds=60, unknown_capacity=3)
    try:
        _listening(recent)
        for n in range(5):
            assert recent.authenticate(db, f"eco_unknown-{n}") is None
        assert list(recent._unknown) == [keys.digest(f"eco_unknown-{n}") for n in (2, 3, 4)]  # the oldest went first
        recent.forget()
        assert not recent._unknown
        never = keys.RecentKeys(signal_for(database_url), ttl_seconds=60, unknown_ttl_seconds=0)
        try:
            _listening(never)
            assert never.authenticate(db, "eco_unknown-0") is None
            assert not never._unknown  # 0 s: not remembered
        finally:
            never.close()
    finally:
        recent.close()
