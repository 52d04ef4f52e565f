"""GET /targets (live) is served from the targets snapshot the summary keeps: assessed once per
change of the data, read in one statement, and equal to assessing each request."""

from __future__ import annotations

from metrics_testing import populate_energy

from ecoreg_common.testing import database_round_trips
from metrics import clock
from metrics.targets.service import delete_target, list_targets


def test_an_unchanged_target_list_is_one_statement(app, client, db):
    populate_energy(db)
    client.get("/api/v1/targets")  # computes and stores the snapshots
    with database_round_trips(app.extensions["metrics.db"].engine) as sent:
        response = client.get("/api/v1/targets?limit=3")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(sent) == 1, sent
    assert sent[0].lstrip().upper().startswith("SELECT"), sent


def test_every_page_is_what_assessing_gives(app, client, db):
    populate_energy(db)
    for cluster in (None, "energy", "space"):
        cursor, pages = None, 0
        while True:
            query = {"limit": 2, **({"cluster": cluster} if cluster else {}), **({"cursor": cursor} if cursor else {})}
            served = client.get("/api/v1/targets", query_string=query)
            assert served.status_code == 200, served.get_data(as_text=True)
            assert served.json == list_targets(db, clock.today(), cluster, limit=2, cursor=cursor)
            cursor, pages = served.json["next_cursor"], pages + 1
            if cursor is None:
                break
        assert pages >= 1


def test_a_change_is_seen_at_once_and_a_tampered_cursor_is_refused(app, client, db):
    feed = populate_energy(db)

    def listed() -> dict:
        return {target["key"]: target for target in client.get("/api/v1/targets", query_string={"limit": 500}).json["targets"]}

    before = listed()["hydrogen_stations"]["current_value"]
    feed.write(5, kind="facility", subtype="hydrogen_station", clusters=["energy"], tracks=["hydrogen"])
    feed.apply()
    assert listed()["hydrogen_stations"]["current_value"] == before + 1
    assert list(listed().values()) == list_targets(db, clock.today(), limit=500)["targets"]
    delete_target(db, "hydrogen_stations")
    assert "hydrogen_stations" not in listed()
    refused = client.get("/api/v1/targets", query_string={"cursor": "not-a-cursor"})
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
