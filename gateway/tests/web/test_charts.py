"""The dashboard's pictures as numbers: progress, share bars, trends from one point, the district tiles."""

import math

from gateway.web.charts import DISTRICT_TILES, district_tiles, progress, share, trend

DISTRICTS = [
    {"key": "pudong", "name_en": "Pudong New Area", "name_zh": "浦东新区"},
    {"key": "jiading", "name_en": "Jiading", "name_zh": "嘉定区"},
    {"key": "huangpu", "name_en": "Huangpu", "name_zh": "黄浦区"},
]


def test_progress_ignores_numbers_that_are_not_finite():
    assert progress({"target_value": 70, "current_value": 7}) == {"done": 10.0, "expected": None}
    assert progress({"target_value": math.inf, "current_value": 7}) == {"done": None, "expected": None}
    assert progress({"target_value": 70, "current_value": math.nan})["done"] is None
    assert progress({"target_value": 10, "current_value": 0, "expected_progress": math.inf})["expected"] is None


def test_a_share_is_visible_when_small_and_true_in_its_label():
    small = share(13, 20000)
    assert small["label"] == "0.065%"
    assert small["width"] == 0.5  # drawn, though 0.065% of the bar would be invisible
    assert share(3, 93)["label"] == "3.2%"
    assert share(40, 93)["label"] == "43%"
    assert share(0, 93) == {"percent": 0.0, "width": 0.0, "label": "0%"}
    assert share(120, 100)["width"] == 100.0
    assert share(5, 0)["percent"] is None
    assert share(5, None)["label"] == "—"


def test_a_trend_of_one_day_is_a_dot_on_the_newest_day():
    one = trend([{"day": "2026-12-02", "value": 9}])
    assert one["points"] == ""
    assert one["dot"] is not None
    assert one["dot"][0] > 150
    assert one["first"] == one["last"] == "2026-12-02"
    assert one["last_value"] == 9


def test_a_trend_of_several_days_is_a_line_that_rises_with_the_value():
    series = trend([{"day": "2026-11-30", "value": 1}, {"day": "2026-12-01", "value": None}, {"day": "2026-12-02", "value": 5}])
    points = [tuple(map(float, p.split(","))) for p in series["points"].split()]
    assert len(points) == 2  # the day without a value is skipped
    assert points[0][0] < points[1][0]
    assert points[0][1] > points[1][1]  # SVG's y grows downwards: higher value, smaller y
    assert series["first"] == "2026-11-30"
    assert series["last_value"] == 5


def test_a_flat_or_empty_or_broken_trend_does_not_fail():
    flat = trend([{"day": "2026-12-01", "value": 4}, {"day": "2026-12-02", "value": 4}])
    assert {p.split(",")[1] for p in flat["points"].split()} == {"18.0"}
    assert trend([])["dot"] is None
    assert trend([{"day": "2026-12-02", "value": math.inf}])["dot"] is None


def test_every_district_has_its_own_tile():
    assert len(DISTRICT_TILES) == 16
    assert len(set(DISTRICT_TILES.values())) == 16


def test_district_tiles_carry_counts_names_and_heat():
    picture = district_tiles({"pudong": 16, "jiading": 7}, DISTRICTS, "zh")
    tiles = {tile["key"]: tile for tile in picture["tiles"]}
    assert tiles["pudong"]["name"] == "浦东"
    assert tiles["pudong"]["full_name"] == "浦东新区"
    assert tiles["huangpu"]["name"] == "黄浦"
    assert (tiles["pudong"]["heat"], tiles["jiading"]["heat"], tiles["huangpu"]["heat"]) == (5, 3, 0)
    assert tiles["huangpu"]["count"] == 0
    english = {tile["key"]: tile for tile in district_tiles({}, DISTRICTS, "en")["tiles"]}
    assert english["pudong"]["name"] == "Pudong"
    assert english["pudong"]["heat"] == 0


def test_a_district_the_map_does_not_place_is_drawn_inside_the_picture():
    """The registry owns the districts: one it gains shows (east of the map) until the map places it."""
    gained = [{"key": f"new_{n}", "name_en": f"New {n}", "name_zh": f"新{n}区"} for n in range(7)]
    picture = district_tiles({"new_0": 3}, DISTRICTS + gained, "en")
    tiles = {tile["key"]: tile for tile in picture["tiles"]}
    assert tiles["new_0"]["count"] == 3
    for tile in picture["tiles"]:
        assert tile["x"] + tile["size"] <= picture["width"], tile
        assert tile["y"] + tile["size"] <= picture["height"], tile
    places = [(tile["x"], tile["y"]) for tile in picture["tiles"]]
    assert len(set(places)) == len(places)  # no two tiles on one place
    assert district_tiles({}, DISTRICTS, "en")["width"] == 5 * 68 - 4  # the known map keeps its size
