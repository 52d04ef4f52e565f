"""Indicators defined and retired through the API (admins, per the gateway's route table)."""

from datetime import UTC, datetime

from metrics_testing import ADMIN, REPORTER
from sqlalchemy import update

from metrics.tables import indicators

GRAPHENE = {"title_en": "Graphene output", "title_zh": "石墨烯产值", "unit": "billion CNY", "frequency": "quarterly"}


def test_define_report_target_and_retire_an_indicator(client):
    created = client.put("/api/v1/indicators/graphene_output", json=GRAPHENE, headers=ADMIN)
    assert created.status_code == 201
    assert created.json["frequency"] == "quarterly"
    assert created.json["retired_at"] is None
    assert client.put("/api/v1/indicators/graphene_output", json={**GRAPHENE, "unit": "CNY bn"}, headers=ADMIN).status_code == 200
    listed = {i["key"]: i for i in client.get("/api/v1/indicators").json["indicators"]}
    assert listed["graphene_output"]["unit"] == "CNY bn"
    assert client.put("/api/v1/indicators/graphene_output/observations/2026-03-31", json={"value": 12}, headers=REPORTER).status_code == 201
    target = {
        "title_en": "Graphene",
        "title_zh": "石墨烯",
        "measure": "indicator",
        "indicator_key": "graphene_output",
        "target_value": 50,
        "deadline": "2030-12-31",
        "unit": "CNY bn",
    }
    assert client.put("/api/v1/targets/graphene", json=target, headers=REPORTER).status_code == 201

    assert client.delete("/api/v1/indicators/graphene_output", headers=ADMIN).status_code == 204
    assert "graphene_output" not in {i["key"] for i in client.get("/api/v1/indicators").json["indicators"]}
    retired = {i["key"]: i for i in client.get("/api/v1/indicators?include_retired=true").json["indicators"]}
    assert retired["graphene_output"]["retired_at"] is not None
    assert client.get("/api/v1/targets/graphene").json["current_value"] == 12  # kept, with its observations
    refused = client.put("/api/v1/targets/graphene_2", json=target, headers=REPORTER)
    assert refused.status_code == 422
    assert "retired" in refused.get_data(as_text=True)
    # defining it again brings it back
    assert client.put("/api/v1/indicators/graphene_output", json=GRAPHENE, headers=ADMIN).status_code == 200
    assert client.put("/api/v1/targets/graphene_2", json=target, headers=REPORTER).status_code == 201


def test_a_retired_indicator_is_gone_from_the_api_but_its_targets_still_trace_to_its_observations(client):
    # Schemathesis's stateful phase found it: after DELETE /indicators/k, GET /indicators/k/observations was 200.
    assert client.put("/api/v1/indicators/graphene_output", json=GRAPHENE, headers=ADMIN).status_code == 201
    assert client.put("/api/v1/indicators/graphene_output/observations/2026-03-31", json={"value": 12}, headers=REPORTER).status_code == 201
    target = {"title_en": "G", "title_zh": "石", "measure": "indicator", "indicator_key": "graphene_output", "target_value": 50}
    assert (
        client.put("/api/v1/targets/graphene", json={**target, "deadline": "2030-12-31", "unit": "CNY bn"}, headers=REPORTER).status_code
        == 201
    )
    url = "/api/v1/indicators/graphene_output/observations"
    assert client.get("/api/v1/targets/graphene").json["observations"] == url
    assert client.delete("/api/v1/indicators/graphene_output", headers=ADMIN).status_code == 204

    gone = client.get(url)
    assert gone.status_code == 404
    assert gone.mimetype == "application/problem+json"
    assert "include_retired=true" in gone.json["detail"]
    link = client.get("/api/v1/targets/graphene").json["observations"]
    assert link == f"{url}?include_retired=true"
    assert [o["value"] for o in client.get(link).json["observations"]] == [12]


def test_bad_definitions_are_refused(client):
    url = "/api/v1/indicators/new_one"
    assert client.put(url, json={**GRAPHENE, "frequency": "hourly"}, headers=REPORTER).status_code == 422
    assert client.put(url, json={"title_en": "x"}, headers=REPORTER).status_code == 422
    assert client.put(url, json=GRAPHENE).status_code == 401
    assert client.put("/api/v1/indicators/Bad-Key", json=GRAPHENE, headers=ADMIN).status_code in (404, 422)
    assert client.delete("/api/v1/indicators/nothing", headers=ADMIN).status_code == 404


def test_retired_at_is_written_as_every_instant_is(client, db):
    """RFC 3339 UTC with microseconds and Z (ecoreg_common.formats), also on a whole second,
    where isoformat() alone drops the fraction."""
    client.put("/api/v1/indicators/graphene_output", json=GRAPHENE, headers=ADMIN)
    assert client.delete("/api/v1/indicators/graphene_output", headers=ADMIN).status_code == 204
    with db.write() as session:
        session.execute(
            update(indicators).where(indicators.c.key == "graphene_output").values(retired_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
        )
    retired = {i["key"]: i for i in client.get("/api/v1/indicators?include_retired=true").json["indicators"]}
    assert retired["graphene_output"]["retired_at"] == "2026-12-01T02:00:00.000000Z"


def test_only_an_administrator_defines_or_retires_an_indicator(client):
    """The gateway's table asks for the admin scope; metrics checks it too, so that no path the table
    judges otherwise makes it a partner's write (an encoded "#" once did: found by review11)."""
    assert client.put("/api/v1/indicators/graphene_output", json=GRAPHENE, headers=REPORTER).status_code == 403
    assert client.put("/api/v1/indicators/graphene_output", json=GRAPHENE).status_code == 401
    assert client.put("/api/v1/indicators/graphene_output", json=GRAPHENE, headers=ADMIN).status_code == 201
    refused = client.delete("/api/v1/indicators/graphene_output", headers=REPORTER)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "graphene_output" in {i["key"] for i in client.get("/api/v1/indicators").json["indicators"]}  # not retired
