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


def test_a_paused_block_turns_the_collector_off_and_back_on():
    assert gc.isenabled()
    with heap.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_resumes_after_an_error_and_only_when_the_last_block_ends():
    first, second = heap.collector_paused(), heap.collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the other block still runs
    try:
        with heap.collector_paused():
            raise ValueError
    except ValueError:
        pass
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with heap.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_decorated_view_runs_paused():
    seen = []
    view = heap.paused_collector(lambda value: seen.append(gc.isenabled()) or value)
    assert view(3) == 3
    assert seen == [False]
    assert gc.isenabled()
