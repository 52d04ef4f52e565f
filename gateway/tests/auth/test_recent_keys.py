"""Remembered keys are forgotten the moment any process changes the keys."""

import time

from sqlalchemy import event

from gateway.auth import keys
from gateway.change_signals import signal_for


def test_a_key_revoked_elsewhere_is_refused_at_once(db, database_url):
    recent = keys.RecentKeys(signal_for(database_url), ttl_s=60)
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
    recent = keys.RecentKeys(signal_for(database_url), ttl_s=60)
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
