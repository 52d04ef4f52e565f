"""The summary and the Prometheus exposition."""

import re

from metrics_testing import REPORTER, Feed
from sqlalchemy import update

from metrics.tables import follower_state


def populate(db):
    feed = Feed(db)
    for entity_id in range(1, 4):
        feed.write(entity_id, kind="tech_centre", subtype="enterprise_tech_centre", tier="national", clusters=["energy"], tracks=[])
    feed.write(4, kind="tech_centre", subtype="enterprise_tech_centre", tier="municipal", clusters=["health"], tracks=[], status="inactive")
    feed.write(5, kind="facility", subtype="hydrogen_station", clusters=["energy"], tracks=["hydrogen"])
    feed.apply()
    return feed


def test_summary(client, db):
    populate(db)
    body = client.get("/api/v1/metrics/summary").json
    assert body["as_of_seq"] == 5
    assert body["behind_changes"] == 0
    assert body["seconds_behind"] == 0
    energy = next(c for c in body["clusters"] if c["key"] == "energy")
    assert energy["name_zh"] == "未来能源"
    assert energy["by_kind"] == {"facility": 1, "tech_centre": 3}
    assert energy["by_tier"] == {"national": 3, "none": 1}
    assert set(energy["targets"]) >= {"hydrogen_stations", "fuel_cell_vehicles"}
    coverage = {c["key"]: c for c in body["coverage"]}
    assert (coverage["national_tech_centres"]["registered"], coverage["national_tech_centres"]["official"]) == (3, 93)
    assert coverage["municipal_tech_centres"]["registered"] == 1  # registered whatever its status
    # The official totals are Shanghai-wide, and a cluster's share says it divides by one.
    assert coverage["national_tech_centres"]["official_scope"] == "shanghai"
    assert coverage["national_tech_centres"]["share_of"] == "registered / the Shanghai-wide official total"
    in_energy = {c["key"]: c for c in energy["coverage"]}["national_tech_centres"]
    assert (in_energy["cluster"], in_energy["official_scope"], in_energy["official"]) == ("energy", "shanghai", 93)
    assert in_energy["share_of"] == "registered in the energy cluster / the Shanghai-wide official total"
    stations = next(t for t in body["targets"] if t["key"] == "hydrogen_stations")
    assert stations["current_value"] == 1


def test_summary_reports_how_far_behind_it_is(client, db):
    feed = populate(db)
    feed.write(6)
    feed.write(7)
    from datetime import UTC, datetime

    from metrics.readmodel.apply import apply_page

    apply_page(db, feed.changes[:5], registry_latest_seq=7, now=datetime.now(UTC))
    body = client.get("/api/v1/metrics/summary").json
    assert body["behind_changes"] == 2
    assert body["seconds_behind"] is not None


def test_prometheus_exposition(client, db):
    populate(db)
    response = client.get("/api/v1/metrics/prometheus")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    assert 'ecoreg_entities{cluster="energy",kind="tech_centre",tier="national"} 3.0' in text
    assert 'ecoreg_coverage_official{total="national_tech_centres"} 93.0' in text
    assert (
        'ecoreg_target_status{status="no_data",target="pilot_zones"}' in text
        or 'ecoreg_target_status{target="pilot_zones",status="no_data"}' in text
    )
    assert "ecoreg_feed_applied_seq 5.0" in text
    sample = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? -?[0-9.e+-]+$')
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or sample.match(line), line


def test_prometheus_keeps_every_digit(client, db):
    # %g printed 8234567 as 8.23457e+06 and lost feed positions past a million.
    assert (
        client.put("/api/v1/indicators/fuel_cell_vehicles/observations/2025", json={"value": 8234567}, headers=REPORTER).status_code == 201
    )
    with db.write() as session:
        session.execute(update(follower_state).values(checkpoint=1234567, registry_latest_seq=1234569))
    text = client.get("/api/v1/metrics/prometheus").get_data(as_text=True)
    values = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if not line.startswith("#")}
    assert values['ecoreg_target_current_value{target="fuel_cell_vehicles",unit="vehicles"}'] == 8234567
    assert values["ecoreg_feed_applied_seq"] == 1234567
    assert "ecoreg_feed_behind_changes 2.0" in text
