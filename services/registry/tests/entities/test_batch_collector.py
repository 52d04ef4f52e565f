"""A batch runs with the cyclic collector paused (ecoreg_common.heap), from parsing to answer, and resumes it."""

import gc

from registry_testing import as_partner, enterprise

from registry.entities import batch


def test_a_batch_is_parsed_worked_and_answered_with_the_collector_paused(client, monkeypatch):
    seen = []
    work = batch.batch_work

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return work(*args, **kwargs)

    monkeypatch.setattr(batch, "batch_work", watched)
    response = client.post("/api/v1/entities/batch", json={"entities": [enterprise(1)]}, headers=as_partner("partner-a"))
    assert response.status_code == 200
    assert seen == [False]
    assert gc.isenabled()


def test_a_refused_batch_resumes_the_collector(client):
    response = client.post("/api/v1/entities/batch", json={"entities": []}, headers=as_partner("partner-a"))
    assert response.status_code == 422
    assert gc.isenabled()
