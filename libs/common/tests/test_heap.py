import gc
import sys

from ecoreg_common import heap


def test_outside_gunicorn_nothing_is_frozen():
    before = gc.get_freeze_count()
    assert heap.freeze_startup_objects() is False
    assert gc.get_freeze_count() == before


def test_under_gunicorn_the_objects_alive_are_frozen(monkeypatch):
    monkeypatch.setitem(sys.modules, "gunicorn.arbiter", sys.modules[__name__])
    try:
        assert heap.freeze_startup_objects() is True
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
