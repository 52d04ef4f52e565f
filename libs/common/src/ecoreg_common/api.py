"""flask-smorest's Api, speaking problem+json and documenting it."""

from __future__ import annotations

import json

from flask import Flask
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser

from ecoreg_common.problems import ProblemSchema, handle_http_exception, install_problem_handlers


class StrictParser(FlaskParser):
    """webargs' parser, answering JSON nested too deeply for Python as invalid JSON (400), not a 500."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            return self._handle_invalid_json_error(json.JSONDecodeError("nested too deeply", "", 0), req)


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


def create_api(app: Flask, title: str, version: str = "1.0.0") -> ProblemApi:
    app.config.setdefault("API_TITLE", title)
    app.config.setdefault("API_VERSION", version)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.json.ensure_ascii = False  # Chinese names as text, not \u escapes
    api = ProblemApi(app)
    install_problem_handlers(app)
    return api
