from registry import sample_data
from registry.entities import service


def test_sample_data_loads_and_reloads_without_changes(db):
    counts = sample_data.load(db)
    assert counts["pilot_zone"] == 3
    assert counts["park"] == 4
    listed = service.list_entities(db, {}, 500, None)["items"]
    assert len(listed) == sum(counts.values())
    names_zh = {e["name_zh"] for e in listed}
    assert {"张江科学城", "临港新片区", "紫竹高新区", "张江人工智能岛", "西岸智慧谷", "临港国际氢能谷", "嘉定氢能港"} <= names_zh
    ai_island = next(e for e in listed if e["name_zh"] == "张江人工智能岛")
    zhangjiang = next(e for e in listed if e["name_zh"] == "张江科学城")
    assert ai_island["parent_id"] == zhangjiang["id"]
    before = service.list_entities(db, {}, 500, None)["items"]
    sample_data.load(db)
    assert service.list_entities(db, {}, 500, None)["items"] == before


def test_load_if_empty_loads_only_into_an_empty_registry(db):
    from registry.partner import Partner

    assert sample_data.load_if_empty(db) is not None
    listed = service.list_entities(db, {}, 500, None)["items"]
    edited, retired = listed[0], next(e for e in listed if e["kind"] == "lab")
    admin = Partner("admin", admin=True)
    service.update_entity(db, edited["id"], {"name": "Edited by hand"}, admin, [f'"{edited["version"]}"'])
    service.retire_entity(db, retired["id"], admin, None)

    assert sample_data.load_if_empty(db) is None  # `make run` again: nothing is re-seeded
    after = {e["id"]: e for e in service.list_entities(db, {}, 500, None)["items"]}
    assert after[edited["id"]]["name"] == "Edited by hand"
    assert retired["id"] not in after
    assert all(e["external_id"] != retired["external_id"] for e in after.values())
    assert len(after) == len(listed) - 1
