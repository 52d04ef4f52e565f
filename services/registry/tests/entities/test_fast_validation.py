"""The batch's fast item loader agrees with marshmallow, the schema it is compiled from.

The fast path may only accept what ``EntityCreateSchema().load`` accepts, and
must return what it returns; everything else it hands back to marshmallow.
"""

from __future__ import annotations

import marshmallow as ma
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_testing import code, enterprise

from ecoreg_common.fastload import compile_loader
from registry.entities.schemas import BatchRequestSchema, EntityCreateSchema, InvalidItem

SCHEMA = EntityCreateSchema()
FAST = compile_loader(SCHEMA)

VALID = [
    enterprise(1),
    enterprise(2, established_on="2018-05-01", attributes={"employees": 50, "note": "ok"}, parent_id=7, external_id="e-2"),
    {"kind": "lab", "subtype": "national_lab", "name": "Lab Q", "clusters": ["intelligence"], "tracks": ["quantum"], "external_id": "l"},
    {"kind": "tech_centre", "tier": "national", "name": "Centre", "clusters": ["energy"], "uscc": code(9).lower(), "status": "building"},
    {"kind": "park", "name": "园区", "name_zh": None, "subtype": None, "district": None, "clusters": ["space", "energy"], "uscc": None},
]

DEEP: list = [1]
for _ in range(40):
    DEEP = [DEEP]

ODD_VALUES = st.sampled_from(
    [
        None,
        "",
        " ",
        "x\x00y",
        "\ud800",
        0,
        -1,
        1,
        2**63,
        True,
        False,
        1.0,
        1.5,
        "1",
        [],
        {},
        [None],
        ["energy"],
        ["energy", "energy"],
        ["ENERGY"],
        ["x" * 49],
        ["a"] * 6,
        "2018-05-01",
        "20180501",
        "2018-02-30",
        "2018-05-01T00:00:00",
        "enterprise",
        "pudong",
        "national",
        "active",
        code(3),
        " " + code(3) + " ",
        "x" * 301,
        {"a": 1},
        {"": 1},
        {"k" * 65: 1},
        {"a": "x\x00"},
        {"a": {"b": {"c": [1, 2, {"d": None}]}}},
        {"big": "x" * 5000},
        {"deep": DEEP},
        ("energy",),
    ]
)
FIELDS = [*SCHEMA.load_fields, "unknown_field", "id", "source"]


@st.composite
def items(draw):
    item = dict(draw(st.sampled_from(VALID)))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        if draw(st.booleans()) and name in item:
            del item[name]
        else:
            item[name] = draw(ODD_VALUES)
    return item


def marshmallow_load(item):
    try:
        return SCHEMA.load(item)
    except ma.ValidationError:
        return "invalid"


def test_the_entity_schema_compiles():
    # If this fails, the schema gained something fastload cannot reproduce exactly:
    # teach fastload, or every batch item is loaded by marshmallow (about 3 times slower).
    assert FAST is not None


def test_valid_items_take_the_fast_path_and_load_the_same():
    for item in VALID:
        expected = marshmallow_load(item)
        assert expected != "invalid", item
        assert FAST(item) == expected, item


@settings(max_examples=600, deadline=None)
@given(items())
def test_fast_path_never_disagrees_with_marshmallow(item):
    expected = marshmallow_load(item)
    loaded = FAST(item)
    if expected == "invalid":
        assert loaded is None, (item, loaded)
    else:
        assert loaded is None or loaded == expected, (item, loaded, expected)


def test_a_batch_reports_marshmallows_errors_for_items_the_fast_path_refuses():
    bad = dict(enterprise(1), kind="spaceship", name="")
    [loaded] = BatchRequestSchema().load({"entities": [bad]})["entities"]
    assert isinstance(loaded, InvalidItem)
    with_marshmallow = SCHEMA.validate(bad)
    assert set(loaded.errors) == set(with_marshmallow) == {"kind", "name"}
