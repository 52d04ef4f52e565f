"""A batch leaves the cyclic collector on: a pause shared by overlapping batches kept it off for every
thread, and invalid items' cyclic garbage grew a worker fivefold (review of issue #14, session 7)."""

import gc
import threading

from registry_testing import as_partner, enterprise

from registry.entities import batch


def test_a_batch_runs_with_the_collector_on(client, monkeypatch):
    seen = []
    work = batch.batch_work

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return work(*args, **kwargs)

    monkeypatch.setattr(batch, "batch_work", watched)
    response = client.post("/api/v1/entities/batch", json={"entities": [enterprise(1)]}, headers=as_partner("partner-a"))
    assert response.status_code == 200
    assert seen == [True]


def test_overlapping_invalid_batches_leave_the_collector_on(app):
    items = [{"kind": "enterprise", "name": f"E {n}", "clusters": ["energy"], "uscc": "bad"} for n in range(50)]
    seen, answers = [], []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            seen.append(gc.isenabled())
            stop.wait(0.001)

    def post():
        with app.test_client() as own:
            for _ in range(5):
                answers.append(own.post("/api/v1/entities/batch", json={"entities": items}, headers=as_partner("partner-a")).status_code)

    sampler = threading.Thread(target=sample)
    sampler.start()
    posters = [threading.Thread(target=post) for _ in range(3)]
    for thread in posters:
        thread.start()
    for thread in posters:
        thread.join()
    stop.set()
    sampler.join()
    assert answers == [200] * 15
    assert seen
    assert all(seen)
