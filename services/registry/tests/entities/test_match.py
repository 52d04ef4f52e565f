"""POST /api/v1/entities/match: candidates, reasons, chosen; and the labelled evaluation."""

from collections import Counter

import pytest
from match_eval_set import REGISTRY, cases
from registry_testing import as_partner, code, enterprise

# The issue's floor for chosen's precision. Recall's floor is what the rules honestly
# give: a Chinese name one character from a registered one (typo_zh) is never chosen
# alone (it may be another word: 光学/光子; the one_char_zh negatives), so 34 typo_zh
# records are misses by design: recall 0.932 (0.986 before that rule, whose precision
# on this set was 0.988, below the floor).
PRECISION_FLOOR = 0.99
RECALL_FLOOR = 0.9


def register(client, *bodies, partner="partner-a"):
    response = client.post("/api/v1/entities/batch", json={"entities": list(bodies)}, headers=as_partner(partner))
    assert response.json["summary"]["error"] == 0, response.json
    return [item["id"] for item in response.json["items"]]


def match(client, *records, headers=None, **options):
    response = client.post("/api/v1/entities/match", json={"records": list(records), **options}, headers=headers or {})
    assert response.status_code == 200, response.json
    return response.json["results"]


def test_the_issue_example_is_chosen_by_its_half_width_brackets(client):
    [huayu, _] = register(
        client,
        enterprise(1, name="Huayu Vision Technology (Shanghai) Co., Ltd.", name_zh="华域视觉科技（上海）有限公司"),
        enterprise(2, name="Huayu Automotive Systems Co., Ltd.", name_zh="华域汽车系统股份有限公司"),
    )
    [result] = match(client, {"name": "华域视觉科技(上海)有限公司"})
    assert result["chosen"] == huayu
    best = result["candidates"][0]
    assert best["id"] == huayu
    assert best["reasons"] == ["same_name_zh"]
    assert best["entity"]["name_zh"] == "华域视觉科技（上海）有限公司"


def test_same_uscc_is_chosen_whatever_the_name(client):
    [entity_id] = register(client, enterprise(1))
    [result] = match(client, {"name": "Something else entirely", "uscc": code(1).lower()})
    assert result["chosen"] == entity_id
    assert result["candidates"][0]["reasons"][0] == "same_uscc"
    assert result["candidates"][0]["score"] == 1


def test_the_uscc_holder_is_chosen_over_a_better_placed_namesake(client):
    # The namesake without a USCC in the record's district scores above the USCC's holder
    # in another district; the shared code still decides.
    [holder, namesake] = register(
        client,
        enterprise(1, name="Refire Energy Ltd", name_zh=None, district="xuhui"),
        enterprise(2, name="Refire Energy Ltd", name_zh=None, district="pudong", uscc=None, external_id="n-2"),
    )
    [result] = match(client, {"name": "Refire Energy Ltd", "uscc": code(1), "district": "pudong"})
    assert result["candidates"][0]["id"] == namesake
    assert result["chosen"] == holder


def test_another_uscc_is_another_legal_person(client):
    register(client, enterprise(1, name="Refire Energy Ltd"))
    [result] = match(client, {"name": "Refire Energy Ltd", "uscc": code(2)})
    assert result["chosen"] is None
    assert "other_uscc" in result["candidates"][0]["reasons"]
    assert result["candidates"][0]["looks_alike"] is False  # not shown as a possible duplicate either


def test_a_candidate_looks_alike_at_the_similar_name_floor_after_district_and_kind(client):
    from registry.entities.matching import SIMILAR_FLOOR

    register(client, enterprise(1, name="Refire Energy Ltd", district="xuhui"))
    [same, elsewhere, other_kind] = match(
        client,
        {"name": "Refire Energy Ltd"},
        {"name": "Refire Energy Ltd", "district": "pudong", "kind": "lab"},
        {"name": "Refire Energie Ltd", "kind": "lab"},
    )
    for result in (same, elsewhere, other_kind):
        best = result["candidates"][0]
        assert best["looks_alike"] is (best["score"] >= SIMILAR_FLOOR), best
    assert same["candidates"][0]["looks_alike"] is True
    assert elsewhere["candidates"][0]["looks_alike"] is False  # 0.95 - 0.15 - 0.2


def test_external_id_matches_only_the_callers_own(client):
    [mine] = register(client, enterprise(1, external_id="p-1"), partner="partner-a")
    register(client, enterprise(2, external_id="p-1"), partner="partner-b")
    [result] = match(client, {"external_id": "p-1"}, headers=as_partner("partner-a"))
    assert result["chosen"] == mine
    assert [c["id"] for c in result["candidates"]] == [mine]
    [anonymous] = match(client, {"external_id": "p-1"})
    assert anonymous == {"index": 0, "chosen": None, "candidates": []}


def test_two_equally_good_candidates_choose_nothing(client):
    ids = register(
        client,
        enterprise(1, name="Twin Optics Co., Ltd.", name_zh=None, district="pudong"),
        enterprise(2, name="Twin Optics Limited", name_zh=None, district="xuhui"),
    )
    [result] = match(client, {"name": "TWIN OPTICS"})
    assert result["chosen"] is None
    assert sorted(c["id"] for c in result["candidates"]) == sorted(ids)
    [located] = match(client, {"name": "TWIN OPTICS", "district": "xuhui"})
    assert located["chosen"] == ids[1]
    assert located["candidates"][0]["reasons"] == ["same_name", "same_district"]
    assert "other_district" in located["candidates"][1]["reasons"]


def test_a_typo_is_a_candidate_and_retired_entities_are_none(client):
    [kept, retired] = register(
        client,
        enterprise(1, name="Shanghai Fourier Intelligence Co., Ltd.", name_zh=None),
        enterprise(2, name="Shanghai Biren Intelligent Technology Co., Ltd.", name_zh=None),
    )
    assert client.delete(f"/api/v1/entities/{retired}", headers=as_partner()).status_code == 204
    [typo, gone] = match(client, {"name": "Shanghai Fuorier Intelligence"}, {"name": "Shanghai Biren Intelligent Technology"})
    assert typo["candidates"][0]["id"] == kept
    assert typo["candidates"][0]["reasons"] == ["typo"]
    assert typo["chosen"] is None  # a typo without the same district is only a candidate
    assert gone["candidates"] == []


def test_two_chinese_characters_apart_is_another_company(client):
    [entity_id] = register(
        client, enterprise(1, name="Shanghai Neurolink Medical Co., Ltd.", name_zh="上海神链医疗科技有限公司", district="pudong")
    )
    results = match(
        client,
        {"name_zh": "北京神链医疗科技有限公司", "district": "pudong"},  # another city's company
        {"name_zh": "上海神链医疗科技发展有限公司", "district": "pudong"},  # a sister company
        {"name_zh": "上海神链医疗科枝有限公司", "district": "pudong"},  # a one-character typo
    )
    assert [r["chosen"] for r in results] == [None, None, None]  # the typo: see below
    assert results[2]["candidates"][0]["id"] == entity_id
    assert results[0]["candidates"][0]["reasons"] == ["similar_name", "same_district"]


def test_one_chinese_character_apart_is_a_candidate_never_chosen_alone(client):
    # 光学/光子, 医药/医疗: one character, another company (review of #13). Precision first:
    # such a "typo" is offered with its score, chosen only with a shared USCC or external_id.
    [optics, medical] = register(
        client,
        enterprise(1, name="Shanghai Quantum Photonics Co., Ltd.", name_zh="上海量子光子有限公司", district="pudong", external_id="e1"),
        enterprise(2, name="Shanghai Neurolink Medical Co., Ltd.", name_zh="上海神链医疗科技有限公司", district="pudong"),
    )
    results = match(
        client,
        {"name_zh": "上海量子光学有限公司", "district": "pudong"},
        {"name_zh": "上海神链医药科技有限公司", "district": "pudong"},
        {"name_zh": "上海神链医药科技有限公司", "district": "pudong", "uscc": code(2)},
        {"name_zh": "上海量子光学有限公司", "district": "pudong", "external_id": "e1"},
        headers=as_partner("partner-a"),
    )
    assert [r["chosen"] for r in results] == [None, None, medical, optics]
    for result, want in zip(results[:2], (optics, medical), strict=True):
        [best] = result["candidates"]
        assert (best["id"], best["reasons"]) == (want, ["typo", "same_district"])
        assert best["score"] >= 0.85  # scored as alike as it is; only chosen is withheld


def test_limit_and_order(client):
    register(client, *(enterprise(i, name=f"Alike Name Number {i}", name_zh=None) for i in range(1, 6)))
    [result] = match(client, {"name": "Alike Name Number 3"}, limit=2)
    assert len(result["candidates"]) <= 2
    assert result["candidates"][0]["entity"]["name"] == "Alike Name Number 3"


@pytest.mark.parametrize(
    "body",
    [
        {"records": []},
        {"records": [{}]},
        {"records": [{"district": "pudong"}]},
        {"records": [{"name": "x", "colour": "red"}]},
        {"records": [{"name": "x"}], "limit": 0},
        {"records": [{"name": "x" * 301}]},
        {"records": [{"name": "a\x00b"}]},
        {"records": [{"name": "x"}] * 1001},
        # An unknown district or kind would silently count as other_district/other_kind (#13 review)
        {"records": [{"name": "x", "district": "浦东新区"}]},
        {"records": [{"name": "x", "district": "manhattan"}]},
        {"records": [{"name": "x", "kind": "company"}]},
        {"records": [{"name": 1}]},
        {"records": [{"uscc": ["91310000MA7C00991Q"]}]},
        {"records": [1]},
        {"records": "x"},
        [],
    ],
)
def test_bad_requests_are_422(client, body):
    response = client.post("/api/v1/entities/match", json=body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def evaluate(client) -> dict:
    """Register the evaluation registry, match every labelled case; precision and recall of chosen."""
    bodies = []
    for serial, (key, (zh, en, kind, district)) in enumerate(REGISTRY.items(), start=1):
        body = {"kind": kind, "name": en or zh, "name_zh": zh, "clusters": ["intelligence"], "district": district}
        body |= {"uscc": code(serial), "external_id": key}
        if kind == "tech_centre":
            body["tier"] = "municipal"
        bodies.append(body)
    ids = dict(zip(REGISTRY, register(client, *bodies), strict=True))
    labelled = cases()
    results = match(client, *(case.record for case in labelled))
    chosen = right = expected = 0
    wrong: list[str] = []
    misses: Counter = Counter()
    missed: list[str] = []
    for case, result in zip(labelled, results, strict=True):
        want = ids[case.expect] if case.expect else None
        expected += want is not None
        if result["chosen"] is not None:
            chosen += 1
            if result["chosen"] == want:
                right += 1
            else:
                wrong.append(f"{case.variant}: {case.record} -> {result['chosen']}, want {case.expect}")
        elif want is not None:
            misses[case.variant] += 1
            missed.append(
                f"{case.variant}: {case.record} want {case.expect}: {[(c['entity']['name_zh'], c['score'], c['reasons']) for c in result['candidates']]}"
            )
    return {
        "cases": len(labelled),
        "precision": right / chosen if chosen else 1.0,
        "recall": right / expected,
        "wrong": wrong,
        "misses": dict(misses),
        "missed": missed,
    }


def test_matching_evaluation(client, record_property, database_url):
    figures = evaluate(client)
    backend = database_url.split(":")[0].split("+")[0]
    line = (
        f"entity matching ({backend}): {figures['cases']} labelled records, precision of chosen {figures['precision']:.3f}, "
        f"recall {figures['recall']:.3f}; unmatched by variant: {figures['misses']}"
    )
    record_property("ecoreg_figure", line)
    print(line)
    print("\n".join(figures["wrong"] + figures["missed"]))
    assert figures["precision"] >= PRECISION_FLOOR, figures["wrong"]
    assert figures["recall"] >= RECALL_FLOOR, figures
