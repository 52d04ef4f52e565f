"""The dashboard people look at: `/` and one page per cluster, rendered on the server.

The first render needs no JavaScript; a small script then polls
/api/v1/dashboard with If-None-Match and updates the figures in place.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from gateway.request_context import upstream
from gateway.security import script_nonce, style_nonce
from gateway.web import vocabulary
from gateway.web.labels import LANGUAGES, words
from gateway.web.service import cluster_page, home

blp = Blueprint("web", __name__, template_folder="templates")


def language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(["zh", "en"])
    return best or "en"


def _render(template: str, page: dict):
    lang = language()
    names = vocabulary.in_language(vocabulary.names(upstream("registry"), _timeout()), lang)
    return render_template(template, page=page, lang=lang, t=words(lang, names), style_nonce=style_nonce(), script_nonce=script_nonce())


def _timeout() -> float:
    return current_app.config["GATEWAY_SETTINGS"].compose_timeout_seconds


@blp.get("/")
def dashboard_page():
    return _render("dashboard.html", home(upstream("registry"), upstream("metrics"), _timeout()))


@blp.get("/clusters/<string(maxlength=32):key>")
def cluster_detail(key: str):
    return _render("cluster.html", cluster_page(upstream("registry"), upstream("metrics"), key, _timeout()))
