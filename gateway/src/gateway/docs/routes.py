"""The merged OpenAPI document and a docs page that lists every operation."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template_string

from gateway.security import style_nonce

TEMPLATE = (Path(__file__).parent / "docs.html").read_text(encoding="utf-8")
DOC_EXTENSION = "gateway.openapi"

blp = Blueprint("docs", __name__)


def merged_document() -> dict:
    own = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return current_app.extensions[DOC_EXTENSION].build(own)


@blp.get("/api/v1/openapi.json")
def openapi_json():
    return jsonify(merged_document())


@blp.get("/docs")
def docs_page():
    document = merged_document()
    groups: dict[str, list[dict]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "parameters": operation.get("parameters", []),
                    "responses": list(operation.get("responses", {})),
                }
            )
    return render_template_string(
        TEMPLATE, groups=sorted(groups.items()), missing=document.get("x-ecoreg-missing", []), nonce=style_nonce()
    )
