"""flask-smorest's Api, speaking problem+json and documenting it."""

from __future__ import annotations

import json

import marshmallow as ma
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES_SCHEMA
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.routing import BaseConverter

from ecoreg_common import chunked_bodies, gunicorn_errors, strictjson
from ecoreg_common.formats import key_pattern, key_regex
from ecoreg_common.problems import ProblemSchema, handle_http_exception, install_problem_handlers
from ecoreg_common.validation import known_storable, storable_json

QUERY_LOCATIONS = frozenset({"query", "querystring"})
# InputSchema's pre_load hook: it only refuses text it finds, and an empty query string has none.
_HOOKS_QUIET_ON_NOTHING = frozenset({"refuse_unstorable_text"})


def _loads_nothing_when_empty(schema: ma.Schema) -> bool:
    """Whether ``schema.load({})`` is ``{}`` whatever happens: no load field is required or has a
    ``load_default``, and no schema hook could add to the result or refuse it (post_load,
    validates_schema, a pre_load other than InputSchema's). Field validators only see values given."""
    fields_quiet = all(not field.required and field.load_default is ma.missing for field in schema.load_fields.values())
    pre_load = {name for name, *_ in schema._hooks[PRE_LOAD]}
    return fields_quiet and pre_load <= _HOOKS_QUIET_ON_NOTHING and not schema._hooks[POST_LOAD] and not schema._hooks[VALIDATES_SCHEMA]


class StrictParser(FlaskParser):
    """webargs' parser made strict about what it reads.

    - Bodies are parsed as RFC 8259 JSON (``strictjson``): NaN, Infinity, numbers
      beyond a double and nesting too deep for Python are invalid JSON (400).
    - A query parameter given twice (``?cluster=energy&cluster=space``) is
      refused (422) unless its field is a list; webargs would silently use the first.
    - A schema class is instantiated once, not per request, and an empty query string is
      not walked when the schema would load nothing from it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._schemas: dict[type[ma.Schema], ma.Schema] = {}
        self._empty_query: dict[ma.Schema, bool] = {}

    def _get_schema(self, argmap, req):
        # flask-smorest hands over the schema class; webargs would build an instance of it
        # for every request (a third of parsing an empty query string). A marshmallow 4
        # schema keeps no state between loads, so one instance per class serves them all.
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)

    def parse(self, argmap, req=None, *, location=None, validate=None, **kwargs):
        # Most GETs come without a query string (a dashboard polling the summary): when the
        # schema would load nothing from one (``_loads_nothing_when_empty``), the answer is {}
        # without webargs' walk (about 25 us of a request's CPU).
        req = req if req is not None else self.get_default_request()
        if location in QUERY_LOCATIONS and validate is None and not req.query_string:
            schema = self._get_schema(argmap, req)
            empty = self._empty_query.get(schema)
            if empty is None:
                empty = self._empty_query.setdefault(schema, _loads_nothing_when_empty(schema))
            if empty:
                return {}
        return super().parse(argmap, req, location=location, validate=validate, **kwargs)

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return super()._raw_load_json(req)
        try:
            return strictjson.loads(req.get_data(cache=True))
        except json.JSONDecodeError as error:
            return self._handle_invalid_json_error(error, req)

    def _process_location_data(self, location_data, schema, req, location, unknown, validators):
        # A JSON body whose bytes show no unstorable text and no deep nesting is loaded without
        # the schemas' walk over every value (validation.storable_json): same answers, less CPU.
        storable = location == "json" and is_json_request(req) and storable_json(req.get_data(cache=True))
        with known_storable(storable):
            return super()._process_location_data(location_data, schema, req, location, unknown, validators)

    def load_querystring(self, req, schema):
        list_keys = {field.data_key or name for name, field in schema.fields.items() if isinstance(field, ma.fields.List)}
        repeated = sorted(key for key in req.args if key not in list_keys and len(req.args.getlist(key)) > 1)
        if repeated:
            raise ma.ValidationError({key: ["is given more than once; give it once"] for key in repeated})
        return super().load_querystring(req, schema)


class Blueprint(SmorestBlueprint):
    """A flask-smorest Blueprint whose schemas reject unknown fields in every location.

    webargs ignores unknown query parameters by default; a typo such as
    ``?kidn=lab`` would then silently list everything. With ``unknown=None`` the
    schema's own setting (marshmallow's RAISE) applies everywhere.
    """

    ARGUMENTS_PARSER = StrictParser(unknown=None)


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return handle_http_exception(error)


def _as_problem_json(response: dict) -> None:
    content = response.get("content", {})
    if "application/json" in content:
        content["application/problem+json"] = content.pop("application/json")


def document_problems_as_problem_json(document: dict) -> dict:
    """Error responses are application/problem+json; say so in the document (smorest writes application/json)."""
    for response in document.get("components", {}).get("responses", {}).values():  # smorest's shared error responses
        _as_problem_json(response)
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for status, response in (operation.get("responses", {}) if isinstance(operation, dict) else {}).items():
                if status == "default" or str(status)[:1] in {"4", "5"}:
                    _as_problem_json(response)
    return document


class KeyConverter(BaseConverter):
    """``<key:name>``: a lowercase key (a-z, 0-9, _; 1 to 64 characters), as the schemas' KEY patterns.

    A path segment that is not one (``Bad Key!``, ``a%00b``, 65 characters) matches
    no route (404) for every method, so it never reaches a query: PostgreSQL refuses
    NUL in text, and a PUT can no longer create what a POST would refuse.
    ``<key(length=48):name>`` allows at most 48 characters.
    """

    def __init__(self, url_map, length: int = 64):
        super().__init__(url_map)
        self.regex = key_regex(length)
        self.length = length


def _key_in_openapi(converter: KeyConverter) -> dict:
    return {"type": "string", "pattern": key_pattern(converter.length)}


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON with ``request.get_json`` as strict as the argument parser."""

    def loads(self, s, **kwargs):
        return strictjson.loads(s)


def create_api(app: Flask, title: str, version: str = "1.0.0") -> ProblemApi:
    app.config.setdefault("API_TITLE", title)
    app.config.setdefault("API_VERSION", version)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    strict = StrictJSONProvider(app)
    strict.sort_keys = app.json.sort_keys  # keep what the app chose before (key order as the schemas give it)
    app.json = strict
    app.json.ensure_ascii = False  # Chinese names as text, not \u escapes
    # Werkzeug answers a path with "//" (merge_slashes, on by default) with a 308 whose
    # body is HTML, before any error handler runs (Flask returns RoutingExceptions as
    # they are). Every answer here is problem+json: such a path is simply not found
    # (404 via the handlers below). Set before the routes are added: a rule takes the
    # map's setting when it is bound. (strict_slashes redirects only to a rule ending
    # in "/"; no API rule does, and a test holds every such path to problem+json.)
    app.url_map.merge_slashes = False
    app.url_map.converters["key"] = KeyConverter
    api = ProblemApi(app)
    api.register_converter(KeyConverter, _key_in_openapi)
    to_dict = api.spec.to_dict
    api.spec.to_dict = lambda: document_problems_as_problem_json(to_dict())
    install_problem_handlers(app)
    gunicorn_errors.install()  # and what gunicorn refuses before Flask sees it
    chunked_bodies.install(app)  # a chunked body whole, or 413 / 400, before any view
    return api
