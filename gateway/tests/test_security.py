"""Security headers, and no secret in any log line."""

import logging

import pytest

from gateway import create_app
from gateway.config import Settings


@pytest.fixture
def app(database_url, db):
    # Upstreams that do not answer: these tests stay inside the gateway.
    app = create_app(
        Settings(
            database_url=database_url,
            admin_key="very-secret-admin-key",
            registry_url="http://127.0.0.1:9",
            metrics_url="http://127.0.0.1:9",
            internal_token="very-secret-token",
            log_level="INFO",
        )
    )
    yield app
    app.extensions["gateway.recent_keys"].close()
    app.extensions["gateway.cache"].close()
    app.extensions["gateway.db"].dispose()


def test_the_docs_page_has_a_strict_policy(app):
    page = app.test_client().get("/docs")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in page.get_data(as_text=True)
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"


def test_api_answers_are_not_sniffed_or_framed(app):
    answer = app.test_client().get("/api/v1/keys")
    assert answer.status_code == 401
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_no_key_or_token_in_any_log_line(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        created = client.post(
            "/api/v1/keys",
            json={"partner": "acme", "scopes": ["entities:write"]},
            headers={"Authorization": "Bearer very-secret-admin-key"},
        )
        partner_key = created.json["key"]
        client.get("/api/v1/keys", headers={"Authorization": f"Bearer {partner_key}"})
        client.get("/api/v1/entities", headers={"Authorization": f"Bearer {partner_key}"})  # upstream down: logged
        client.get("/api/v1/keys", headers={"Authorization": "Bearer wrong-key-value"})
    text = "\n".join(record.getMessage() + str(record.__dict__) for record in caplog.records)
    assert text, "nothing was logged"
    for secret in ("very-secret-admin-key", partner_key, "very-secret-token", "wrong-key-value"):
        assert secret not in text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/entities//merge"),  # an empty id, e.g. from an unset shell variable
        ("GET", "/api/v1//entities"),
        ("GET", "/api/v1/entities//history"),
        ("GET", "//api/v1/metrics/summary"),
        ("GET", "/api/v1/entities/"),
    ],
)
def test_paths_with_empty_segments_get_problem_json_not_an_html_redirect(app, method, path):
    # Werkzeug's merge_slashes/strict_slashes answered these with a 308 and an HTML body.
    headers = {"Authorization": "Bearer very-secret-admin-key"}
    response = app.test_client().open(path, method=method, json={"into": 1} if method == "POST" else None, headers=headers)
    assert response.status_code == 404, (response.status_code, response.get_data(as_text=True))
    assert response.content_type == "application/problem+json"
    assert "Location" not in response.headers
    assert response.json["status"] == 404
