"""Security headers on every gateway answer, and a strict CSP on its HTML pages."""

from __future__ import annotations

import secrets

from flask import Flask, g


def style_nonce() -> str:
    """A per-request nonce for the page's own <style>: the only style the CSP admits."""
    if "style_nonce" not in g:
        g.style_nonce = secrets.token_urlsafe(16)
    return g.style_nonce


def script_nonce() -> str:
    """A per-request nonce for the page's own <script>: the only script the CSP admits."""
    if "script_nonce" not in g:
        g.script_nonce = secrets.token_urlsafe(16)
    return g.script_nonce


# On every answer unless it set its own.
ALWAYS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"))
_ALWAYS_LOWERED = tuple((name.lower(), name, value) for name, value in ALWAYS)


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        # One pass over the fields for the names there and the media type (a lookup per name scans
        # them all again; Response.mimetype parses the parameters on every call).
        present = set()
        content_type = ""
        for name, value in headers.items():
            lowered = name.lower()
            present.add(lowered)
            if lowered == "content-type":
                content_type = value
        for lowered, name, value in _ALWAYS_LOWERED:
            if lowered not in present:
                headers.add(name, value)  # add: no second scan of the headers, as setting does
        if content_type.split(";", 1)[0].strip().lower() == "text/html":
            style = f"'nonce-{g.style_nonce}'" if "style_nonce" in g else "'none'"
            script = f"'nonce-{g.script_nonce}'" if "script_nonce" in g else "'none'"
            response.headers["Content-Security-Policy"] = (
                f"default-src 'none'; style-src {style}; script-src {script}; img-src 'self'; connect-src 'self'; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
            )
        return response
