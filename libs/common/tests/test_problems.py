from flask import Flask
from werkzeug.exceptions import NotFound

from ecoreg_common.errors import Conflict
from ecoreg_common.problems import PROBLEM_JSON, flatten_messages, install_problem_handlers


def test_flatten_nested_marshmallow_messages():
    messages = {"name": ["Missing"], "tracks": {0: ["Not a string"]}, "_schema": ["bad"], "attributes": {"a": {"b": ["x"]}}}
    assert flatten_messages(messages) == {"name": ["Missing"], "tracks.0": ["Not a string"], "_schema": ["bad"], "attributes.a.b": ["x"]}


def make_app():
    app = Flask(__name__)
    install_problem_handlers(app)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret SQL: SELECT * FROM users")

    @app.get("/conflict")
    def conflict():
        raise Conflict("taken", errors={"uscc": ["already registered"]})

    @app.get("/missing")
    def missing():
        raise NotFound()

    return app


def test_unexpected_errors_are_problems_without_a_trace():
    response = make_app().test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == PROBLEM_JSON
    assert "SELECT" not in response.get_data(as_text=True)
    assert response.json["title"] == "Internal Server Error"


def test_domain_errors_keep_their_status_and_field_errors():
    response = make_app().test_client().get("/conflict")
    assert response.status_code == 409
    assert response.json["errors"] == {"uscc": ["already registered"]}
    assert response.json["type"].endswith("/conflict")


def test_http_errors_and_unknown_routes_are_problems():
    client = make_app().test_client()
    for path in ("/missing", "/nowhere"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == PROBLEM_JSON
    response = client.post("/conflict")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_a_database_that_does_not_answer_is_a_503():
    from sqlalchemy.exc import OperationalError

    app = make_app()

    @app.get("/db")
    def db():
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    response = app.test_client().get("/db")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "SELECT" not in response.get_data(as_text=True)
