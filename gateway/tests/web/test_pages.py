"""The pages against fake upstreams: figures are links, lists page and download, refusals are readable pages."""

import csv
import io
import math
import re

from openpyxl import load_workbook

from .conftest import paged_list, station


def summary(targets=None, **cluster):
    return {
        "as_of_seq": 9,
        "registry_latest_seq": 9,
        "behind_changes": 0,
        "seconds_behind": 0.0,
        "active_entities": 3,
        "clusters": [
            {
                "key": "energy",
                "name_en": "Future energy",
                "name_zh": "未来能源",
                "active_entities": 3,
                "by_kind": {"facility": 3},
                "by_tier": {"none": 3},
                "targets": [],
                **cluster,
            }
        ],
        "coverage": [],
        "targets": targets or [],
    }


HYDROGEN = {
    "key": "hydrogen_stations",
    "cluster": "energy",
    "title_en": "About 70 hydrogen refuelling stations",
    "title_zh": "建成加氢站70座左右",
    "target_value": 70,
    "current_value": 6,
    "unit": "stations",
    "deadline": "2025-12-31",
    "status": "not_achieved",
    "headline": 5,
    "entities": "/api/v1/entities?kind=facility&subtype=hydrogen_station&status=active,building",
}
OUTPUT = {
    "key": "future_industry_output",
    "cluster": None,
    "title_en": "Future-industry output value of about 500 billion yuan",
    "title_zh": "未来产业产值达到5000亿元左右",
    "target_value": 500,
    "current_value": 123.4,
    "unit": "billion CNY",
    "deadline": "2030-12-31",
    "status": "on_track",
    "headline": 1,
    "observations": "/api/v1/indicators/future_industry_output/observations",
}


def serve_metrics(metrics, body):
    metrics.routes["/api/v1/metrics/summary"] = lambda pairs: (200, body)
    metrics.routes["/api/v1/targets"] = lambda pairs: (200, {"targets": body["targets"]})
    metrics.routes["/api/v1/metrics/history"] = lambda pairs: (200, {"metric": "count", "points": [{"day": "2026-12-02", "value": 3}]})
    metrics.routes["/api/v1/metrics/counts"] = lambda pairs: (
        200,
        {
            "groups": [{"district": "jiading", "count": 2}, {"district": None, "count": 1}]
            if ("group_by", "district") in pairs
            else [{"track": "hydrogen", "count": 3}]
        },
    )


def test_every_figure_on_the_dashboard_links_to_its_entities(app, fakes):
    _registry, metrics = fakes
    serve_metrics(metrics, summary([HYDROGEN, OUTPUT]))
    page = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert 'href="/entities?cluster=energy&amp;status=active&amp;lang=en" data-active' in page
    assert 'href="/entities?cluster=energy&amp;kind=facility&amp;status=active&amp;lang=en" data-kind="facility"' in page
    assert 'href="/entities?kind=facility&amp;subtype=hydrogen_station&amp;status=active,building&amp;lang=en" data-current' in page
    assert 'href="/indicators/future_industry_output/observations?lang=en"' in page  # the observations page
    # The district map: a tile per district, each a link; entities without a district are counted too.
    assert 'data-district="jiading"' in page
    assert 'href="/entities?status=active&amp;district=jiading&amp;lang=en"' in page
    assert "no district given: 1" in page


def test_a_missed_deadline_is_shown_as_missed_in_both_languages(app, fakes):
    _registry, metrics = fakes
    serve_metrics(metrics, summary([HYDROGEN]))
    english = app.test_client().get("/?lang=en").get_data(as_text=True)
    card = re.search(r'<div class="card missed" data-target="hydrogen_stations".*?</div>\s*</div>', english, re.S)
    assert card
    assert 'class="pill not_achieved"' in card.group(0)
    assert ">missed<" in card.group(0)
    assert "deadline passed, target not met" in card.group(0)
    chinese = app.test_client().get("/?lang=zh").get_data(as_text=True)
    assert "未达成" in chinese
    assert "已过期限，目标未达成" in chinese


def test_the_headline_row_is_the_targets_metrics_flags_in_their_order(app, fakes):
    _registry, metrics = fakes
    platforms = {**HYDROGEN, "key": "hydrogen_rnd_platforms", "headline": None, "status": "on_track"}
    stations = {**HYDROGEN, "headline": 3}
    serve_metrics(metrics, summary([stations, platforms, {**OUTPUT, "headline": 7}]))
    page = app.test_client().get("/?lang=en").get_data(as_text=True)
    headline = page.split("<h2", 2)[1]  # the first section: the headline targets
    assert re.findall(r'data-target="(\w+)"', headline) == ["hydrogen_stations", "future_industry_output"]


def test_a_target_status_metrics_gains_is_named_with_metrics_words(app, fakes):
    _registry, metrics = fakes
    words = {"name_en": "stalled", "name_zh": "停滞"}
    metrics.routes["/api/v1/metrics/vocabulary"] = lambda pairs: (
        200,
        {"target_statuses": ["stalled"], "names": {"target_statuses": {"stalled": words}}},
    )
    serve_metrics(metrics, summary([{**HYDROGEN, "status": "stalled"}]))
    assert ">stalled<" in app.test_client().get("/?lang=en").get_data(as_text=True)
    assert ">停滞<" in app.test_client().get("/?lang=zh").get_data(as_text=True)


def test_without_metrics_words_a_target_status_shows_as_its_key(app, fakes):
    _registry, metrics = fakes
    del metrics.routes["/api/v1/metrics/vocabulary"]
    serve_metrics(metrics, summary([{**HYDROGEN, "status": "on_track"}]))
    assert 'class="pill on_track" data-status>on_track<' in app.test_client().get("/?lang=en").get_data(as_text=True)


def test_units_are_translated_and_money_rescaled_on_the_chinese_page(app, fakes):
    _registry, metrics = fakes
    serve_metrics(metrics, summary([HYDROGEN, OUTPUT]))
    chinese = app.test_client().get("/?lang=zh").get_data(as_text=True)
    assert "/ 5,000 亿元" in chinese
    assert ">1,234<" in chinese
    assert "/ 70 座" in chinese
    english = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert "/ 500 billion CNY" in english
    assert ">123.4<" in english


def test_a_non_finite_number_is_served_as_null_and_shown_as_unknown(app, fakes):
    _registry, metrics = fakes
    serve_metrics(metrics, summary([{**HYDROGEN, "current_value": math.inf, "ratio": math.nan}]))
    client = app.test_client()
    answer = client.get("/api/v1/dashboard")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "Infinity" not in text
    assert "NaN" not in text
    assert answer.json["clusters"][0]["targets"][0]["current_value"] is None
    assert re.search(r"data-current[^>]*>—<", client.get("/?lang=en").get_data(as_text=True))


def test_the_cluster_page_counts_tracks_and_lists_the_newest_with_date_and_district(app, fakes):
    registry, metrics = fakes
    serve_metrics(metrics, summary([HYDROGEN]))
    registry.routes["/api/v1/entities"] = paged_list([station(3, "pudong"), station(2), station(1)])
    page = app.test_client().get("/clusters/energy?lang=zh").get_data(as_text=True)
    assert re.search(
        r'data-track="hydrogen">.*?href="/entities\?cluster=energy&amp;status=active&amp;track=hydrogen&amp;lang=zh" data-track-count',
        page,
        re.S,
    )
    row = re.search(r'<tr data-entity="3">(.*?)</tr>', page, re.S).group(1)
    assert "加氢站3号" in row
    assert "浦东新区" in row
    assert "2026-12-02" in row  # registered 2026-12-01T17:30Z: already 2 December in Shanghai


def test_the_list_page_shows_its_filters_pages_and_downloads(app, fakes):
    registry, _metrics = fakes
    registry.routes["/api/v1/entities"] = paged_list([station(n) for n in range(1, 76)])
    client = app.test_client()
    first = client.get("/entities?cluster=energy&status=active&lang=zh")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "集群: <strong>未来能源</strong>" in html
    assert "状态: <strong>运营中</strong>" in html
    assert html.count("data-entity-row=") == 50
    assert "第 1–50 行" in html
    next_page = re.search(r'href="([^"]+)" data-next', html).group(1).replace("&amp;", "&")
    second = client.get(next_page).get_data(as_text=True)
    assert second.count("data-entity-row=") == 25
    assert "data-next" not in second
    assert "<td>51</td>" in second
    policy = first.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "unsafe-inline" not in policy


def test_a_list_on_one_page_says_how_many_it_has(app, fakes):
    registry, _metrics = fakes
    registry.routes["/api/v1/entities"] = paged_list([station(1), station(2)])
    html = app.test_client().get("/entities?kind=facility&lang=en").get_data(as_text=True)
    assert "data-total>2<" in html


def test_downloads_are_exactly_the_list(app, fakes):
    registry, _metrics = fakes
    registry.routes["/api/v1/entities"] = paged_list([station(n) for n in range(1, 76)])
    client = app.test_client()
    answer = client.get("/entities.csv?cluster=energy&status=active&lang=zh")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    assert answer.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == list(range(1, 76))
    assert rows[0]["name_zh"] == "加氢站1号"
    workbook = client.get("/entities.xlsx?cluster=energy&status=active")
    assert workbook.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert sheet.max_row == 76


def test_a_download_is_the_ecoreg_command_s_file_and_imports_back(app, fakes, registry_document, tmp_path):
    from ecoreg_client import files

    registry, _metrics = fakes
    registry.routes["/api/v1/entities"] = paged_list([station(1), {**station(2), "name": "=2+2", "attributes": {"b": 1, "a": 2}}])
    columns = files.Columns.from_openapi(registry_document)
    client = app.test_client()
    for extension in ("csv", "xlsx"):
        path = tmp_path / f"list.{extension}"
        path.write_bytes(client.get(f"/entities.{extension}?cluster=energy").data)
        assert files.read_table(path, columns=columns).headers == list(columns.names)
        back = [entity for _, entity in files.read_entities(path, columns)]
        assert back[1]["name"] == "=2+2"  # the CSV's injection guard is undone on import
        assert back == [
            {k: v for k, v in entity.items() if k in columns.writable and v not in (None, [], {})}
            for entity in (station(1), {**station(2), "name": "=2+2", "attributes": {"b": 1, "a": 2}})
        ]


def test_a_download_without_the_registry_s_document_is_a_503_page(app, fakes):
    registry, _metrics = fakes
    registry.routes["/api/v1/entities"] = paged_list([station(1)])
    del registry.routes["/api/v1/openapi.json"]
    answer = app.test_client().get("/entities.csv?lang=en")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "10"
    assert "The registry is not answering" in answer.get_data(as_text=True)


def test_a_bad_filter_or_cursor_is_a_readable_page_not_an_error(app, fakes):
    registry, _metrics = fakes
    registry.routes["/api/v1/entities"] = paged_list([station(1)])
    client = app.test_client()
    for path in (
        "/entities?kind=spaceship&lang=en",
        "/entities?cursor=garbage&lang=en",
        "/entities.csv?kind=spaceship",
        "/entities.xlsx?kind=x&cursor=x",
    ):
        answer = client.get(path)
        assert answer.status_code == 422, path
        assert answer.mimetype == "text/html"
        assert "This list cannot be shown" in answer.get_data(as_text=True) or "无法显示此列表" in answer.get_data(as_text=True)
    assert "Must be one of: facility." in client.get("/entities?kind=spaceship").get_data(as_text=True)


def test_a_registry_that_does_not_answer_is_a_503_page(app, fakes):
    registry, _metrics = fakes
    registry.down = True
    answer = app.test_client().get("/entities?kind=facility&lang=en")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "10"
    assert "The registry is not answering" in answer.get_data(as_text=True)


def test_the_language_switch_keeps_the_lists_filters(app, fakes):
    registry, _metrics = fakes
    registry.routes["/api/v1/entities"] = paged_list([station(1)])
    html = app.test_client().get("/entities?kind=facility&status=active&lang=en").get_data(as_text=True)
    assert 'href="?kind=facility&amp;status=active&amp;lang=zh" data-switch' in html


OBSERVATIONS = {
    "indicator": "fuel_cell_vehicles",
    "unit": "vehicles",
    "observations": [
        {
            "indicator": "fuel_cell_vehicles",
            "period": "2023",
            "period_end": "2023-12-31",
            "cluster": None,
            "value": 5100,
            "source": "reporter-b",
            "recorded_at": "2026-12-02T02:10:00Z",
            "reports": [
                {"value": 5000, "source": "reporter-a", "recorded_at": "2026-12-01T02:00:00Z"},
                {"value": 5100, "source": "reporter-b", "recorded_at": "2026-12-02T02:10:00Z"},
            ],
        }
    ],
    "next_cursor": "n1",
}


def serve_observations(metrics):
    metrics.routes["/api/v1/indicators/fuel_cell_vehicles/observations"] = lambda pairs: (
        (422, {"title": "Validation Failed", "status": 422, "errors": {"cursor": ["is not a cursor this API gave out"]}})
        if ("cursor", "bad") in pairs
        else (200, OBSERVATIONS)
    )
    metrics.routes["/api/v1/indicators"] = lambda pairs: (
        200,
        {"indicators": [{"key": "fuel_cell_vehicles", "title_en": "Fuel-cell vehicles", "title_zh": "燃料电池汽车", "unit": "vehicles"}]},
    )


def test_the_observations_page_lists_every_report_with_its_reporter_and_time(app, fakes):
    _registry, metrics = fakes
    serve_observations(metrics)
    page = app.test_client().get("/indicators/fuel_cell_vehicles/observations?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Fuel-cell vehicles" in html
    row = re.search(r'<tr data-observation="2023">.*?</tr>', html, re.S).group(0)
    for shown in ("5,100", "reporter-a", "reporter-b", "2026-12-01 10:00", "2026-12-02 10:10"):  # times in Shanghai
        assert shown in row
    assert row.index("reporter-a") < row.index("reporter-b")  # oldest first
    assert re.search(r"<li data-report data-used>[^<]*reporter-b", row)  # the latest report is the one in use
    assert 'href="/indicators/fuel_cell_vehicles/observations?lang=en&amp;cursor=n1" data-next' in html
    chinese = app.test_client().get("/indicators/fuel_cell_vehicles/observations?lang=zh").get_data(as_text=True)
    for shown in ("燃料电池汽车", "辆", "采用"):
        assert shown in chinese


def test_an_observations_page_the_service_refuses_is_readable(app, fakes):
    _registry, metrics = fakes
    serve_observations(metrics)
    bad = app.test_client().get("/indicators/fuel_cell_vehicles/observations?cursor=bad&lang=en")
    assert bad.status_code == 422
    assert "is not a cursor this API gave out" in bad.get_data(as_text=True)
    missing = app.test_client().get("/indicators/nothing/observations?lang=en")
    assert missing.status_code == 404
    metrics.down = True
    assert app.test_client().get("/indicators/fuel_cell_vehicles/observations").status_code == 503


def test_indicator_targets_link_to_their_observations_page(app, fakes):
    _registry, metrics = fakes
    scoped = {**OUTPUT, "observations": "/api/v1/indicators/future_industry_output/observations?cluster=energy"}
    serve_metrics(metrics, summary([scoped]))
    page = app.test_client().get("/?lang=zh").get_data(as_text=True)
    assert 'href="/indicators/future_industry_output/observations?cluster=energy&amp;lang=zh"' in page
