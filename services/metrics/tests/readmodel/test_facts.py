"""Which counter cells an entity adds to."""

from metrics_testing import change

from metrics.readmodel.facts import FIELDS, Fact, contribution, fact_from_change

TRACKS = {"hydrogen": "energy", "graphene": "materials", "general_ai": "intelligence"}


def test_one_cell_per_family():
    fact = fact_from_change(change(1, 7, 1, clusters=["energy", "materials"], tracks=["hydrogen", "graphene"]))
    cells = contribution(fact, TRACKS)
    rest = ("enterprise", "high_tech", "none", "active", "pudong")
    assert cells == {
        ("", "", *rest): 1,
        ("energy", "", *rest): 1,
        ("materials", "", *rest): 1,
        ("", "hydrogen", *rest): 1,
        ("", "graphene", *rest): 1,
        ("energy", "hydrogen", *rest): 1,
        ("materials", "graphene", *rest): 1,
    }


def test_a_track_pairs_only_with_its_own_cluster():
    fact = fact_from_change(change(1, 7, 1, clusters=["energy", "intelligence"], tracks=["hydrogen"]))
    pairs = {key[:2] for key in contribution(fact, TRACKS) if key[0] and key[1]}
    assert pairs == {("energy", "hydrogen")}


def test_retired_entities_count_nowhere():
    assert contribution(fact_from_change(change(2, 7, 2, op="retire")), TRACKS) == {}


def test_missing_subtype_and_district_are_empty_keys():
    fact = fact_from_change(change(1, 7, 1, subtype=None, district=None, tracks=[]))
    assert set(contribution(fact, TRACKS)) == {
        ("", "", "enterprise", "", "none", "active", ""),
        ("energy", "", "enterprise", "", "none", "active", ""),
    }


def test_merged_entities_count_nowhere():
    # A merge retires the duplicate; only its survivor is counted.
    assert contribution(fact_from_change(change(2, 7, 2, op="merge")), TRACKS) == {}


def test_a_fact_built_from_a_change_is_the_fact_its_fields_make():
    made = fact_from_change(change(7, 3, 2, op="retire", clusters=["space", "energy"], tracks=["hydrogen"]))
    assert tuple(vars(made)) == FIELDS
    same = Fact(**vars(made))
    assert made == same
    assert hash(made) == hash(same)
    assert repr(made) == repr(same)
    assert {made: 1}[same] == 1
