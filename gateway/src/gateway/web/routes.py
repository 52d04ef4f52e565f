"""The dashboard people look at: `/`, one page per cluster, and the entity list behind every figure.

Pages are rendered on the server. The dashboard's small script then polls
/api/v1/dashboard with If-None-Match and updates the figures in place.
``/entities`` lists what a figure counts (the registry list's own filters, its
cursor paging); ``/entities.csv`` and ``/entities.xlsx`` are exactly that list
as a file, in the format of the ``ecoreg`` command (ecoreg_client.files: the
columns are the registry's Entity schema in its OpenAPI document), so a
download imports back with ``ecoreg import``. A query the registry refuses is
a readable page with the registry's status (422), never an error of ours.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request

from ecoreg_client.files import CSV_TYPE, XLSX_TYPE, Columns, to_csv, to_xlsx
from gateway.docs.routes import DOC_EXTENSION
from gateway.proxy.upstreams import UpstreamUnavailable
from gateway.request_context import upstream
from gateway.security import script_nonce, style_nonce
from gateway.web import clock, vocabulary
from gateway.web.labels import LANGUAGES, words
from gateway.web.listing import ListRefused, fetch_all
from gateway.web.observations import observations_page
from gateway.web.service import cluster_page, entity_list, home
from gateway.web.units import figure, number

blp = Blueprint("web", __name__, template_folder="templates")


def language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(["zh", "en"])
    return best or "en"


def _switch_link(lang: str) -> str:
    """This page in the other language: the same query (filters, cursor) with ``lang`` changed."""
    other = "en" if lang == "zh" else "zh"
    return "?" + urlencode([*((k, v) for k, v in request.args.items(multi=True) if k != "lang"), ("lang", other)])


def _render(template: str, page: dict, status: int = 200, headers: dict | None = None):
    lang = language()
    html = render_template(
        template,
        page=page,
        lang=lang,
        t=_words(lang),
        figure=lambda value, unit: figure(value, unit, lang),
        number=number,
        switch_link=_switch_link,
        style_nonce=style_nonce(),
        script_nonce=script_nonce(),
    )
    return html, status, headers or {}


def _words(lang: str) -> dict:
    """The page's words in ``lang``, with the registry's names of kinds, subtypes, tiers and statuses
    and metrics' names of target statuses."""
    found = {**vocabulary.names(upstream("registry"), _timeout()), **vocabulary.metrics_names(upstream("metrics"), _timeout())}
    return words(lang, vocabulary.in_language(found, lang))


def _timeout() -> float:
    return current_app.config["GATEWAY_SETTINGS"].compose_timeout_seconds


def _query() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


def _refused(error: ListRefused):
    return _render("entities.html", {"refused": error, "query": _query()}, status=error.status)


def _unavailable(error: UpstreamUnavailable):
    return _render("entities.html", {"unavailable": True, "query": _query()}, status=503, headers=error.headers)


@blp.get("/")
def dashboard_page():
    return _render("dashboard.html", home(upstream("registry"), upstream("metrics"), _timeout(), language()))


@blp.get("/clusters/<string(maxlength=32):key>")
def cluster_detail(key: str):
    return _render("cluster.html", cluster_page(upstream("registry"), upstream("metrics"), key, _timeout(), language()))


@blp.get("/entities")
def entities_page():
    lang = language()
    try:
        page = entity_list(upstream("registry"), _query(), _timeout(), _words(lang), lang)
    except ListRefused as error:
        return _refused(error)
    except UpstreamUnavailable as error:
        return _unavailable(error)
    return _render("entities.html", page)


@blp.get("/indicators/<string(maxlength=64):key>/observations")
def indicator_observations(key: str):
    try:
        page = observations_page(upstream("metrics"), key, _query(), _timeout(), language())
    except ListRefused as error:
        return _render("observations.html", {"refused": error, "key": key}, status=error.status)
    except UpstreamUnavailable as error:
        return _render("observations.html", {"unavailable": True, "key": key}, status=503, headers=error.headers)
    return _render("observations.html", page)


def _columns() -> Columns:
    """The file's columns: the Entity schema of the registry's OpenAPI document. Raises UpstreamUnavailable without it."""
    try:
        return Columns.from_openapi(current_app.extensions[DOC_EXTENSION].upstream_doc("registry") or {})
    except ValueError:
        raise UpstreamUnavailable("The registry's API document is not available.", headers={"Retry-After": "10"}) from None


def _download(extension: str, render, content_type: str):
    settings = current_app.config["GATEWAY_SETTINGS"]
    try:
        columns = _columns()
        entities = fetch_all(upstream("registry"), _query(), settings.upstream_timeout_seconds)
    except ListRefused as error:
        return _refused(error)
    except UpstreamUnavailable as error:
        return _unavailable(error)
    name = f"ecoreg-entities-{clock.now():%Y%m%d-%H%M}.{extension}"
    return Response(
        render(entities, columns),
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@blp.get("/entities.csv")
def entities_csv():
    return _download("csv", to_csv, CSV_TYPE)


@blp.get("/entities.xlsx")
def entities_xlsx():
    return _download("xlsx", to_xlsx, XLSX_TYPE)
