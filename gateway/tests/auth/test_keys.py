"""API keys: shown once, stored as hashes, scoped, revocable."""

import pytest
from sqlalchemy import select

from ecoreg_common.errors import Forbidden, NotFound, ValidationFailed
from gateway.auth import keys
from gateway.auth.keys import Partner
from gateway.tables import api_keys


def test_a_key_is_shown_once_and_stored_only_as_a_hash(db):
    created = keys.create_key(db, "acme", ["entities:write"])
    assert created["key"].startswith("eco_")
    assert len(created["key"]) > 40
    with db.read() as session:
        row = session.execute(select(api_keys).where(api_keys.c.id == created["id"])).one()  # other tests' app keys may remain
    assert created["key"] not in str(row._asdict().values())
    assert row.key_hash == keys.digest(created["key"])
    assert "key" not in keys.list_keys(db, Partner(key_id=1, name="acme"))["keys"][0]


def test_authentication(db):
    created = keys.create_key(db, "acme", ["entities:write"])
    partner = keys.authenticate(db, created["key"])
    assert (partner.name, partner.scopes) == ("acme", frozenset({"entities:write"}))
    assert keys.authenticate(db, created["key"] + "x") is None


def test_partners_see_and_revoke_only_their_own(db):
    mine = keys.create_key(db, "acme", ["entities:write"])
    theirs = keys.create_key(db, "other", ["entities:write"])
    acme = keys.authenticate(db, mine["key"])
    assert [k["partner"] for k in keys.list_keys(db, acme)["keys"]] == ["acme"]
    with pytest.raises(NotFound):
        keys.revoke_key(db, theirs["id"], acme)
    keys.revoke_key(db, mine["id"], acme)
    assert keys.authenticate(db, mine["key"]) is None
    admin = Partner(key_id=999, name="ops", scopes=frozenset({"admin"}))
    assert {k["partner"] for k in keys.list_keys(db, admin)["keys"]} == {"acme", "other"}


def test_keys_come_a_page_at_a_time(db):
    made = [keys.create_key(db, "acme", ["entities:write"])["id"] for _ in range(5)]
    keys.create_key(db, "other", ["entities:write"])
    acme = Partner(key_id=made[0], name="acme")
    seen, cursor, pages = [], None, 0
    while True:
        page = keys.list_keys(db, acme, limit=2, cursor=cursor)
        assert len(page["keys"]) <= 2
        seen += [k["id"] for k in page["keys"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert (seen, pages) == (made, 3)
    assert keys.list_keys(db, acme, limit=5)["next_cursor"] is None
    with pytest.raises(ValidationFailed):
        keys.list_keys(db, acme, cursor="not-a-cursor")


def test_bad_partners_and_scopes_are_refused(db):
    with pytest.raises(ValidationFailed) as refused:
        keys.create_key(db, "Not A Partner", ["superuser"])
    assert set(refused.value.errors) == {"partner", "scopes"}


def test_the_configured_admin_key_exists_once_and_is_restored(db):
    keys.ensure_admin_key(db, "local-admin-key")
    keys.ensure_admin_key(db, "local-admin-key")
    admin = keys.authenticate(db, "local-admin-key")
    assert admin.admin
    with pytest.raises(Forbidden):
        keys.revoke_key(db, admin.key_id, admin)
    keys.revoke_key(db, admin.key_id, Partner(key_id=0, name="ops", scopes=frozenset({"admin"})))
    assert keys.authenticate(db, "local-admin-key") is None
    keys.ensure_admin_key(db, "local-admin-key")  # a restart with GATEWAY_ADMIN_KEY brings it back
    assert keys.authenticate(db, "local-admin-key").admin
