"""The client retries a batch under the same Idempotency-Key, and reports problems."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ecoreg_client import EcoregClient, EcoregError


class Server(BaseHTTPRequestHandler):
    answers: list[tuple[int, dict]] = []
    seen: list[dict] = []
    document: dict = {}  # GET /api/v1/openapi.json: the registry's, as the gateway merges it in

    def do_GET(self):
        if self.path != "/api/v1/openapi.json":
            self.send_error(404)
            return
        payload = json.dumps(Server.document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        Server.seen.append(
            {
                "path": self.path,
                "key": self.headers.get("Idempotency-Key"),
                "auth": self.headers.get("Authorization"),
                "body": json.loads(self.rfile.read(length)),
            }
        )
        status, body = Server.answers.pop(0)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(registry_document):
    Server.answers, Server.seen, Server.document = [], [], registry_document
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_failed_batch_is_retried_with_the_same_key(server):
    Server.answers = [(503, {"title": "Service Unavailable"}), (503, {}), (200, {"summary": {"created": 1}, "items": []})]
    with EcoregClient(server, api_key="eco_test", backoff=0) as api:
        answer = api.upsert_batch([{"kind": "lab"}])
    assert answer["summary"] == {"created": 1}
    assert len(Server.seen) == 3
    assert len({request["key"] for request in Server.seen}) == 1
    assert Server.seen[0]["auth"] == "Bearer eco_test"
    assert Server.seen[0]["body"] == {"entities": [{"kind": "lab"}]}


def test_problems_are_raised_with_their_document(server):
    Server.answers = [(422, {"title": "Unprocessable Entity", "detail": "entities: too many", "errors": {"entities": ["too many"]}})]
    with EcoregClient(server, backoff=0) as api, pytest.raises(EcoregError) as raised:
        api.upsert_batch([{}])
    assert raised.value.status == 422
    assert raised.value.problem["errors"] == {"entities": ["too many"]}


def test_a_refused_connection_fails_at_once_without_retries():
    import socket
    import time

    from ecoreg_client import EcoregUnreachable

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    with EcoregClient(f"http://127.0.0.1:{port}", backoff=5) as api, pytest.raises(EcoregUnreachable, match="connection refused"):
        api.summary()
    assert time.perf_counter() - started < 2  # a retry would have slept 5 s


def test_a_post_without_idempotency_key_is_not_retried(server):
    Server.answers = [(503, {"title": "Service Unavailable"})]
    with EcoregClient(server, backoff=0) as api, pytest.raises(EcoregError) as raised:
        api.create_key("p", [])
    assert raised.value.status == 503
    assert len(Server.seen) == 1


def test_retries_are_bounded(server):
    Server.answers = [(503, {"title": "Service Unavailable"})] * 10
    with EcoregClient(server, backoff=0, retries=2) as api, pytest.raises(EcoregError):
        api.upsert_batch([{"kind": "lab"}])
    assert len(Server.seen) == 3


def test_dry_run_asks_the_registry_to_write_nothing_and_shows_look_alikes(server, tmp_path):
    from click.testing import CliRunner

    from ecoreg_client.cli import cli

    source = tmp_path / "list.csv"
    source.write_text(
        "企业名称,集群,外部编号\n华域视觉科技(上海)有限公司,intelligence,p-1\n坏,nowhere,p-2\n上海合成生物,health,p-3\n", encoding="utf-8"
    )
    # Another USCC is another legal person: no look-alike, whatever the name.
    unlike = {
        "id": 7,
        "score": 0.3,
        "reasons": ["same_name_zh", "other_uscc"],
        "looks_alike": False,
        "entity": {"id": 7, "name_zh": "上海合成生物有限公司"},
    }
    candidate = {
        "id": 12,
        "score": 0.97,
        "reasons": ["same_core_name"],
        "looks_alike": True,
        "entity": {"id": 12, "name_zh": "华域视觉科技（上海）有限公司"},
    }
    Server.answers = [
        (
            200,
            {
                "dry_run": True,
                "summary": {"created": 2, "updated": 0, "unchanged": 0, "error": 1},
                "items": [
                    {"index": 0, "status": "created", "id": None, "version": None, "match": {"chosen": 12, "candidates": [candidate]}},
                    {"index": 1, "status": "error", "id": None, "version": None, "errors": {"clusters": ["unknown cluster(s): nowhere"]}},
                    {"index": 2, "status": "created", "id": None, "version": None, "match": {"chosen": None, "candidates": [unlike]}},
                ],
            },
        )
    ]
    result = CliRunner().invoke(cli, ["--url", server, "import", str(source), "--dry-run", "--set", "kind=enterprise"])
    assert result.exit_code == 1, result.output
    [request] = Server.seen
    assert request["path"] == "/api/v1/entities/batch?dry_run=true"
    assert request["body"]["entities"][0] == {
        "name_zh": "华域视觉科技(上海)有限公司",
        "name": "华域视觉科技(上海)有限公司",
        "clusters": ["intelligence"],
        "external_id": "p-1",
        "kind": "enterprise",
    }
    assert "3 rows (dry run: nothing written): 2 would be created, 0 would be updated, 0 would be unchanged, 1 with errors" in result.output
    assert "line 4" not in result.output
    assert "line 2: new, but looks like entity 12 华域视觉科技（上海）有限公司 (score 0.97: same_core_name)" in result.output
    assert "line 3: clusters: unknown cluster(s): nowhere" in result.output
    assert list(tmp_path.iterdir()) == [source]  # a dry run writes no report unless --report names one


def test_an_import_refused_half_way_says_how_far_it_got(server, tmp_path):
    from click.testing import CliRunner

    from ecoreg_client.cli import cli

    source = tmp_path / "two.csv"
    source.write_text("kind,name,clusters,external_id\nlab,A,energy,a\nlab,B,energy,b\n", encoding="utf-8")
    first = {"summary": {"created": 1}, "items": [{"index": 0, "status": "created", "id": 1, "version": 1}]}
    Server.answers = [(200, first), (403, {"title": "Forbidden", "detail": "This key may not write entities."})]
    result = CliRunner().invoke(cli, ["--url", server, "import", str(source), "--batch-size", "1"])
    assert result.exit_code == 4
    assert "stopped at line 3: the 1 row before it was sent" in result.output
    assert result.output.strip().endswith("ecoreg: the API answered 403: This key may not write entities.")
