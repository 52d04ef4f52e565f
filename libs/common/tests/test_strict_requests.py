"""The request boundary every service shares: strict JSON, one value per query parameter, one title per problem type."""

import json

import marshmallow as ma
import pytest
from flask import Flask
from flask.views import MethodView
from werkzeug.exceptions import HTTPException

from ecoreg_common import errors, strictjson
from ecoreg_common.api import Blueprint, create_api
from ecoreg_common.problems import handle_domain_error, handle_http_exception
from ecoreg_common.validation import InputSchema


class Args(InputSchema):
    one = ma.fields.String()
    many = ma.fields.List(ma.fields.String())


class Body(InputSchema):
    value = ma.fields.Raw()


def make_app():
    app = Flask(__name__)
    api = create_api(app, "test")
    blp = Blueprint("t", __name__, url_prefix="/t")

    @blp.route("/")
    class Resource(MethodView):
        @blp.arguments(Args, location="query")
        def get(self, args):
            return args

        @blp.arguments(Body)
        def post(self, body):
            return body

    api.register_blueprint(blp)
    return app


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e400", "[1e999]", "9" * 5000, '{"a": -1e309}'])
def test_strictjson_refuses_what_rfc_8259_does_not_allow(text):
    with pytest.raises(json.JSONDecodeError):
        strictjson.loads(text)


def test_strictjson_reads_ordinary_numbers():
    assert strictjson.loads('{"a": 1.5e300, "b": -0.0, "c": 12345678901234567890}') == {"a": 1.5e300, "b": -0.0, "c": 12345678901234567890}


@pytest.mark.parametrize("body", ['{"value": NaN}', '{"value": 1e400}', b'{"value": "\xff"}'])
def test_bodies_with_non_json_are_400_problems(body):
    client = make_app().test_client()
    response = client.post("/t/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_request_get_json_is_as_strict():
    app = make_app()
    with app.test_request_context("/t/", method="POST", data='{"value": NaN}', content_type="application/json"):
        from flask import request

        assert request.get_json(silent=True) is None


def test_a_repeated_parameter_is_422_unless_its_field_is_a_list():
    client = make_app().test_client()
    refused = client.get("/t/?one=a&one=b")
    assert refused.status_code == 422
    assert refused.json["errors"] == {"one": ["is given more than once; give it once"]}
    assert client.get("/t/?many=a&many=b").json == {"many": ["a", "b"]}
    assert client.get("/t/?one=a").json == {"one": "a"}


def test_each_problem_type_has_one_title():
    app = make_app()
    titles: dict[str, set[str]] = {}
    answers = []
    with app.app_context():
        for kind in HTTPException.__subclasses__():
            if getattr(kind, "code", None) and kind.code >= 400:
                answers.append(handle_http_exception(kind()))
        webargs_422 = HTTPException()
        webargs_422.code, webargs_422.data = 422, {"messages": {"json": {"x": ["bad"]}}}
        answers.append(handle_http_exception(webargs_422))
        for kind in (errors.ValidationFailed,):
            answers.append(handle_domain_error(kind({"x": ["bad"]})))
        for kind in (
            errors.Conflict,
            errors.NotFound,
            errors.Forbidden,
            errors.Unauthorized,
            errors.PreconditionFailed,
            errors.PreconditionRequired,
            errors.ServiceUnavailable,
            errors.UnprocessableRequest,
        ):
            answers.append(handle_domain_error(kind("x")))
    for answer in answers:
        titles.setdefault(answer.json["type"], set()).add(answer.json["title"])
    assert {kind: names for kind, names in titles.items() if len(names) > 1} == {}
    assert titles["https://ecoreg.example/problems/validation-failed"] == {"Validation Failed"}


class Paged(InputSchema):
    limit = ma.fields.Integer(load_default=20)


class Needed(InputSchema):
    key = ma.fields.String(required=True)


def parsing_app():
    app = Flask(__name__)
    api = create_api(app, "test")
    blp = Blueprint("p", __name__, url_prefix="/p")

    @blp.route("/optional")
    class Optional(MethodView):
        @blp.arguments(Args, location="query")
        def get(self, args):
            return {"args": args}

    @blp.route("/paged")
    class Page(MethodView):
        @blp.arguments(Paged, location="query")
        def get(self, args):
            return args

    @blp.route("/needed")
    class Need(MethodView):
        @blp.arguments(Needed, location="query")
        def get(self, args):
            return args

    api.register_blueprint(blp)
    return app


def test_an_empty_query_string_is_not_walked_when_the_schema_would_load_nothing(monkeypatch):
    client = parsing_app().test_client()
    loads = []
    load = ma.Schema.load
    monkeypatch.setattr(ma.Schema, "load", lambda self, *args, **kwargs: loads.append(type(self)) or load(self, *args, **kwargs))
    assert client.get("/p/optional").json == {"args": {}}
    assert loads == []  # answered without loading
    assert client.get("/p/optional?one=a").json == {"args": {"one": "a"}}
    assert client.get("/p/optional?unknown=a").status_code == 422
    # A default or a required field is still the schema's to apply: those are loaded.
    assert client.get("/p/paged").json == {"limit": 20}
    response = client.get("/p/needed")
    assert response.status_code == 422
    assert "key" in json.dumps(response.json)
    assert loads == [Args, Args, Paged, Needed]
